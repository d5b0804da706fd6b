"""The default retrieval backend: exact FAISS inner-product indexes and BM25 in this process.

Rows are kept per document version; `bind` lays the bound versions out in the build's
order as one FAISS index of chunks, one of sentences and a BM25 model, which is what is
searched and what `save`/`load` write to and read from the build folder."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from app.domain import Chunk
from app.index.backend import DocumentRows, Hit, Where

_DENSE, _SENTENCES, _SPANS = "dense.faiss", "sentences.faiss", "sentences.json"


def flat_ip_index(vectors: np.ndarray, dim: int | None = None):
    """An exact inner-product FAISS index (cosine, as the vectors are normalised)."""
    import faiss

    dense = faiss.IndexFlatIP(vectors.shape[1] if vectors.ndim == 2 else dim)
    if len(vectors):
        dense.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return dense


class FaissBackend:
    """Chunk and sentence vectors in FAISS, BM25 over jieba tokens, all in memory."""

    kind = "faiss"

    def __init__(self, dim: int) -> None:
        self.dim = dim
        # version → {chunk_id: (vector, tokens)} and {(chunk_id, start): vector}
        self._chunks: dict[str, dict[str, tuple[np.ndarray, list[str]]]] = {}
        self._sentences: dict[str, dict[tuple[str, int], np.ndarray]] = {}
        self._bound: list[str] = []
        self._docs: list[str] = []  # doc id per bound chunk position
        self._kinds: list[str] = []
        self._years: list[set[int]] = []
        self._sentence_owner = np.zeros(0, dtype=np.int64)
        self.dense = flat_ip_index(np.zeros((0, dim), dtype=np.float32), dim)
        self.sentence_dense = flat_ip_index(np.zeros((0, dim), dtype=np.float32), dim)
        self.bm25 = None

    # ------------------------------------------------------------------ writes

    def put(self, rows: DocumentRows) -> None:
        if rows.version in self._chunks:
            return
        self._chunks[rows.version] = {
            c.chunk_id: (v, t)
            for c, v, t in zip(rows.chunks, rows.chunk_vectors, rows.tokens, strict=True)
        }
        self._sentences[rows.version] = {
            (rows.chunks[i].chunk_id, start): v
            for (i, start, _), v in zip(rows.sentences, rows.sentence_vectors, strict=True)
        }

    def remove(self, versions: Iterable[str]) -> None:
        for version in versions:
            self._chunks.pop(version, None)
            self._sentences.pop(version, None)

    def stored_versions(self) -> set[str]:
        return set(self._chunks)

    def bind(
        self,
        versions: dict[str, str],
        chunks: list[Chunk],
        spans: list[tuple[int, int, int]],
        kinds: dict[str, str] | None = None,
    ) -> None:
        """Lay the versions' rows out in the build's order (KeyError: a row is not stored)."""
        from rank_bm25 import BM25Okapi

        bound = set(versions.values())
        by_chunk = {k: row for v in bound for k, row in self._chunks[v].items()}
        by_sentence = {k: row for v in bound for k, row in self._sentences[v].items()}
        empty = np.zeros((0, self.dim), dtype=np.float32)
        vectors = np.stack([by_chunk[c.chunk_id][0] for c in chunks]) if chunks else empty
        tokens = [by_chunk[c.chunk_id][1] for c in chunks]
        sentence_vectors = (
            np.stack([by_sentence[(chunks[i].chunk_id, a)] for i, a, _ in spans])
            if spans
            else empty
        )
        self.dense = flat_ip_index(vectors, self.dim)
        self.sentence_dense = flat_ip_index(sentence_vectors, self.dim)
        self.tokens = tokens
        self.bm25 = BM25Okapi(tokens) if tokens else None
        self._bound = sorted(bound)
        self._docs = [c.doc_id for c in chunks]
        self._kinds = [(kinds or {}).get(c.doc_id, "") for c in chunks]
        self._years = [{*c.years, *c.mentioned_years} for c in chunks]
        self._sentence_owner = np.array([i for i, _, _ in spans], dtype=np.int64)

    def counts(self) -> tuple[int, int]:
        return self.dense.ntotal, self.sentence_dense.ntotal

    # ------------------------------------------------------------------ searches

    def _admitted(self, where: Where | None) -> np.ndarray | None:
        """Per bound chunk, whether `where` admits it (None: all are)."""
        if not where:
            return None
        return np.array(
            [
                (not where.years or bool(where.years & years))
                and (not where.doc_ids or doc in where.doc_ids)
                and (not where.kinds or kind in where.kinds)
                for doc, kind, years in zip(self._docs, self._kinds, self._years, strict=True)
            ],
            dtype=bool,
        )

    @staticmethod
    def _top(scores: np.ndarray, k: int, keep: np.ndarray | None) -> list[Hit]:
        if keep is not None:
            scores = np.where(keep, scores, -np.inf)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(int(i), float(scores[i])) for i in order if np.isfinite(scores[i])]

    @staticmethod
    def _all(dense, vector: np.ndarray) -> np.ndarray:
        n = dense.ntotal
        out = np.full(n, -1.0, dtype=np.float32)
        if n:
            scores, ids = dense.search(vector.reshape(1, -1).astype(np.float32), n)
            out[ids[0]] = scores[0]
        return out

    def search_chunks(self, vector: np.ndarray, k: int, where: Where | None = None) -> list[Hit]:
        return self._top(self._all(self.dense, vector), k, self._admitted(where))

    def search_sentences(self, vector: np.ndarray, k: int, where: Where | None = None) -> list[Hit]:
        keep = self._admitted(where)
        return self._top(
            self._all(self.sentence_dense, vector),
            k,
            None if keep is None else keep[self._sentence_owner],
        )

    def search_lexical(self, tokens: list[str], k: int, where: Where | None = None) -> list[Hit]:
        if self.bm25 is None:
            return []
        scores = np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)
        keep = scores > 0
        admitted = self._admitted(where)
        return self._top(scores, k, keep if admitted is None else keep & admitted)

    def sentence_vectors(self, rows: list[int]) -> np.ndarray:
        return np.stack([self.sentence_dense.reconstruct(int(r)) for r in rows])

    def problem(self) -> str | None:
        return None  # in this process: it is there if the service is

    def close(self) -> None:
        pass

    # ------------------------------------------------------------------ the build folder

    def save(self, folder: Path, spans: list[tuple[int, int, int]]) -> list[str]:
        """Write the bound indexes into a build folder; the names of the files written."""
        import faiss

        faiss.write_index(self.dense, str(folder / _DENSE))
        faiss.write_index(self.sentence_dense, str(folder / _SENTENCES))
        (folder / _SPANS).write_text(json.dumps(spans))
        return [_DENSE, _SENTENCES, _SPANS]

    @classmethod
    def load(
        cls,
        folder: Path,
        versions: dict[str, str],
        chunks: list[Chunk],
        tokens: list[list[str]],
        kinds: dict[str, str],
    ) -> tuple[FaissBackend, list[tuple[int, int, int]]]:
        """A build folder's indexes, bound as saved (`versions`: doc id → its version);
        with the sentence spans they were saved with."""
        import faiss

        dense = faiss.read_index(str(folder / _DENSE))
        sentence_dense, spans = None, []
        if (folder / _SENTENCES).is_file():
            sentence_dense = faiss.read_index(str(folder / _SENTENCES))
            spans = [tuple(s) for s in json.loads((folder / _SPANS).read_text())]
        if dense.ntotal != len(chunks) or (sentence_dense and sentence_dense.ntotal != len(spans)):
            raise ValueError(
                f"{len(chunks)} chunks and {len(spans)} sentences, but {dense.ntotal} and "
                f"{sentence_dense.ntotal if sentence_dense else 0} vectors"
            )
        backend = cls(dense.d)
        chunk_vectors = dense.reconstruct_n(0, dense.ntotal) if dense.ntotal else None
        sentence_vectors = (
            sentence_dense.reconstruct_n(0, sentence_dense.ntotal)
            if sentence_dense is not None and sentence_dense.ntotal
            else None
        )
        versions = {c.doc_id: versions.get(c.doc_id, c.doc_id) for c in chunks}
        for position, chunk in enumerate(chunks):
            version = versions[chunk.doc_id]
            backend._chunks.setdefault(version, {})[chunk.chunk_id] = (
                chunk_vectors[position],
                tokens[position],
            )
            backend._sentences.setdefault(version, {})
        for row, (i, start, _) in enumerate(spans):
            version = versions[chunks[i].doc_id]
            backend._sentences[version][(chunks[i].chunk_id, start)] = sentence_vectors[row]
        backend.bind(versions, chunks, spans, kinds)
        return backend, spans
