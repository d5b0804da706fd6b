"""Extractive answers: the best supporting sentences, quoted with their citations.

The instant answer, and the answer when no model is there. It does not translate: an
English question gets the Chinese sentences as the reports give them.
"""

from __future__ import annotations

from app.answer.context import ContextPassage

MIN_SCORE = 0.55  # below this the best sentence shares too little with the question


def extractive_answer(context: list[ContextPassage], *, max_sentences: int = 2) -> str | None:
    """Quote the best sentences with [n] markers; None when nothing is relevant enough."""
    ranked = sorted(
        ((s.score, c.n, s) for c in context for s in c.sentences),
        key=lambda item: -item[0],
    )
    if not ranked or ranked[0][0] < MIN_SCORE:
        return None
    picked = ranked[:max_sentences]
    # A second sentence only if it is nearly as good as the first.
    picked = [p for p in picked if p[0] >= ranked[0][0] * 0.8]
    parts = []
    for _, n, sentence in sorted(picked, key=lambda p: (p[1], p[2].start)):
        parts.append(f"{sentence.text.strip()}[{n}]")
    return "".join(parts)
