"""The router: the analysed `Query` → the form of the question, read from its own words
and periods (code, not the model: a 1.5B model routes poorly, and the form shows in the
question). Each form has its strategy; `answerer` holds the table."""

from __future__ import annotations

import re

from app.answer.decision import Form
from app.domain import Query
from app.retrieve.query import CUES

_ASKS = re.compile(
    r"多少|几[个家台项所座条套幅亩人年位次倍]?|哪[个家些年一]|什么|\bhow (?:many|much)\b|\bwhat\b|\bwhich\b",
    re.I,
)
_CLAUSES = re.compile(r"[？?；;]|，(?=[^，]*(?:多少|几|哪|什么))")


def _asks(text: str) -> int:
    """How many clauses of the question ask for something."""
    parts = [p for p in _CLAUSES.split(text) if p.strip()]
    return sum(1 for p in parts if _ASKS.search(p))


def route(query: Query) -> Form:
    """The question's form: the first that its words and periods show, a value otherwise."""
    text = query.text
    years = query.years
    if CUES["target_actual"].search(text):
        return Form.TARGET_ACTUAL
    if CUES["points"].search(text):
        return Form.OPEN
    if query.compares_years:
        return Form.COMPARISON
    if CUES["series"].search(text) and (len(years) >= 2 or query.span):
        return Form.SERIES
    listed = len(years) >= 3 and not query.span and not query.comparison_cue
    if listed and (query.asks_figure or query.mentions_measure):
        return Form.SERIES
    if query.comparison_cue and len(years) == 2:
        return Form.COMPARISON
    if query.yes_no:
        return Form.THRESHOLD
    if CUES["open"].search(text) and not query.asks_figure:
        return Form.OPEN
    if CUES["several"].search(text) or _asks(text) >= 2:
        return Form.VALUES
    return Form.VALUE
