"""The one place answer text is made: `render(decision, query)` turns a strategy's
`Decision` into what a user reads, in Chinese or English (answers, refusals, verdicts,
comparisons, figures, open answers, source notes). Its modules: `text` (refusals,
citations, quotes, points), `figures` (what the figures table answers), `amounts`
(amounts in English). The prompt templates live in `prompts/`.
"""

from __future__ import annotations

from app.answer.decision import Decision, Form, Outcome
from app.answer.render.figures import (
    comparison_text,
    no_figures_text,
    series_text,
    target_text,
    values_text,
)
from app.answer.render.table import figures_table
from app.answer.render.text import (
    as_written_statement,
    chinese_statement,
    cite,
    conflicts_text,
    no_document_text,
    no_report_text,
    no_topic_text,
    point_texts,
    points_text,
    refusal_text,
    source_note,
    verdict_text,
)
from app.domain import Query

__all__ = [
    "chinese_statement",
    "cite",
    "comparison_text",
    "figures_table",
    "point_texts",
    "refusal_text",
    "render",
    "source_note",
]


def render(decision: Decision, query: Query) -> str:
    """The text of an answer or a refusal, in the question's language; an answer's
    conflicting statements by other documents after it, apart."""
    text = _text(decision, query)
    if decision.conflicts and not decision.refused:
        first = len(decision.evidence) + 1
        text += conflicts_text(decision.conflicts, first, query.english)
    return text


def _text(decision: Decision, query: Query) -> str:
    english = query.english
    outcome = decision.outcome
    evidence = decision.evidence
    if outcome is Outcome.NO_DOCUMENT:
        return no_document_text(list(decision.asked_years), decision.held_years, english)
    if outcome is Outcome.NO_REPORT:
        return no_report_text(decision.asked_years[0], list(decision.held_years), english)
    if outcome is Outcome.NO_TOPIC:
        return no_topic_text(decision, english)
    if outcome is Outcome.TOO_LONG:
        first, last = decision.asked_years[0], decision.asked_years[-1]
        if english:
            return f"{first}–{last} is too long a span to list: ask for at most 30 years."
        return f"{first}—{last}年跨度太长，无法逐年列出：请问不超过30年的范围。"
    if outcome is Outcome.PART_MISSING and decision.cells and not evidence:
        return no_figures_text(decision, english)
    if outcome in (Outcome.NOTHING_RETRIEVED, Outcome.NOT_ANSWERED):
        return refusal_text(evidence[0] if evidence else None, english)
    if decision.refused:  # unsure, misread, a part not found, nothing to quote
        return refusal_text(evidence[0] if evidence else None, english, unsure=True)
    if outcome is Outcome.SUMMARISED:
        return points_text(decision, english)
    if outcome is Outcome.TABULATED and decision.form is Form.VALUES:
        return values_text(decision, english, query.glossed)
    if outcome is Outcome.TABULATED:
        return series_text(decision, english, query.glossed)
    if outcome in (Outcome.TARGET_MET, Outcome.TARGET_PART):
        return target_text(decision, english)
    if outcome is Outcome.QUOTED:
        return cite(evidence[0].text, 1, english=False)
    if outcome is Outcome.VERDICT:
        return verdict_text(bool(decision.verdict), evidence[0], 1, english)
    if outcome is Outcome.COMPARED:
        first, second = decision.figures
        return comparison_text(first, second, english)
    if outcome is Outcome.KEPT_CHINESE:
        return "The report says: " + cite(chinese_statement(decision), 1, english=False)
    if decision.english:
        return cite(decision.english, 1, english=True)
    return cite(as_written_statement(decision), 1, english)
