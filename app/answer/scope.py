"""Out of scope: a question about years no document covers, or about a report the library
does not hold, is refused before any model call."""

from __future__ import annotations

from collections.abc import Iterable

from app.answer.decision import Decision, Form, Outcome
from app.domain import Document, Query
from app.index import HybridIndex


def report_years(documents: Iterable[Document]) -> set[int]:
    """The years whose work report the library holds: a work report's, or any document's
    delivered in a year it plans (a feature or news item giving that report's content)."""
    held = set()
    for d in documents:
        year = d.delivered_year
        if year and (d.kind == "work_report" or year in d.planned_years):
            held.add(year)
    return held


def out_of_scope(query: Query, index: HybridIndex) -> Decision | None:
    """The refusal when no document covers the asked years or the named report is missing."""
    if query.years and not set(query.years) & index.covered_years:
        held = tuple(sorted(index.covered_years))
        return Decision(
            Outcome.NO_DOCUMENT, Form.OUT_OF_SCOPE, asked_years=tuple(query.years), held_years=held
        )
    reports = sorted(report_years(index.documents.values()))
    if query.report_year and query.report_year not in reports:
        return Decision(
            Outcome.NO_REPORT,
            Form.OUT_OF_SCOPE,
            asked_years=(query.report_year,),
            held_years=tuple(reports),
        )
    return None
