"""A figures table (`render.figures_table`'s dict) as CSV, for the CLI and the HTTP API."""

from __future__ import annotations

import csv
import io

COLUMNS = ("year", "indicator", "figure", "value", "unit", "kind", "phase", "source", "doc_id")


def to_csv(table: dict) -> str:
    """One line per asked year; a year the reports do not state has an empty figure."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in table.get("rows", []):
        writer.writerow(
            [
                row["year"],
                row.get("indicator", ""),
                row.get("written", ""),
                "" if row.get("value") is None else row["value"],
                row.get("unit") or "",
                row.get("kind", ""),
                row.get("phase", ""),
                row.get("source", ""),
                row.get("doc_id", ""),
            ]
        )
    return out.getvalue()
