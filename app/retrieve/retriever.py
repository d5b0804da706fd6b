"""Retrieve stage: a question → the best passages, by fused dense and BM25 ranks and year.

Dense similarity finds paraphrases and English questions; BM25 over jieba tokens
finds exact terms and figures. Their ranks are fused by reciprocal rank, BM25
weighted by how Chinese the question is (an English question shares no words with
the reports). Chunks about the question's year (or from the report it names) are
boosted, so "2023年…" prefers the 2024 report's review of 2023.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

import numpy as np

from app.domain import Passage, Query, SearchResult
from app.errors import BadInputError
from app.index import HybridIndex
from app.index.backend import Where
from app.models.embedder import Embedder, embed_one
from app.retrieve.indicators import indicator_names, named, stand_ins
from app.retrieve.query import analyse_question
from app.settings import Settings
from app.text.cjk import chinese_share


def ranks(scores: np.ndarray) -> np.ndarray:
    """Rank (0 = best) of every entry, ties broken by position."""
    order = np.argsort(-scores, kind="stable")
    out = np.empty_like(order)
    out[order] = np.arange(len(scores))
    return out


class Retriever:
    """Hybrid search over one index with one embedder."""

    def __init__(self, index: HybridIndex, embedder: Embedder, settings: Settings) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings

    @cached_property
    def indicator_names(self) -> frozenset[str]:
        """The names this index's reports give their figures (read once, on first use)."""
        return indicator_names(c.text for c in self.index.chunks)

    def year_factors(self, query: Query, year_filter: int | None = None) -> np.ndarray:
        """A multiplier per chunk: above 1 for chunks about the question's year or report."""
        boost = self.settings.year_boost
        factors = np.ones(len(self.index.chunks), dtype=np.float32)
        wanted = set(query.years)
        if year_filter is not None:
            wanted = {year_filter}
        for i, chunk in enumerate(self.index.chunks):
            doc = self.index.documents[chunk.doc_id]
            factor = 1.0
            if wanted:
                if wanted & set(chunk.years):
                    # The narrower the section's period, the surer it is about that year;
                    # a plan answers "what was the target", a review "what happened".
                    factor += boost * (1.0 if len(chunk.years) <= 2 else 0.5)
                    if (
                        chunk.phase in ("review", "plan")
                        and (chunk.phase == "plan") != query.wants_plan
                    ):
                        factor -= boost * 0.5
                elif wanted & set(chunk.mentioned_years):
                    factor += boost * 0.3
            if query.report_year and doc.delivered_year == query.report_year:
                factor += boost
            factors[i] = factor
        if year_filter is not None:
            about = np.array(
                [
                    year_filter in c.years or year_filter in c.mentioned_years
                    for c in self.index.chunks
                ]
            )
            factors[~about] = 0.0
        return factors

    def analyse(self, question: str) -> Query:
        """The question analysed against this index (its latest report, its term IDF, the
        indicator names its reports use)."""
        question = question.strip()
        if not question:
            raise BadInputError("the question is empty")
        query = analyse_question(question, self.index.latest_report_year, self.index.idf)
        names, groups = self.indicator_names, self.index.figures.synonyms
        query.indicators = named(question, names, groups)
        query.indicator_words = stand_ins(question, names, groups)
        return query

    def in_period(self, query: Query) -> Query:
        """The query as this library can answer it: a year no document reviews yet has no
        results, only targets, so "2026年新增多少…" asked while the newest report plans
        2026 asks for the plan. (Applied when searching, not to the question's reading.)"""
        reviewed = self.index.last_reviewed_year
        if query.years and reviewed and min(query.years) > reviewed and not query.wants_plan:
            return replace(query, wants_plan=True)
        return query

    def search(
        self,
        question: str,
        *,
        k: int | None = None,
        year: int | None = None,
        doc_id: str | None = None,
    ) -> SearchResult:
        """The top-k passages for a question, best first; optionally one year's or one document's."""
        return self.retrieve(self.analyse(question), k=k, year=year, doc_id=doc_id)

    def retrieve(
        self,
        query: Query,
        *,
        text: str | None = None,
        k: int | None = None,
        year: int | None = None,
        doc_id: str | None = None,
    ) -> SearchResult:
        """The top-k passages for an analysed question, searched with `text` (by default the
        question itself; an English question's Chinese translation, say)."""
        text = text or query.text
        k = k or self.settings.top_k
        query = self.in_period(query)
        result = SearchResult(query=query)
        if not self.index.chunks:
            return result
        # A backend that returns its best hits only (Milvus) must look within the filter.
        where = Where(
            years=frozenset({year} if year is not None else ()),
            doc_ids=frozenset({doc_id} if doc_id is not None else ()),
        )
        dense = self.index.dense_scores(embed_one(self.embedder, text, kind="query"), where)
        lexical = self.index.bm25_scores(text, where)
        rrf_k = self.settings.rrf_k
        w_lexical = self.settings.lexical_weight * chinese_share(text)
        # A chunk that shares no word with the question gets no lexical credit at all.
        lexical_part = np.where(lexical > 0, w_lexical / (rrf_k + ranks(lexical)), 0.0)
        fused = 1.0 / (rrf_k + ranks(dense)) + lexical_part
        fused = fused * self.year_factors(query, year)
        if doc_id is not None:
            fused = fused * np.array(
                [c.doc_id == doc_id for c in self.index.chunks], dtype=np.float32
            )
        order = np.argsort(-fused, kind="stable")[:k]
        for i in order:
            if fused[i] <= 0:
                break
            chunk = self.index.chunks[i]
            doc = self.index.documents[chunk.doc_id]
            result.passages.append(
                Passage(
                    chunk=chunk, score=float(fused[i]), doc_title=doc.title, delivered=doc.delivered
                )
            )
        return result
