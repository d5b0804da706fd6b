"""Candidate sentences: what the model may choose its evidence from.

From the retrieved passages, the sentences that bear on the question, each numbered
and labelled with its provenance (which report, and whether it reviews a year or sets
a year's targets). Which sentences may be shown is decided structurally, by the
chunk's period against the question's: a question about what happened in 2023 sees
the reviews of 2023 (or sentences naming 2023), a question about a target sees plans,
a question naming a report by its delivery year sees that report. Only when nothing
of the right kind exists are other periods of the asked year shown, labelled as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from app.domain import REPORT_AUTHORITY, UNVOUCHED_AUTHORITY, Document, Passage, Query
from app.models.embedder import Embedder
from app.text.instructions import addresses_the_assistant
from app.text.sentences import Sentence, split_sentences
from app.text.years import mentioned_years, stated_span

_DIGIT = re.compile(r"\d")
KIND_WORDS_EN = {
    "work_report": "report",
    "plan_report": "plan report",
    "budget_report": "budget report",
    "news": "news item",
    "feature": "feature",
}
KIND_WORDS = {
    "work_report": "报告",
    "plan_report": "计划报告",
    "budget_report": "预算报告",
    "news": "报道",
    "feature": "专题",
}


def period_label(
    passage: Passage, english: bool = False, stated: tuple[int, int] | None = None
) -> str:
    """How a passage's period is named: 回顾2023年 / 2024年目标任务 / 涉及2021-2025年
    (in English: review of 2023 / targets for 2024 / about 2021-2025); `stated`, the span
    its sentence speaks of, when that is not the section's year."""
    years = list(stated) if stated else passage.chunk.years
    span = (f"{years[0]}" if len(years) == 1 else f"{years[0]}-{years[-1]}") if years else ""
    if not span:
        return "year not given" if english else "年份不详"
    if passage.chunk.phase == "review":
        return f"review of {span}" if english else f"回顾{span}年"
    if passage.chunk.phase == "plan":
        return f"targets for {span}" if english else f"{span}年目标任务"
    return f"about {span}" if english else f"涉及{span}年"


@dataclass
class Candidate:
    """One sentence shown to the model as [n], with the passage it comes from."""

    n: int
    sentence: Sentence  # offsets within the passage's chunk text
    passage: Passage
    kind: str = "work_report"
    tier: int = 1  # 1: the asked period; 2: names the asked year; 3: the year, other phase
    authority: int = REPORT_AUTHORITY  # its document's (`Document.authority`)
    instruction: bool = False  # addressed to the assistant: never chosen, shown as a conflict
    span: tuple[int, int] | None = None  # the span of years it speaks of (`sentence_spans`)

    @property
    def text(self) -> str:
        return self.sentence.text.strip()

    @property
    def label(self) -> str:
        return period_label(self.passage, stated=self.span)

    @property
    def source(self) -> str:
        """Which document: "2024年报告", "2022年专题", "来源不明的文件"."""
        if self.authority <= UNVOUCHED_AUTHORITY:
            return "来源不明的文件"
        word = KIND_WORDS.get(self.kind, "文件")
        delivered = self.passage.delivered
        return f"{delivered[:4]}年{word}" if delivered else word

    @property
    def label_en(self) -> str:
        return period_label(self.passage, english=True, stated=self.span)

    @property
    def source_en(self) -> str:
        """Which document, in English: "the 2024 report", "a 2022 feature"."""
        if self.authority <= UNVOUCHED_AUTHORITY:
            return "a text of unknown source"
        word = KIND_WORDS_EN.get(self.kind, "document")
        delivered = self.passage.delivered
        return f"the {delivered[:4]} {word}" if delivered else f"a {word}"

    def prompt_line(self) -> str:
        return f"[{self.n}]（{self.source}·{self.label}）{self.text}"

    def to_citation(self, n: int, english: bool = False, conflict: bool = False) -> dict:
        """The citation returned to users: the passage with this sentence highlighted, its
        period named in the question's language. A conflict is another document's
        differing statement, shown apart from the answer's evidence."""
        chunk = self.passage.chunk
        return {
            "n": n,
            "doc_id": chunk.doc_id,
            "title": self.passage.doc_title,
            "section": chunk.section,
            "label": self.label_en if english else self.label,
            "delivered": self.passage.delivered,
            "years": chunk.years,
            "text": chunk.text,
            "quote": self.text,
            "start": chunk.start,
            "end": chunk.end,
            "highlights": [[chunk.start + self.sentence.start, chunk.start + self.sentence.end]],
            "conflict": conflict,
            "authority": self.authority,
        }


def score_sentences(
    query: Query, passages: list[Passage], embedder: Embedder | None = None
) -> list[tuple[int, Sentence]]:
    """Every sentence of the passages as (passage rank, sentence), with its coverage and score.

    Coverage is the share of the question's key-term weight the sentence holds (for an
    English question, also its normalised embedding similarity); the score adds the
    passage's rank and a little for holding a number when a measure is asked about.
    """
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


def period_tier(query: Query, passage: Passage, sentence: str) -> int | None:
    """How well a sentence's period fits the question: 1 best, None not at all.

    A report named by its delivery year: only that report's sentences (and within it,
    the other years asked, if any). One asked year: the sections about that year alone, in the asked phase (review for what
    happened, plan for a target) are tier 1; a sentence naming the year is tier 2; the
    year's section in the other phase is tier 3. Several asked years (a range): any
    section overlapping them. No year asked: every sentence.
    """
    chunk = passage.chunk
    asked = set(query.years)
    if query.report_year:
        delivered = passage.delivered
        if not delivered or int(delivered[:4]) != query.report_year:
            return None
        asked -= {query.report_year}
    if not asked:
        return 1
    if len(asked) > 1:
        return 1 if asked & (set(chunk.years) | set(chunk.mentioned_years)) else None
    (year,) = asked
    own_period = year in chunk.years and len(chunk.years) <= 2
    if own_period and chunk.phase != "other" and (chunk.phase == "plan") == query.wants_plan:
        return 1
    if own_period and chunk.phase == "other":
        return 1
    if year in mentioned_years(sentence, passage.delivered):
        return 2
    return 3 if own_period else None


def sentence_spans(passage: Passage) -> dict[int, tuple[int, int]]:
    """The span of years each sentence of a passage speaks of, by its start in the chunk:
    the span it states ("“十三五”期间", "五年累计"); else the one a sentence before it in the
    passage stated ("这是…的五年。" opens a paragraph about them), until a sentence names
    one year; else its section's, when the section is about three years or more. A sentence
    about one year has none."""
    chunk = passage.chunk
    whole = (chunk.years[0], chunk.years[-1]) if len(chunk.years) >= 3 else None
    if chunk.phase == "review" and chunk.years:
        last: int | None = chunk.years[-1]
    elif passage.delivered:
        last = int(passage.delivered[:4]) - 1
    else:
        last = chunk.years[-1] if chunk.years else None
    spans: dict[int, tuple[int, int]] = {}
    context = whole
    for sentence in split_sentences(chunk.text):
        stated = stated_span(sentence.text, last)
        if stated:
            context = stated
        elif len(mentioned_years(sentence.text)) == 1:
            context = whole
            continue
        if context:
            spans[sentence.start] = context
    return spans


def span_tier(
    query: Query, passage: Passage, sentence: str, stated: tuple[int, int] | None
) -> int | None:
    """How well a sentence fits a question about a span of years: 1 when it speaks of that
    span (each end within a year; for "过去五年" asked of no report, any span of as many
    years) in the asked phase, 2 in the other phase, 3 when it is about one year of the span
    (shown only when nothing speaks of the span), None outside it or of another span."""
    assert query.span is not None
    first, last = query.span
    chunk = passage.chunk
    counted = not query.report_year and not query.years
    if stated:
        if counted:
            same = abs((stated[1] - stated[0]) - (last - first)) <= 1
        else:
            same = abs(stated[0] - first) <= 1 and abs(stated[1] - last) <= 1
        if not same:
            return None  # another span's figure is of none of the asked years
        fits = chunk.phase == "other" or (chunk.phase == "plan") == query.wants_plan
        return 1 if fits else 2
    named = set(chunk.years) | set(mentioned_years(sentence, passage.delivered))
    if counted or set(range(first, last + 1)) & named:
        return 3
    return None


def select_candidates(
    query: Query,
    passages: list[Passage],
    documents: Mapping[str, Document],
    *,
    max_chars: int,
    max_count: int,
    embedder: Embedder | None = None,
) -> list[Candidate]:
    """The best sentences of the best-fitting period tier, under the budget, as [1]…[n],
    each with its document's kind and authority (a document `documents` lacks counts as a
    work report)."""
    scored = score_sentences(query, passages, embedder)
    spans: dict[int, dict[int, tuple[int, int]]] = {}  # a span question's, by passage rank
    tiered = []
    for rank, sentence in scored:
        tier = period_tier(query, passages[rank], sentence.text)
        stated = None
        if tier is not None and query.span:
            if rank not in spans:
                spans[rank] = sentence_spans(passages[rank])
            stated = spans[rank].get(sentence.start)
            tier = span_tier(query, passages[rank], sentence.text, stated)
        # A sentence addressed to the assistant is someone's attempt to set the answer.
        if (
            tier is not None
            and sentence.text.strip()
            and not addresses_the_assistant(sentence.text)
        ):
            tiered.append((tier, rank, sentence, stated))
    if not tiered:
        return []
    best_tier = min(item[0] for item in tiered)
    # Tiers 1 and 2 are both about the asked period; tier 3 only when nothing else is.
    allowed = {1, 2} if best_tier <= 2 else {3}
    ordered = sorted(
        (item for item in tiered if item[0] in allowed), key=lambda item: -item[2].score
    )
    chosen: list[tuple[int, int, Sentence, tuple[int, int] | None]] = []
    used = 0
    for tier, rank, sentence, stated in ordered:
        if len(chosen) >= max_count:
            break
        if chosen and used + len(sentence.text) > max_chars:
            continue
        chosen.append((tier, rank, sentence, stated))
        used += len(sentence.text)
    return [
        _candidate(n, sentence, passages[rank], documents, tier=tier, span=stated)
        for n, (tier, rank, sentence, stated) in enumerate(chosen, start=1)
    ]


def instructions_in(
    passages: list[Passage], documents: Mapping[str, Document]
) -> Iterator[Candidate]:
    """The passages' sentences addressed to the assistant, as candidates never to be chosen
    (an answer shows one apart when it states the chosen sentence's figure otherwise);
    read only when asked for, so a refusal never reads them."""
    for passage in passages:
        for sentence in split_sentences(passage.chunk.text):
            if sentence.text.strip() and addresses_the_assistant(sentence.text):
                yield _candidate(0, sentence, passage, documents, instruction=True)


def _candidate(
    n: int, sentence: Sentence, passage: Passage, documents: Mapping[str, Document], **given
) -> Candidate:
    doc = documents.get(passage.chunk.doc_id)
    if doc is None:
        return Candidate(n, sentence, passage, **given)
    return Candidate(n, sentence, passage, kind=doc.kind, authority=doc.authority, **given)
