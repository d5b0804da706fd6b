"""Index build: corpus folder → ingest → chunk → embed what is new → a saved `HybridIndex`."""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable, Iterator

import numpy as np

from app.chunk import chunk_document
from app.domain import Chunk, Document
from app.figures.table import FigureTable, load_synonyms
from app.index.backend import RetrievalBackend, open_backend, rows_by_document
from app.index.cache import EmbeddingCache, content_hash, embed_texts
from app.index.hybrid import HybridIndex, tokenize
from app.index.journal import Journal
from app.index.store import (
    FORMAT_VERSION,
    IndexManifest,
    claimed_versions,
    forget_unused_versions,
    incomplete,
    save_index,
    search_candidates,
)
from app.ingest.pipeline import IngestResult, ParseLimits, ingest
from app.models.embedder import Embedder
from app.settings import Settings
from app.text.sentences import split_sentences

MIN_SENTENCE_CHARS = 6


def corpus_hash(documents: list[Document]) -> str:
    digest = hashlib.sha256()
    for doc in documents:
        digest.update(doc.doc_id.encode())
        digest.update(doc.text.encode())
    return digest.hexdigest()[:16]


def sentence_spans(chunks: list[Chunk]) -> list[tuple[int, int, int]]:
    """(chunk index, start, end) of every sentence worth embedding on its own."""
    spans = []
    for i, chunk in enumerate(chunks):
        for sentence in split_sentences(chunk.text):
            if len(sentence.text.strip()) >= MIN_SENTENCE_CHARS:
                spans.append((i, sentence.start, sentence.end))
    return spans


def embed_new(
    texts: list[str],
    sentences: list[str],
    embedder: Embedder,
    cache: EmbeddingCache,
    settings: Settings,
    report: Callable[[float, str], None],
) -> tuple[np.ndarray, np.ndarray, int]:
    """Chunk and sentence vectors, embedding only what the cache lacks, with a progress bar."""
    from tqdm import tqdm

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
    return vectors, sentence_vectors, n_chunks + n_sentences


def read_corpus(settings: Settings, report: Callable[[float, str], None]) -> IngestResult:
    """The corpus ingested with the settings' limits (memory, time, characters of text)."""
    return ingest(
        settings.corpus_dir,
        settings.subject_terms,
        cache_dir=settings.index_dir / "cache" / "texts",
        progress=lambda fraction, message: report(0.02 + 0.08 * fraction, message),
        limits=ParseLimits(
            settings.parse_memory_mb, settings.parse_timeout_s, settings.max_document_chars
        ),
    )


def build_index(
    settings: Settings,
    embedder: Embedder,
    *,
    ingested: IngestResult | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> HybridIndex:
    """Ingest the corpus, chunk, embed what is new, and swap the new index into service;
    `progress(fraction, message)` is told how far the build is (for the web UI)."""
    report = progress or (lambda fraction, message: None)
    started = time.perf_counter()
    report(0.02, "reading documents")
    result = ingested or read_corpus(settings, report)
    report(0.1, f"{len(result.documents)} documents read; chunking")
    size, overlap = settings.chunk_size, settings.chunk_overlap
    chunks = [c for doc in result.documents for c in chunk_document(doc, size, overlap)]
    # Keyed by model and dimension: vectors of two embedders are never mixed.
    cache = EmbeddingCache(settings.index_dir / "cache" / f"{embedder.model_id}-{embedder.dim}.npz")
    spans = sentence_spans(chunks)
    texts = [c.embedding_text() for c in chunks]
    sentences = [chunks[i].text[a:b] for i, a, b in spans]
    vectors, sentence_vectors, embedded_now = embed_new(
        texts, sentences, embedder, cache, settings, report
    )
    cache.save()
    report(0.92, "building the lexical index")
    tokens = [tokenize(c.embedding_text()) for c in chunks]
    report(0.95, "reading the figures the documents state")
    documents = {d.doc_id: d for d in result.documents}
    synonyms = load_synonyms(settings.prompts_dir / "indicator-synonyms.tsv")
    figures_started = time.perf_counter()
    figures = FigureTable.build(chunks, documents, synonyms)
    counts = {
        "dim": int(vectors.shape[1]),
        "embedded_now": embedded_now,
        "n_figures": len(figures),
        "figures_seconds": round(time.perf_counter() - figures_started, 2),
    }
    report(0.96, f"writing the vectors to the {settings.index_backend} backend")
    backend = open_backend(settings.index_backend, counts["dim"], settings)
    cut = rows_by_document(
        embedder.model_id, documents, chunks, tokens, vectors, spans, sentence_vectors
    )
    versions = {rows.document.doc_id: rows.version for rows in cut}
    with claimed_versions(settings.index_dir, versions.values()), _closed_on_failure(backend):
        for rows in cut:
            backend.put(rows)  # a version stored already (Milvus) is not written again
        backend.bind(versions, chunks, spans, {d: doc.kind for d, doc in documents.items()})
        stored = backend.counts()
        if stored != (len(chunks), len(spans)):
            raise incomplete("the new build", settings.index_backend, stored, chunks, spans)
        counts["n_sentences"] = len(spans)
        manifest = _manifest(result, chunks, embedder, settings, started, **counts)
        manifest.backend, manifest.versions = settings.index_backend, versions
        index = HybridIndex(
            chunks,
            documents,
            backend,
            tokens,
            manifest,
            sentence_spans=spans,
            sentence_weight=settings.sentence_weight,
            figures=figures,
            candidates=search_candidates(settings),
        )
        save_index(index, settings.index_dir)
        forget_unused_versions(backend, settings.index_dir)
    # The new build is in service: the corpus changes it holds are done.
    Journal.of_index(settings.index_dir).settle(result.sources, settings.corpus_dir)
    done = f"{len(result.documents)} documents as {len(chunks)} chunks, {len(figures)} figures"
    report(1.0, f"indexed {done}")
    return index


@contextlib.contextmanager
def _closed_on_failure(backend: RetrievalBackend) -> Iterator[None]:
    """A build that fails lets go of its backend's connection (one that succeeds serves)."""
    try:
        yield
    except BaseException:
        backend.close()
        raise


def _manifest(
    result: IngestResult,
    chunks: list[Chunk],
    embedder: Embedder,
    settings: Settings,
    started: float,
    **counts: int | float,
) -> IndexManifest:
    """What an index was built from and how: its sources, its settings, its time, and the
    counts the build took (`dim`, `embedded_now`, `n_figures`, `figures_seconds`,
    `n_sentences`)."""
    return IndexManifest(
        format_version=FORMAT_VERSION,
        model_id=embedder.model_id,
        corpus_hash=corpus_hash(result.documents),
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        n_documents=len(result.documents),
        n_chunks=len(chunks),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        build_seconds=round(time.perf_counter() - started, 2),
        dropped_duplicates=result.dropped_duplicates,
        dropped_boilerplate_blocks=len(result.dropped_boilerplate),
        errors=result.errors,
        sources=result.sources,
        **counts,
    )
