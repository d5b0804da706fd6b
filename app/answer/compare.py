"""The comparison strategy: one indicator in two years, each year's figure found by its own
grounded lookup, the difference computed in code (by `render`), never by the model."""

from __future__ import annotations

from app.answer.decision import Decision, Form, Outcome
from app.answer.grounding import Figure, figure_in
from app.answer.lookup import Events, Tools
from app.answer.value import decide_value
from app.domain import Query
from app.retrieve.query import part_question


def decide_comparison(tools: Tools, query: Query, doc_id: str | None = None) -> Events:
    """Two years compared: one grounded lookup per year; refused when a year's figure is
    not found."""
    found: list[tuple[int, Figure]] = []
    looks, raws = [], []
    for asked in query.years:
        sub, candidates = tools.part(part_question(query, asked), asked, query, doc_id)
        if not candidates:
            break
        part = yield from decide_value(tools, sub, candidates, stream=False, form=Form.VALUE)
        looks.extend(part.looks)
        raws.append(part.model_answer)
        figure = None if part.refused else figure_in(part.statement, sub, part.evidence[0])
        if figure is None:
            break
        found.append((asked, figure))
    record = {"looks": tuple(looks), "model_answer": "\n".join(raws)}
    if len(found) < 2:
        return Decision(Outcome.PART_MISSING, Form.COMPARISON, **record)
    first, second = sorted(found, key=lambda item: item[0])
    evidence = (first[1].candidate, second[1].candidate)
    return Decision(Outcome.COMPARED, Form.COMPARISON, evidence, figures=(first, second), **record)
