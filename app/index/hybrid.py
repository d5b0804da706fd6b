"""The read-only hybrid index: one build's chunks and documents, with chunk and sentence
vectors and BM25 over jieba tokens searched through its retrieval backend. Search scores
only; building and storage live in `build` and `store`."""

from __future__ import annotations

import logging
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.domain import Chunk, Document
from app.figures.table import FigureTable
from app.index.backend import Hit, RetrievalBackend, Where
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
    """Chunks and documents of one build, searched through its retrieval backend
    (`app.index.backend`: FAISS + BM25 in this process, or Milvus)."""

    def __init__(
        self,
        chunks: list[Chunk],
        documents: dict[str, Document],
        backend: RetrievalBackend,
        tokens: list[list[str]],
        manifest: IndexManifest,
        *,
        sentence_spans: list[tuple[int, int, int]] | None = None,
        sentence_weight: float = 0.5,
        figures: FigureTable | None = None,
        candidates: int | None = None,
    ) -> None:
        self.chunks = chunks
        self.documents = documents
        self.manifest = manifest
        self.backend = backend
        self.tokens = tokens
        self.sentence_spans = sentence_spans or []
        self.sentence_weight = sentence_weight
        # How many hits one search asks the backend for (None: every row, exact).
        self.candidates = candidates
        self._sentence_owner = np.array([i for i, _, _ in self.sentence_spans], dtype=np.int64)
        # Every figure the documents state (`app.figures`), built and saved with the index.
        self.figures = figures if figures is not None else FigureTable()
        self._by_id = {c.chunk_id: c for c in chunks}
        self.build: Path | None = None  # its folder, once saved or when loaded

    def chunk_by_id(self, chunk_id: str) -> Chunk:
        return self._by_id[chunk_id]

    @cached_property
    def idf(self) -> dict[str, float] | None:
        """BM25 inverse document frequency of each token (weights a question's key terms)."""
        bm25 = getattr(self.backend, "bm25", None)
        if bm25 is None and self.tokens:
            from rank_bm25 import BM25Okapi

            bm25 = BM25Okapi(self.tokens)
        return getattr(bm25, "idf", None)

    @property
    def has_sentences(self) -> bool:
        return bool(self.sentence_spans)

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
    def _spread(hits: list[Hit], n: int, missing: float) -> np.ndarray:
        """A score per position from a backend's hits; `missing` where none was found."""
        out = np.full(n, missing, dtype=np.float32)
        if hits:  # every row, for the in-process backend: one assignment, not a loop
            positions, scores = zip(*hits, strict=True)
            out[list(positions)] = scores
        return out

    def _ask(self, n: int, k: int | None, where: Where | None) -> tuple[int, Where | None]:
        """How many hits to ask for, within what: a backend that scores every row (no
        `candidates`) is asked for all of them, unfiltered, and the retriever filters, so
        that ranks count every chunk as they always did; one that returns its best hits
        only is asked for `k` (or `candidates`) within the filter."""
        if self.candidates is None:
            return n, None
        return k or self.candidates, where

    def sentence_scores(
        self, query_vector: np.ndarray, where: Where | None = None, k: int | None = None
    ) -> np.ndarray:
        """Inner product of the query with the indexed sentences, in span order (-1 for a
        sentence the search did not return)."""
        n = len(self.sentence_spans)
        if not n:
            return np.zeros(0, dtype=np.float32)
        hits = self.backend.search_sentences(query_vector, *self._ask(n, k, where))
        return self._spread(hits, n, -1.0)

    def sentence_vectors(self, rows: list[int]) -> np.ndarray:
        return self.backend.sentence_vectors(rows)

    def dense_scores(self, query_vector: np.ndarray, where: Where | None = None) -> np.ndarray:
        """Per chunk: its similarity to the query plus a share of its best sentence's.

        A chunk holds several facts; its best single sentence matches a question about
        one of them more sharply (this matters most across languages).
        """
        n = len(self.chunks)
        scores = self._spread(
            self.backend.search_chunks(query_vector, *self._ask(n, None, where)), n, -1.0
        )
        sentences = self.sentence_scores(query_vector, where)
        if len(sentences):
            best = np.full(len(scores), 0.0, dtype=np.float32)
            np.maximum.at(best, self._sentence_owner, sentences)
            scores = scores + self.sentence_weight * best
        return scores

    def bm25_scores(self, query: str, where: Where | None = None) -> np.ndarray:
        """Per chunk: its BM25 score for the query (0 when it shares no word with it)."""
        n = len(self.chunks)
        hits = self.backend.search_lexical(tokenize(query), *self._ask(n, None, where))
        return self._spread(hits, n, 0.0)
