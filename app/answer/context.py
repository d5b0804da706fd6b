"""Context selection: from the retrieved passages, the sentences that bear on the question.

Prompt tokens are the cost on a CPU (about 35 tokens/s), so the model sees only the
best sentences, under a character budget, each passage labelled with the year it is
about. Sentences are scored by the question's key terms they contain (weighted by the
corpus IDF), by whether they hold a figure when one is asked for, and by their
passage's rank; an English question, which shares no words with the reports, is
scored by embedding similarity instead. When a question names several years, the
best sentence for each year is taken first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.domain import Passage, Query
from app.models.embedder import Embedder
from app.text.sentences import Sentence, split_sentences

_DIGIT = re.compile(r"\d")


@dataclass
class ContextPassage:
    """A passage shown to the model as [n], with the sentences selected from it."""

    n: int
    passage: Passage
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(s.text for s in sorted(self.sentences, key=lambda s: s.start))

    @property
    def label(self) -> str:
        return year_label(self.passage)

    def to_citation(self) -> dict:
        """The citation returned to users: the passage and the quoted sentences' offsets."""
        chunk = self.passage.chunk
        return {
            "n": self.n,
            "doc_id": chunk.doc_id,
            "title": self.passage.doc_title,
            "section": chunk.section,
            "label": self.label,
            "delivered": self.passage.delivered,
            "years": chunk.years,
            "text": chunk.text,
            "quote": self.text,
            "start": chunk.start,
            "end": chunk.end,
            "highlights": [
                [chunk.start + s.start, chunk.start + s.end]
                for s in sorted(self.sentences, key=lambda s: s.start)
            ],
        }

    def prompt_fields(self) -> dict:
        return {
            "n": self.n,
            "title": self.passage.doc_title,
            "label": self.label,
            "text": self.text,
        }


def year_label(passage: Passage) -> str:
    """How the prompt names a passage's period: 回顾2023年 / 2024年目标任务 / 涉及2021-2025年."""
    years = passage.chunk.years
    span = (f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}") if years else ""
    if not span:
        return "年份不详"
    if passage.chunk.phase == "review":
        return f"回顾{span}年"
    if passage.chunk.phase == "plan":
        return f"{span}年目标任务"
    return f"涉及{span}年"


def score_sentences(
    query: Query, passages: list[Passage], embedder: Embedder | None = None
) -> list[tuple[int, Sentence]]:
    """Every sentence of the passages as (passage rank, sentence), with its coverage and score."""
    candidates: list[tuple[int, Sentence]] = []
    for rank, passage in enumerate(passages):
        for sentence in split_sentences(passage.chunk.text):
            candidates.append((rank, sentence))
    weights = query.term_weights
    total = sum(weights.values()) or 1.0
    similarity = None
    if query.english and embedder is not None and candidates:
        from app.models.embedder import embed_one

        asked = embed_one(embedder, query.text, kind="query")
        vectors = embedder.embed_batch([s.text for _, s in candidates], kind="passage")
        sims = vectors @ asked
        span = float(sims.max() - sims.min()) or 1.0
        similarity = (sims - sims.min()) / span
    n = len(passages)
    for i, (rank, sentence) in enumerate(candidates):
        lowered = sentence.text.lower()
        coverage = sum(w for t, w in weights.items() if t in lowered) / total
        if similarity is not None:
            coverage = max(coverage, float(similarity[i]))
        sentence.coverage = coverage
        score = coverage + 0.3 * (1 - rank / n)
        if query.mentions_measure and _DIGIT.search(sentence.text):
            score += 0.15
        sentence.score = score
    return candidates


def select_context(
    query: Query,
    passages: list[Passage],
    *,
    max_chars: int,
    max_passages: int,
    embedder: Embedder | None = None,
) -> list[ContextPassage]:
    """Pick the sentences that bear on the question, under the budget, numbered [1]…[n]."""
    if not passages:
        return []
    ordered = sorted(score_sentences(query, passages, embedder), key=lambda c: -c[1].score)
    chosen: dict[int, list[Sentence]] = {}
    used = 0

    def take(rank: int, sentence: Sentence) -> bool:
        nonlocal used
        if any(s is sentence for s in chosen.get(rank, [])):
            return False
        if rank not in chosen and len(chosen) >= max_passages:
            return False
        if chosen and used + len(sentence.text) > max_chars:
            return False
        chosen.setdefault(rank, []).append(sentence)
        used += len(sentence.text)
        return True

    # Several years asked (a comparison): the best sentence about each year first.
    if len(query.years) > 1:
        for year in query.years:
            for rank, sentence in ordered:
                chunk = passages[rank].chunk
                if year in chunk.years or year in chunk.mentioned_years:
                    take(rank, sentence)
                    break
    for rank, sentence in ordered:
        take(rank, sentence)
        if used >= max_chars:
            break
    return [
        ContextPassage(n=n, passage=passages[rank], sentences=chosen[rank])
        for n, rank in enumerate(sorted(chosen), start=1)
    ]
