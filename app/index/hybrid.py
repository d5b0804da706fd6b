"""The read-only hybrid index: chunk vectors and sentence vectors (FAISS inner product)
and BM25 statistics over jieba tokens, with the documents they came from. Search
scores only; building and storage live in `build` and `store`."""

from __future__ import annotations

import logging
import re
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from app.domain import Chunk, Document
from app.figures.table import FigureTable
from app.text.cjk import HAN

if TYPE_CHECKING:
    from app.index.store import IndexManifest

_TOKEN_KEEP = re.compile(f"[\\w{HAN}]")


def tokenize(text: str) -> list[str]:
    """BM25 tokens: jieba's search-mode words, lower-cased, punctuation dropped."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [
        t
        for t in (w.strip().lower() for w in jieba.lcut_for_search(text))
        if t and _TOKEN_KEEP.search(t)
    ]


class HybridIndex:
    """Chunks with their dense vectors (FAISS) and BM25 statistics, plus the documents."""

    def __init__(
        self,
        chunks: list[Chunk],
        documents: dict[str, Document],
        dense,  # faiss.IndexFlatIP over the chunks' vectors, in chunk order
        tokens: list[list[str]],
        manifest: IndexManifest,
        *,
        sentence_dense=None,  # faiss.IndexFlatIP over single sentences, in span order
        sentence_spans: list[tuple[int, int, int]] | None = None,
        sentence_weight: float = 0.5,
        figures: FigureTable | None = None,
    ) -> None:
        from rank_bm25 import BM25Okapi

        self.chunks = chunks
        self.documents = documents
        self.manifest = manifest
        self.dense = dense
        self.tokens = tokens
        self.bm25 = BM25Okapi(tokens) if tokens else None
        self.sentence_dense = sentence_dense
        self.sentence_spans = sentence_spans or []
        self.sentence_weight = sentence_weight
        self._sentence_owner = np.array([i for i, _, _ in self.sentence_spans], dtype=np.int64)
        # Every figure the documents state (`app.figures`), built and saved with the index.
        self.figures = figures if figures is not None else FigureTable()
        self._by_id = {c.chunk_id: c for c in chunks}

    def chunk_by_id(self, chunk_id: str) -> Chunk:
        return self._by_id[chunk_id]

    @property
    def idf(self) -> dict[str, float] | None:
        """BM25 inverse document frequency of each token (weights a question's key terms)."""
        return getattr(self.bm25, "idf", None)

    @cached_property
    def latest_report_year(self) -> int | None:
        """Delivery year of the newest work report ("去年" is the year before it)."""
        years = [
            d.delivered_year
            for d in self.documents.values()
            if d.kind == "work_report" and d.delivered_year
        ]
        return max(years) if years else None

    @cached_property
    def covered_years(self) -> frozenset[int]:
        """Every year some document reviews, plans or names."""
        years = {y for d in self.documents.values() for y in d.covered_years}
        years |= {y for c in self.chunks for y in c.years + c.mentioned_years}
        return frozenset(years)

    @cached_property
    def last_reviewed_year(self) -> int | None:
        """The latest year some document looks back on (its results are known)."""
        years = {y for d in self.documents.values() for y in d.reviewed_years}
        years |= {y for c in self.chunks if c.phase == "review" for y in c.years}
        return max(years) if years else None

    @staticmethod
    def _all_scores(dense, query_vector: np.ndarray) -> np.ndarray:
        n = dense.ntotal
        out = np.full(n, -1.0, dtype=np.float32)
        if n:
            scores, ids = dense.search(query_vector.reshape(1, -1).astype(np.float32), n)
            out[ids[0]] = scores[0]
        return out

    def sentence_scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Inner product of the query with every indexed sentence, in span order."""
        if self.sentence_dense is None:
            return np.zeros(0, dtype=np.float32)
        return self._all_scores(self.sentence_dense, query_vector)

    def dense_scores(self, query_vector: np.ndarray) -> np.ndarray:
        """Per chunk: its similarity to the query plus a share of its best sentence's.

        A chunk holds several facts; its best single sentence matches a question about
        one of them more sharply (this matters most across languages).
        """
        scores = self._all_scores(self.dense, query_vector)
        sentences = self.sentence_scores(query_vector)
        if len(sentences):
            best = np.full(len(scores), 0.0, dtype=np.float32)
            np.maximum.at(best, self._sentence_owner, sentences)
            scores = scores + self.sentence_weight * best
        return scores

    def bm25_scores(self, query: str) -> np.ndarray:
        if self.bm25 is None:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(tokenize(query)), dtype=np.float32)
