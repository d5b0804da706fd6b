"""Which figure questions the figures table answers, and when the pipeline's model lookups
answer instead: a series always (the table, or a refusal naming the nearest indicators);
a comparison when both years have a cell in one unit; a target against its result when the
target is found (with the result, or the result said to be missing: a target is never given
as its own result); several values when every indicator named has a cell."""

from __future__ import annotations

from app.answer.decision import Decision, Form, Outcome
from app.answer.series import decide_series, decide_values
from app.answer.target import decide_target
from app.domain import Query


def decide_from_table(query: Query, form: Form, index, minimum: float) -> Decision | None:
    """The table's decision for the question's form, or None to answer it otherwise."""
    if form is Form.VALUES:
        return decide_values(query, index, minimum)
    if form is Form.TARGET_ACTUAL:
        decision = decide_target(query, index, minimum)
        return decision if decision is not None and decision.cells[0].row is not None else None
    if form is Form.SERIES:
        return decide_series(query, index, minimum, form)
    if query.compares_years:
        decision = decide_series(query, index, minimum, form)
        return decision if decision.outcome is Outcome.COMPARED else None
    return None
