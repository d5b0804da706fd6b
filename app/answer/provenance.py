"""Provenance ranks evidence: when two documents state one figure differently, the one
with more authority answers and the other is shown apart, never silently.

Two sentences state one figure differently when they come from different documents and
give a figure of one period and unit (both targets, or neither) with different values,
of one indicator: as the figures table groups names (a text that puts the report's
figure in its own words), or by being the same words once their numbers are masked (a
scraped page that restates a report's sentence with a changed figure). Before the model
chooses, a candidate that a more authoritative candidate states otherwise is set aside,
so it cannot be chosen. After an answer, every candidate that states the chosen
sentence's figure otherwise (of equal or less authority, or addressed to the assistant)
is its conflict.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from app.answer.candidates import Candidate
from app.answer.decision import Decision
from app.figures.extract import Context, FigureRow, figures_in
from app.figures.table import FigureTable, bigrams
from app.text.numbers import normalise_digits

# The share of their character pairs two sentences, numbers masked, must share to be one
# statement (Dice). Over the shipped corpus, no two sentences of different documents pass
# it and the period check together; the 26 pairs that pass it alone are one report's
# wording used again for another year, which the period check tells apart.
RESTATED = 0.7
MAX_CONFLICTS = 2
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def set_aside(
    candidates: list[Candidate], table: FigureTable
) -> tuple[list[Candidate], list[Candidate]]:
    """The candidates the model may choose among (renumbered [1]…[n]), and those set aside
    because a more authoritative candidate states their figure otherwise."""
    kept, aside = [], []
    for c in candidates:
        outranked = any(
            o.authority > c.authority and states_otherwise(c, o, table) for o in candidates
        )
        (aside if outranked else kept).append(c)
    return [replace(c, n=n) for n, c in enumerate(kept, start=1)], aside


def with_conflicts(decision: Decision, pool: Iterable[Candidate], table: FigureTable) -> Decision:
    """The decision with the pool's candidates that state its evidence's figure otherwise,
    the most authoritative first (a refusal has none, nor an answer on other than one
    sentence)."""
    if decision.refused or len(decision.evidence) != 1:
        return decision
    chosen = decision.evidence[0]
    found: dict[str, Candidate] = {}
    for c in pool:
        if c.text not in found and c.text != chosen.text and states_otherwise(chosen, c, table):
            found[c.text] = c
    ranked = sorted(found.values(), key=lambda c: (c.instruction, -c.authority))
    return replace(decision, conflicts=tuple(ranked[:MAX_CONFLICTS]))


def states_otherwise(a: Candidate, b: Candidate, table: FigureTable) -> bool:
    """Whether two candidates of different documents state a figure of one period and unit
    (both targets, or neither) with another value, and of one indicator: as the table
    groups names, or by being one sentence once their numbers are masked."""
    if a.passage.chunk.doc_id == b.passage.chunk.doc_id:
        return False
    rows_a, rows_b = _rows(a, table), _rows(b, table)
    restated: bool | None = None  # worked out once, when first needed
    for ra in rows_a:
        for rb in rows_b:
            # What happened, or what was expected to (预计, which a later figure revises),
            # against the same; a target only against a target.
            planned = ra.phase == "target"
            if (
                not ra.span
                or (ra.span, ra.unit) != (rb.span, rb.unit)
                or planned != (rb.phase == "target")
            ):
                continue
            if ra.value == rb.value:
                continue
            if restated is None:
                restated = _restated(a.text, b.text)
            if restated or table.group_of(ra.indicator) == table.group_of(rb.indicator):
                return True
    return False


def _restated(a: str, b: str) -> bool:
    pairs_a, pairs_b = _masked_pairs(a), _masked_pairs(b)
    if not pairs_a or not pairs_b:
        return False
    shared = len(pairs_a & pairs_b)
    return 2 * shared / (len(pairs_a) + len(pairs_b)) >= RESTATED


def _masked_pairs(text: str) -> set[str]:
    return bigrams(_NUMBER.sub("#", normalise_digits(text)))


def _rows(c: Candidate, table: FigureTable) -> tuple[FigureRow, ...]:
    """The sentence's figures as the table read them with the index (its period read with
    its document's years); a sentence the table did not read (one addressed to the
    assistant) is read here, in its passage's period."""
    chunk = c.passage.chunk
    stated = table.stated_at(chunk.doc_id, chunk.start + c.sentence.start)
    if stated is not None:
        return stated
    delivered = c.passage.delivered
    context = Context(
        chunk.doc_id,
        c.kind,
        tuple(chunk.years),
        chunk.phase,
        delivered_year=int(delivered[:4]) if delivered else None,
    )
    return tuple(figures_in(c.text, context))
