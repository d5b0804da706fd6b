"""The retrieval backend seam: where the vectors and the lexical index of a build live.

A build's chunks, documents and figures are the build folder's (`store`); what is searched
(a vector per chunk and per sentence, BM25 over the chunks' tokens) lives in a backend:
- `faiss` (the default): exact inner-product FAISS indexes and BM25 in this process, saved
  with the build folder (`app.index.faiss_backend`);
- `milvus`: a Milvus collection pair shared by every replica (`app.index.milvus_backend`);
  a file path is Milvus Lite, an http:// address a Milvus server.

Rows are written per document *version* (the document's chunks as embedded by one model),
so a rebuild writes only the documents that changed, and a build searches only the
versions it lists: a replica serving an older build never sees a newer build's rows, and
the swap to a new build stays the one atomic step it was (the `current` link).

Searches return hits, not a score per chunk: (position in the build's chunk or sentence
order, score), best first, at most `k`, within `Where`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from app.domain import Chunk, Document

Hit = tuple[int, float]  # (position in the build's chunks or sentences, score)


@dataclass(frozen=True)
class Where:
    """What a search may return: chunks about one of `years` (reviewed, planned or named),
    of one of `doc_ids`, of documents of one of `kinds`; empty means no condition."""

    years: frozenset[int] = frozenset()
    doc_ids: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.years or self.doc_ids or self.kinds)


@dataclass
class DocumentRows:
    """One document version's rows: its chunks (with their BM25 tokens) and sentences,
    each with its vector, in the build's order."""

    version: str
    document: Document
    chunks: list[Chunk]
    tokens: list[list[str]]
    chunk_vectors: np.ndarray
    sentences: list[tuple[int, int, int]]  # (index into `chunks`, start, end)
    sentence_vectors: np.ndarray


def document_version(model_id: str, document: Document, chunks: Iterable[Chunk]) -> str:
    """A document's rows as one embedder sees them: changes when a chunk's embedded text
    does (the text, the title, a heading) or when the embedder does."""
    digest = hashlib.sha256(f"{model_id}\n{document.doc_id}\n{document.kind}".encode())
    for chunk in chunks:
        digest.update(b"\0" + chunk.chunk_id.encode() + b"\0" + chunk.embedding_text().encode())
        digest.update(repr((chunk.years, chunk.mentioned_years)).encode())
    return digest.hexdigest()[:24]


class RetrievalBackend(Protocol):
    """Where one library's vectors and lexical index are kept and searched.

    `put` and `remove` change what is stored (a document version's rows in, versions out);
    `bind` says which versions the build in service holds, in its order, and searches see
    only those. A backend is safe to search from several threads."""

    kind: str

    def put(self, rows: DocumentRows) -> None:
        """Store a document version's rows (nothing happens if they are stored already)."""

    def remove(self, versions: Iterable[str]) -> None:
        """Drop every row of these document versions."""

    def stored_versions(self) -> set[str]:
        """The document versions whose rows are stored."""

    def bind(
        self,
        versions: dict[str, str],
        chunks: list[Chunk],
        spans: list[tuple[int, int, int]],
        kinds: dict[str, str] | None = None,
    ) -> None:
        """Search only these versions (doc id → its version), their rows mapped to the
        build's positions of `chunks` and `spans`; `kinds` gives each document's kind."""

    def counts(self) -> tuple[int, int]:
        """(chunks, sentences) stored for the bound versions (the load check compares them
        with the manifest)."""

    def search_chunks(self, vector: np.ndarray, k: int, where: Where | None = None) -> list[Hit]:
        """The chunks nearest the query vector (inner product), best first."""

    def search_sentences(self, vector: np.ndarray, k: int, where: Where | None = None) -> list[Hit]:
        """The sentences nearest the query vector, best first (positions in span order)."""

    def search_lexical(self, tokens: list[str], k: int, where: Where | None = None) -> list[Hit]:
        """The chunks that share the most BM25 weight with these query tokens, best first;
        a chunk sharing no token is not a hit. Scores are positive and only their order
        means anything (Milvus computes BM25 per segment)."""

    def sentence_vectors(self, rows: list[int]) -> np.ndarray:
        """The stored vectors of these sentences (positions in span order)."""

    def problem(self) -> str | None:
        """Why searches cannot be served just now (a Milvus server that does not answer),
        or None."""

    def close(self) -> None:
        """Let go of connections and files."""


def open_backend(kind: str, dim: int, settings) -> RetrievalBackend:
    """An empty in-process backend (`faiss`), or the Milvus that `settings` name."""
    if kind == "faiss":
        from app.index.faiss_backend import FaissBackend

        return FaissBackend(dim)
    if kind == "milvus":
        from app.index.milvus_backend import MilvusBackend

        return MilvusBackend(
            settings.milvus_address,
            dim,
            name=settings.milvus_collection,
            token=settings.milvus_token or "",
            timeout_s=settings.milvus_timeout_s,
        )
    raise ValueError(f"unknown index backend {kind!r} (faiss or milvus)")


def rows_by_document(
    model_id: str,
    documents: dict[str, Document],
    chunks: list[Chunk],
    tokens: list[list[str]],
    vectors: np.ndarray,
    spans: list[tuple[int, int, int]],
    sentence_vectors: np.ndarray,
) -> list[DocumentRows]:
    """A build's rows cut by document version, in the build's order."""
    by_doc: dict[str, list[int]] = {}
    for position, chunk in enumerate(chunks):
        by_doc.setdefault(chunk.doc_id, []).append(position)
    sentences_of: dict[str, list[int]] = {}
    for row, (i, _, _) in enumerate(spans):
        sentences_of.setdefault(chunks[i].doc_id, []).append(row)
    out = []
    for doc_id, positions in by_doc.items():
        local = {p: n for n, p in enumerate(positions)}
        rows = sentences_of.get(doc_id, [])
        doc_chunks = [chunks[p] for p in positions]
        out.append(
            DocumentRows(
                version=document_version(model_id, documents[doc_id], doc_chunks),
                document=documents[doc_id],
                chunks=doc_chunks,
                tokens=[tokens[p] for p in positions],
                chunk_vectors=vectors[positions],
                sentences=[(local[spans[r][0]], spans[r][1], spans[r][2]) for r in rows],
                sentence_vectors=sentence_vectors[rows] if rows else sentence_vectors[:0],
            )
        )
    return out
