"""The router: the analysed `Query` → the form of the question, read from its own words
and periods (code, not the model: a 1.5B model routes poorly, and the form shows in the
question). Each form has its strategy; `answerer` holds the table."""

from __future__ import annotations

import re

from app.answer.decision import Form
from app.domain import Query
from app.retrieve.query import CUES
from app.text.years import YEAR

_ASKS = re.compile(
    r"多少|几[个家台项所座条套幅亩人年位次倍]?|哪[个家些年一]|什么|\bhow (?:many|much)\b|\bwhat\b|\bwhich\b",
    re.I,
)
# "各是多少" asks each of what the question lists: its years ("2019年和2020年…各是多少"),
# or, when it names a period and no years, its indicators ("十四五期间A和B的年均增长各是多少").
_EACH = re.compile(r"各(?:是|为|有)?多少")
_CLAUSES = re.compile(r"[？?；;]|，(?=[^，]*(?:多少|几|哪|什么))")


def _asks(text: str) -> int:
    """How many clauses of the question ask for something."""
    parts = [p for p in _CLAUSES.split(text) if p.strip()]
    return sum(1 for p in parts if _ASKS.search(p))


def _by_year(text: str) -> bool:
    """Whether the question asks its figure year by year ("每年", "历年", "各是多少" over
    the years it names)."""
    cues = [m.group(0) for m in CUES["series"].finditer(text)]
    named_years = len(YEAR.findall(text)) >= 2
    return any(named_years or not _EACH.fullmatch(cue) for cue in cues)


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
    if _by_year(text) and (len(years) >= 2 or query.span):
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
