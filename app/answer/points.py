"""The open strategy: an open question ("有哪些…", "what does the plan say about…") answered
with several points, each resting on cited sentences of the reports.

Code chooses the sentences; no point is written by the model in Chinese. The passages
searched for the question's topic (its words without the period and the way it asks) name
the sections; those whose period fits, structurally as for single answers, are kept (two
at most). Their sentences are scored by similarity to the topic (the index's sentence
vectors), key-term share and whether they state a figure or a name, taken with diversity
(maximal marginal relevance), neighbours joined into one point, in the report's order. A
Chinese point is its sentences as the report writes them, so it cannot state a figure
they do not; an English question's points are rendered by the model one at a time and
checked as single answers are, and a rendering that fails keeps its Chinese. A topic
the library cannot cover (a noun of it the library never uses) is declined, naming the
nearest sections the period does have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from app.answer.candidates import Candidate, period_tier
from app.answer.decision import Decision, Form, Outcome, Point
from app.answer.grounding import figures, fix_units, scaled_amounts
from app.answer.lookup import Events, Tools
from app.answer.prompt import build_english_answer
from app.domain import Passage, Query
from app.index import HybridIndex
from app.index.backend import Where
from app.models.embedder import Embedder, embed_one
from app.retrieve.query import CUES, unknown_nouns
from app.settings import Settings
from app.text.cjk import reads_as_english
from app.text.numbers import contains_number
from app.text.sentences import Sentence

_POOL = 80  # the most relevant sentences the diverse choice is made among
_SECTIONS = 2  # the most sections an answer's points are drawn from
_HEADING = re.compile(r"^(?:[（(【]?[一二三四五六七八九十]+[)）】、]|\d{4}年工作回顾)")
_W_COVERAGE = 0.1  # weight of the key-term share beside the similarity
_W_CONCRETE = 0.05  # a sentence stating a figure or a name
_CONCRETE = re.compile(r"\d|“[^”]{2,}”")


@dataclass(frozen=True)
class Scored:
    """One indexed sentence of the asked period, with how well it answers."""

    row: int  # its row in the index's sentence vectors
    chunk: int  # its chunk's position in the index
    sentence: Sentence
    relevance: float  # similarity to the question plus key-term coverage
    similarity: float
    tier: int


def decide_open(
    query: Query,
    text: str,
    checked: str,
    passages: list[Passage],
    index: HybridIndex,
    embedder: Embedder,
    settings: Settings,
    tools: Tools | None,
) -> Events:
    """Points for an open question from the passages retrieved for its topic (`text`), or a
    decline naming what the period covers when a noun of `checked` (the topic's Chinese
    words) is one the library never uses."""
    scored = score_period(query, text, passages, index, embedder)
    unknown = unknown_nouns(checked, index.idf or {})
    if unknown or not scored:
        topics = nearest_topics(query, passages)
        return Decision(Outcome.NO_TOPIC, Form.OPEN, topics=topics, unknown=tuple(unknown))
    rendered = query.english and tools is not None  # each point costs a model call
    most = settings.open_max_points_en if rendered else settings.open_max_points
    chosen, rest = choose(scored, index, settings, most)
    groups = group(chosen, most)
    evidence: list[Candidate] = []
    points: list[Point] = []
    for members in groups:
        start = len(evidence) + 1
        evidence += [candidate(s, index, n) for n, s in enumerate(members, start=start)]
        points.append(Point(tuple(range(start, len(evidence) + 1))))
    more = len(rest) + len(chosen) - len(evidence)  # also the points past `most`
    section = index.chunks[rest[0].chunk].heading_path[-1:] if rest else []
    decision = Decision(
        Outcome.SUMMARISED,
        Form.OPEN,
        tuple(evidence),
        points=tuple(points),
        more=more,
        more_section=section[0] if section else "",
    )
    if rendered:
        decision = yield from english_points(tools, query, decision)
    return decision


def score_period(
    query: Query, text: str, passages: list[Passage], index: HybridIndex, embedder: Embedder
) -> list[Scored]:
    """The sentences of the sections about the question's topic in the asked period.

    Sections come first: the retrieved passages (searched with the question's topic)
    whose period fits, structurally as for single answers, name the sections in their
    order (`_SECTIONS` at most). A span question prefers the sections about the whole span
    (a five-year review). Every sentence of those sections is then scored, headings left
    out, by its similarity to the topic and its share of the key terms, and a sentence
    stating a figure or a name (“…”) is preferred: that is what a report's point is made of."""
    if not index.has_sentences:
        return []
    span = set(range(query.span[0], query.span[1] + 1)) if query.span else set()
    fitting = []
    for rank, passage in enumerate(passages):
        tier = period_tier(query, passage, passage.chunk.text)
        if tier is not None and tier <= 2:
            fit = len(span & set(passage.chunk.years)) / len(span) if span else 0.0
            fitting.append((-fit, tier, rank, passage))
    kept: dict[tuple[str, str], int] = {}
    for _, tier, _, passage in sorted(fitting, key=lambda item: item[:3]):
        key = (passage.chunk.doc_id, passage.chunk.section)
        if key not in kept and len(kept) < _SECTIONS:
            kept[key] = tier
    if not kept:
        return []
    # Every sentence of the kept sections' documents is scored (a backend returning its best
    # hits only is asked for all of them).
    docs = frozenset(doc_id for doc_id, _ in kept)
    within = sum(index.chunks[i].doc_id in docs for i, _, _ in index.sentence_spans)
    similarity = index.sentence_scores(
        embed_one(embedder, text, kind="query"), Where(doc_ids=docs), k=within
    )
    scored = []
    for row, (i, start, end) in enumerate(index.sentence_spans):
        chunk = index.chunks[i]
        tier = kept.get((chunk.doc_id, chunk.section))
        if tier is None:
            continue
        said = chunk.text[start:end]
        if _HEADING.match(said.strip()) or said.strip() in chunk.heading_path:
            continue
        sim = float(similarity[row])
        concrete = _W_CONCRETE if _CONCRETE.search(said) else 0.0
        relevance = sim + _W_COVERAGE * _coverage(query, said) + concrete - 0.02 * (tier - 1)
        scored.append(Scored(row, i, Sentence(said, start, end), relevance, sim, tier))
    return scored


def topic(query: Query) -> str:
    """What an open question is about: its words without the period, the report, the
    district and the way it asks (which every sentence of the period shares)."""
    text = query.translation or query.text
    left = " ".join(CUES["frame"].sub(" ", text).split())
    return left if len(left) >= 2 else text


def _coverage(query: Query, text: str) -> float:
    """The share of the question's key-term weight the text holds."""
    weights = query.term_weights
    lowered = text.lower()
    return sum(w for t, w in weights.items() if t in lowered) / (sum(weights.values()) or 1.0)


def choose(
    scored: list[Scored], index: HybridIndex, settings: Settings, most: int
) -> tuple[list[Scored], list[Scored]]:
    """The sentences to show, chosen by maximal marginal relevance among those close enough
    to the best, and the relevant ones left over (counted as "more")."""
    ranked = sorted(scored, key=lambda s: -s.relevance)[:_POOL]
    floor = ranked[0].relevance - settings.open_relevance_band
    pool = [s for s in ranked if s.relevance >= floor]
    vectors = index.sentence_vectors([s.row for s in pool])
    limit = most * 2
    picked: list[int] = []
    left = list(range(len(pool)))
    while left and len(picked) < limit:
        chosen = vectors[picked]
        overlap = (vectors[left] @ chosen.T).max(axis=1) if picked else np.zeros(len(left))
        gains = [
            pool[j].relevance - settings.open_diversity * float(o)
            for j, o in zip(left, overlap, strict=True)
        ]
        best = left[int(np.argmax(gains))]
        picked.append(best)
        left.remove(best)
    return [pool[j] for j in picked], [pool[j] for j in left]


def group(chosen: list[Scored], max_points: int) -> list[list[Scored]]:
    """The chosen sentences in the report's order, neighbours in one section joined into one
    point (two at most), the most relevant points kept."""
    ordered = sorted(chosen, key=lambda s: (s.chunk, s.sentence.start))
    groups: list[list[Scored]] = []
    for s in ordered:
        last = groups[-1][-1] if groups else None
        joined = last is not None and len(groups[-1]) < 2 and last.chunk == s.chunk
        if joined and s.sentence.start - last.sentence.end <= 2:
            groups[-1].append(s)
        else:
            groups.append([s])
    kept = sorted(groups, key=lambda g: -max(s.relevance for s in g))[:max_points]
    return sorted(kept, key=lambda g: (g[0].chunk, g[0].sentence.start))


def candidate(s: Scored, index: HybridIndex, n: int) -> Candidate:
    chunk = index.chunks[s.chunk]
    doc = index.documents[chunk.doc_id]
    passage = Passage(chunk, s.relevance, doc.title, doc.delivered)
    sentence = replace(s.sentence, score=s.relevance, coverage=s.similarity)
    return Candidate(n, sentence, passage, kind=doc.kind, tier=s.tier, authority=doc.authority)


def nearest_topics(query: Query, passages: list[Passage], count: int = 4) -> tuple[str, ...]:
    """The sections of the asked period the search found nearest the question."""
    topics: list[str] = []
    for passage in passages:
        heading = passage.chunk.heading_path
        name = heading[-1] if heading else ""
        if name and name not in topics and period_tier(query, passage, passage.chunk.text):
            topics.append(name)
        if len(topics) >= count:
            break
    return tuple(topics)


def english_points(tools: Tools, query: Query, decision: Decision) -> Events:
    """Each point put into English by the model, streamed as it is written, and kept only
    when it reads as English and states no figure its sentences do not hold."""
    points = []
    for point in decision.points:
        sentences = [decision.evidence[n - 1] for n in point.cited]
        chinese = "".join(c.text for c in sentences)
        messages = build_english_answer(
            tools.settings.prompts_dir, tools.examples, question=query.text, answer=chinese
        )
        pieces: list[str] = []
        for piece in tools.llm.complete(
            messages, stream=True, max_tokens=tools.settings.open_point_tokens
        ):
            pieces.append(piece)
            yield "token", piece
        yield "token", "\n"
        rendered = fix_units(" ".join("".join(pieces).split()), chinese)
        stated = figures(rendered, query, sentences[0])
        grounded = all(contains_number(chinese, n) for n in stated)
        if reads_as_english(rendered) and grounded and not scaled_amounts(rendered):
            point = replace(point, english=rendered)
        points.append(point)
    return replace(decision, points=tuple(points))
