"""A figures table (`render.figures_table`'s dict) as CSV, for the CLI and the HTTP API."""

from __future__ import annotations

import csv
import io

from app.text.spreadsheet import safe_row

COLUMNS = ("year", "indicator", "figure", "value", "unit", "kind", "phase", "source", "doc_id")


def to_csv(table: dict) -> str:
    """One line per asked year; a year the reports do not state has an empty figure. Text
    from the documents never starts a cell a spreadsheet would run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in table.get("rows", []):
        cells = [
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
        writer.writerow(safe_row(cells))
    return out.getvalue()
