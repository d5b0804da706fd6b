"""Which figure questions the figures table answers, and when the pipeline's model lookups
answer instead: a series always (the table, or a refusal naming the nearest indicators);
a comparison when both years have a cell in one unit; a target against its result when the
target is found (with the result, or the result said to be missing: a target is never given
as its own result); several values when every indicator named has a cell.

A series whose question names no indicator the reports use (an English question's loose
translation, "city greenways" for 城市绿道; other words than the reports') has its
indicator named by the model: one lookup over the candidate sentences, decided as a value
question is, chooses the sentence that answers; the indicator of the row whose figure it
states is the one the table is read for. So is each piece of a several-figures question
whose words are not the reports' names, by one lookup for the piece asked alone. The
model names the indicator; every cell still comes from the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from app.answer.asked import Asked, asked, asked_pieces
from app.answer.candidates import Candidate
from app.answer.decision import Decision, Form, Outcome
from app.answer.lookup import Events, Tools
from app.answer.series import cells, decide_series, decide_values
from app.answer.target import decide_target
from app.answer.value import decide_value
from app.domain import Query
from app.figures.extract import FigureRow
from app.text.numbers import numbers_in


def decide_from_table(
    query: Query,
    form: Form,
    index,
    minimum: float,
    tools: Tools | None = None,
    candidates: Callable[[], list[Candidate]] = list,
) -> Events:
    """The table's decision for the question's form, or None to answer it otherwise."""
    if form is Form.VALUES:
        wants = asked_pieces(query, index.figures)
        if (
            tools is not None
            and len(query.years) == 1
            and any(_unread(w, index, minimum) for w in wants)
        ):
            wants = yield from _pieces_named_by_model(tools, query, wants, index, minimum)
        return decide_values(query, index, minimum, wants)
    if form is Form.TARGET_ACTUAL:
        decision = decide_target(query, index, minimum)
        return decision if decision is not None and decision.cells[0].row is not None else None
    if form is Form.SERIES:
        want = asked(query, index.figures)
        if tools is not None and (not want.named or _unread(want, index, minimum)):
            name = yield from _series_named_by_model(tools, query, want, candidates, index)
            want = replace(want, names=(name,), named=True) if name else want
        return decide_series(query, index, minimum, form, want)
    if query.compares_years:
        decision = decide_series(query, index, minimum, form)
        return decision if decision.outcome is Outcome.COMPARED else None
    return None


def _pieces_named_by_model(
    tools: Tools, query: Query, wants: list[Asked], index, minimum: float
) -> Events:
    """Each piece of a several-figures question that finds no row of the year (its words
    not the reports' names, or a name of theirs another row's words state), named by the
    model: one lookup over the piece asked alone.
    A piece the model cannot name leaves the question to the pipeline's own lookup, so the
    pieces after it are not looked up."""
    year, named = query.years[0], []
    for i, want in enumerate(wants):
        if want.names and _unread(want, index, minimum):
            part, candidates = tools.part(f"{year}年{want.names[0]}是多少？", year, query, None)
            name = yield from _named_by_model(tools, part, candidates, index)
            if name is None:
                return [*named, *wants[i:]]
            want = replace(want, names=(name,), named=True)
        named.append(want)
    return named


def _series_named_by_model(
    tools: Tools, query: Query, want: Asked, candidates: Callable[[], list[Candidate]], index
) -> Events:
    """The indicator of a series, named by one lookup over the question's candidates, else
    by a lookup for its latest asked year alone, then its first: over several years several
    sentences answer, and the choice among them may be too unsure to take."""
    name = yield from _named_by_model(tools, query, candidates(), index)
    if name is not None or not want.names or not want.years:
        return name
    for year in dict.fromkeys((want.years[-1], want.years[0])):
        part, found = tools.part(f"{year}年{want.names[0]}是多少？", year, query, None)
        name = yield from _named_by_model(tools, part, found, index)
        if name is not None:
            return name
    return None


def _unread(want: Asked, index, minimum: float) -> bool:
    """Whether the table reads no cell of any asked year for what is asked (a name of the
    reports' that no row of those years gives: 加装电梯 asked, 电梯加装完工 stated)."""
    return not any(c.row for c in cells(index.figures, want, minimum)[1])


def _named_by_model(tools: Tools, query: Query, candidates: list[Candidate], index) -> Events:
    """The indicator of the row whose figure the model's lookup answers with (None when
    the lookup is refused or its figure is no row's)."""
    if not candidates:
        return None
    decision: Decision = yield from decide_value(
        tools, query, candidates, stream=False, form=Form.VALUE
    )
    if decision.refused or not decision.evidence:
        return None
    row = stated_row(decision, index.figures.rows)
    return row.indicator if row is not None else None


def stated_row(decision: Decision, rows: list[FigureRow]) -> FigureRow | None:
    """The row of the chosen sentence whose figure the decision's statement gives."""
    chosen = decision.evidence[0]
    stated = set(numbers_in(decision.statement))
    for row in rows:
        if row.chunk_id != chosen.passage.chunk.chunk_id or not row.indicator:
            continue
        if chosen.text not in row.sentence and row.sentence not in chosen.text:
            continue
        if set(numbers_in(row.written)) & stated:
            return row
    return None
