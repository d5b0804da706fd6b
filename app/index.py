"""Index stage: chunks → a hybrid index (FAISS inner product + BM25 over jieba tokens).

On disk, under the index folder:
- `builds/<id>/`: one complete build (chunks.jsonl, documents.json, dense.faiss,
  manifest.json); `current` is a symlink to the build in service, swapped atomically
  with os.replace, so a crash never leaves half an index in service;
- `cache/<model>.npz`: passage vectors by content hash, so that re-indexing after
  adding one document embeds only the new chunks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from app.chunk import chunk_document
from app.models.embedder import Embedder
from app.errors import IndexMissingError
from app.ingest.pipeline import IngestResult, ingest
from app.domain import Chunk, Document, QualityNote
from app.settings import Settings

log = logging.getLogger(__name__)
FORMAT_VERSION = 2
MIN_SENTENCE_CHARS = 6
_TOKEN_KEEP = re.compile(r"[\w\u4e00-\u9fff]")


def tokenize(text: str) -> list[str]:
    """BM25 tokens: jieba's search-mode words, lower-cased, punctuation dropped."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [
        t
        for t in (w.strip().lower() for w in jieba.lcut_for_search(text))
        if t and _TOKEN_KEEP.search(t)
    ]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class EmbeddingCache:
    """Passage vectors of one model, keyed by the hash of the embedded text."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.is_file():
            with np.load(path) as data:
                keys = data["keys"]
                vectors = data["vectors"]
            self.vectors = {str(k): v for k, v in zip(keys, vectors, strict=True)}

    def save(self) -> None:
        if not self.vectors:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.stem + ".tmp.npz")
        keys = np.array(list(self.vectors), dtype=str)
        np.savez(tmp, keys=keys, vectors=np.stack(list(self.vectors.values())))
        os.replace(tmp, self.path)


@dataclass
class IndexManifest:
    format_version: int
    model_id: str
    dim: int
    corpus_hash: str
    chunk_size: int
    chunk_overlap: int
    n_documents: int
    n_chunks: int
    built_at: str
    build_seconds: float
    embedded_now: int
    dropped_duplicates: list[str]
    dropped_boilerplate_blocks: int
    errors: list[str]


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


def corpus_hash(documents: list[Document]) -> str:
    digest = hashlib.sha256()
    for doc in documents:
        digest.update(doc.doc_id.encode())
        digest.update(doc.text.encode())
    return digest.hexdigest()[:16]


def _document_from_dict(data: dict) -> Document:
    data = dict(data)
    data.pop("delivered_year", None)
    data["quality"] = [QualityNote(**q) for q in data.get("quality", [])]
    return Document(**data)


def _chunk_from_dict(data: dict) -> Chunk:
    return Chunk(**data)


def embed_texts(
    texts: list[str],
    embedder: Embedder,
    cache: EmbeddingCache,
    *,
    batch_size: int = 32,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """Passage vectors for the texts; only texts missing from the cache are embedded."""
    keys = [content_hash(t) for t in texts]
    missing = sorted(
        {k: t for k, t in zip(keys, texts, strict=True) if k not in cache.vectors}.items()
    )
    for start in range(0, len(missing), batch_size):
        batch = missing[start : start + batch_size]
        vectors = embedder.embed_batch([t for _, t in batch], kind="passage")
        for (key, _), vector in zip(batch, vectors, strict=True):
            cache.vectors[key] = vector.astype(np.float32)
        if progress:
            progress(len(batch))
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    return np.stack([cache.vectors[k] for k in keys]), len(missing)


def sentence_spans(chunks: list[Chunk]) -> list[tuple[int, int, int]]:
    """(chunk index, start, end) of every sentence worth embedding on its own."""
    from app.context import split_sentences

    spans = []
    for i, chunk in enumerate(chunks):
        for sentence in split_sentences(chunk.text):
            if len(sentence.text.strip()) >= MIN_SENTENCE_CHARS:
                spans.append((i, sentence.start, sentence.end))
    return spans


def flat_ip_index(vectors: np.ndarray):
    """An exact inner-product FAISS index (cosine, as the vectors are normalised)."""
    import faiss

    dense = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        dense.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return dense


def build_index(
    settings: Settings,
    embedder: Embedder,
    *,
    ingested: IngestResult | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> HybridIndex:
    """Ingest the corpus, chunk, embed what is new, and swap the new index into service.

    `progress(fraction, message)` is told how far the build is (for the web UI).
    """
    from tqdm import tqdm

    report = progress or (lambda fraction, message: None)
    started = time.perf_counter()
    report(0.02, "reading documents")
    result = ingested or ingest(settings.corpus_dir, settings.subject_terms)
    report(0.1, f"{len(result.documents)} documents read; chunking")
    chunks: list[Chunk] = []
    for doc in result.documents:
        chunks.extend(chunk_document(doc, settings.chunk_size, settings.chunk_overlap))
    cache = EmbeddingCache(settings.index_dir / "cache" / f"{embedder.model_id}.npz")
    spans = sentence_spans(chunks)
    texts = [c.embedding_text() for c in chunks]
    sentences = [chunks[i].text[a:b] for i, a, b in spans]
    todo = len({content_hash(t) for t in texts + sentences} - set(cache.vectors))
    done = 0

    def embedded(n: int) -> None:
        nonlocal done
        done += n
        bar.update(n)
        report(0.1 + 0.8 * done / max(todo, 1), f"embedding: {done}/{todo} new texts")

    with tqdm(
        total=todo,
        desc="embedding passages and sentences",
        unit="text",
        disable=not settings.show_progress or not todo,
    ) as bar:
        batch = settings.embed_batch_size
        vectors, n_chunks = embed_texts(texts, embedder, cache, batch_size=batch, progress=embedded)
        sentence_vectors, n_sentences = embed_texts(
            sentences, embedder, cache, batch_size=batch, progress=embedded
        )
    cache.save()
    report(0.92, "building the lexical index")
    tokens = [tokenize(c.embedding_text()) for c in chunks]
    manifest = IndexManifest(
        format_version=FORMAT_VERSION,
        model_id=embedder.model_id,
        dim=int(vectors.shape[1]),
        corpus_hash=corpus_hash(result.documents),
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        n_documents=len(result.documents),
        n_chunks=len(chunks),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        build_seconds=round(time.perf_counter() - started, 2),
        embedded_now=n_chunks + n_sentences,
        dropped_duplicates=result.dropped_duplicates,
        dropped_boilerplate_blocks=len(result.dropped_boilerplate),
        errors=result.errors,
    )
    index = HybridIndex(
        chunks,
        {d.doc_id: d for d in result.documents},
        flat_ip_index(vectors),
        tokens,
        manifest,
        sentence_dense=flat_ip_index(sentence_vectors),
        sentence_spans=spans,
        sentence_weight=settings.sentence_weight,
    )
    save_index(index, settings.index_dir)
    report(1.0, f"indexed {len(result.documents)} documents as {len(chunks)} chunks")
    return index


def save_index(index: HybridIndex, index_dir: Path) -> Path:
    """Write a complete build folder, then point `current` at it in one atomic step."""
    import faiss

    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = (
        f"{time.strftime('%Y%m%d-%H%M%S')}-{index.manifest.corpus_hash}-{uuid.uuid4().hex[:6]}"
    )
    staging = builds / f".{build_id}.partial"
    staging.mkdir()
    with (staging / "chunks.jsonl").open("w", encoding="utf-8") as out:
        for chunk, tokens in zip(index.chunks, index.tokens, strict=True):
            out.write(
                json.dumps({"chunk": asdict(chunk), "tokens": tokens}, ensure_ascii=False) + "\n"
            )
    (staging / "documents.json").write_text(
        json.dumps(
            [d.to_dict(with_text=True) for d in index.documents.values()],
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    faiss.write_index(index.dense, str(staging / "dense.faiss"))
    if index.sentence_dense is not None:
        faiss.write_index(index.sentence_dense, str(staging / "sentences.faiss"))
        (staging / "sentences.json").write_text(json.dumps(index.sentence_spans))
    (staging / "manifest.json").write_text(
        json.dumps(asdict(index.manifest), ensure_ascii=False, indent=1)
    )
    final = builds / build_id
    staging.rename(final)
    link_tmp = index_dir / f".current.{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(Path("builds") / build_id)
    os.replace(link_tmp, index_dir / "current")
    _prune_builds(builds, keep=final)
    return final


def _prune_builds(builds: Path, keep: Path, retain: int = 2) -> None:
    finished = sorted(
        (p for p in builds.iterdir() if not p.name.startswith(".")), key=lambda p: p.name
    )
    for old in finished[:-retain]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
    for partial in builds.glob(".*.partial"):
        if time.time() - partial.stat().st_mtime > 3600:
            shutil.rmtree(partial, ignore_errors=True)


def load_index(index_dir: Path, *, sentence_weight: float = 0.5) -> HybridIndex:
    """Load the index in service; raise IndexMissingError when none was built."""
    current = index_dir / "current"
    if not (current / "manifest.json").is_file():
        raise IndexMissingError(f"no index in {index_dir}; run `xuhui-qa index` (or `make index`)")
    manifest = IndexManifest(**json.loads((current / "manifest.json").read_text()))
    documents = {
        d["doc_id"]: _document_from_dict(d)
        for d in json.loads((current / "documents.json").read_text(encoding="utf-8"))
    }
    chunks, tokens = [], []
    with (current / "chunks.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            chunks.append(_chunk_from_dict(row["chunk"]))
            tokens.append(row["tokens"])
    import faiss

    dense = faiss.read_index(str(current / "dense.faiss"))
    sentence_dense, spans = None, None
    if (current / "sentences.faiss").is_file():
        sentence_dense = faiss.read_index(str(current / "sentences.faiss"))
        spans = [tuple(s) for s in json.loads((current / "sentences.json").read_text())]
    return HybridIndex(
        chunks,
        documents,
        dense,
        tokens,
        manifest,
        sentence_dense=sentence_dense,
        sentence_spans=spans,
        sentence_weight=sentence_weight,
    )
