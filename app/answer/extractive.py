"""Extractive mode, with no model: the best candidate sentence quoted, if it bears on the
question enough."""

from __future__ import annotations

from app.answer.candidates import Candidate
from app.answer.decision import Decision, Form, Outcome
from app.domain import Query

MIN_QUOTE_SCORE = 0.55  # an extractive answer's sentence must score at least this


def decide_extractive(query: Query, candidates: list[Candidate], form: Form) -> Decision:
    """Quote the best-scoring sentence; refuse below the score floor or for an English
    question, whose words are not in the reports, so its quote cannot be checked."""
    best = max(candidates, key=lambda c: c.sentence.score)
    if best.sentence.score < MIN_QUOTE_SCORE or query.english:
        return Decision(Outcome.NOT_QUOTED, form, (best,))
    return Decision(Outcome.QUOTED, form, (best,))
