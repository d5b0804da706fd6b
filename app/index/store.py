"""Index storage. Under the index folder:
- `builds/<id>/`: one complete build (chunks.jsonl, documents.json, sentences.json,
  figures.jsonl, manifest.json, and with the in-process backend dense.faiss and
  sentences.faiss); `current` is a symlink to the build in service, swapped atomically with
  os.replace, so a crash never leaves half an index in service. With Milvus the vectors are
  there, by document version (the manifest's `versions`), and a build is served only when
  Milvus holds all of its rows;
- `cache/<model>-<dim>.npz`: the embedding cache (`app.index.cache`); `cache/texts/`: extracted
  texts by content hash (`app.ingest.pipeline`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from app.domain import Chunk, Document, QualityNote
from app.errors import IndexDamagedError, IndexMissingError
from app.figures.table import FILE as FIGURES_FILE
from app.figures.table import FigureTable
from app.index.backend import RetrievalBackend, open_backend
from app.index.faiss_backend import FaissBackend
from app.index.hybrid import HybridIndex
from app.settings import Settings

log = logging.getLogger(__name__)


def incomplete(name: str, kind: str, stored, chunks: list, spans: list) -> IndexDamagedError:
    """A build whose rows its backend does not hold whole: `stored` (chunks, sentences)."""
    return IndexDamagedError(
        f"{name}: the {kind} backend holds {stored[0]} chunks and {stored[1]} sentences of "
        f"this build, it has {len(chunks)} and {len(spans)}"
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


FORMAT_VERSION = (
    5  # 5: the figures table; 4: the manifest holds each file's sha256; 3: provenance, note params
)
INDEX_FILES = (
    "chunks.jsonl",
    "documents.json",
    "dense.faiss",
    "sentences.faiss",
    "sentences.json",
    FIGURES_FILE,
)


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
    n_figures: int = 0  # rows of the figures table
    figures_seconds: float = 0.0  # how long reading them took
    checksums: dict[str, str] = field(default_factory=dict)  # file name → sha256
    # corpus file → {"sha256", "bytes"}: what the build read (None: built before this was kept)
    sources: dict[str, dict] | None = None
    # Where the vectors and the lexical index are (`app.index.backend`), the version of each
    # document's rows there, and how many sentences were indexed (None: built before this).
    backend: str = "faiss"
    versions: dict[str, str] = field(default_factory=dict)
    n_sentences: int | None = None


def _document_from_dict(data: dict) -> Document:
    data = dict(data)
    data.pop("delivered_year", None)
    data["quality"] = [QualityNote(**q) for q in data.get("quality", [])]
    return Document(**data)


def _chunk_from_dict(data: dict) -> Chunk:
    return Chunk(**data)


def save_index(index: HybridIndex, index_dir: Path) -> Path:
    """Write a complete build folder, then point `current` at it in one atomic step."""
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = (
        f"{time.strftime('%Y%m%d-%H%M%S')}-{index.manifest.corpus_hash}-{uuid.uuid4().hex[:6]}"
    )
    staging = builds / f".{build_id}.partial"
    staging.mkdir()
    (staging / "builder.pid").write_text(str(os.getpid()))  # a live builder's is not stale
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
    if isinstance(index.backend, FaissBackend):
        index.backend.save(staging, index.sentence_spans)
    else:  # the vectors are in the backend; the spans map its sentence rows
        (staging / "sentences.json").write_text(json.dumps(index.sentence_spans))
    index.figures.save(staging)
    index.manifest.checksums = {
        name: sha256_of(staging / name) for name in INDEX_FILES if (staging / name).is_file()
    }
    (staging / "builder.pid").unlink()
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
    index.build = final.resolve()
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


def _builder_alive(partial: Path) -> bool:
    try:
        os.kill(int((partial / "builder.pid").read_text()), 0)
    except (OSError, ValueError):  # no pid file, no such process
        return False
    return True


def clean_partial_builds(index_dir: Path) -> list[str]:
    """Remove builds a crash left half-written; a build another live process is writing
    (its pid is in the folder) is left alone."""
    builds = index_dir / "builds"
    removed = []
    if builds.is_dir():
        for partial in builds.glob(".*.partial"):
            if _builder_alive(partial):
                continue
            shutil.rmtree(partial, ignore_errors=True)
            removed.append(partial.name)
    return removed


def current_build(index_dir: Path) -> Path | None:
    """The build folder `current` points at (None when there is none)."""
    link = index_dir / "current"
    return link.resolve() if link.is_symlink() or link.is_dir() else None


def has_build(index_dir: Path) -> bool:
    """Whether any build was saved here (whole or not: `load_index` checks)."""
    return (index_dir / "current" / "manifest.json").is_file() or (index_dir / "builds").is_dir()


CLAIM_TTL_S = 6 * 3600  # a claim older than this is a build that died


def search_candidates(settings) -> int | None:
    """Hits one search asks the backend for: None (every row) in process, the setting on a
    shared backend."""
    return None if settings.index_backend == "faiss" else settings.search_candidates


@contextlib.contextmanager
def claimed_versions(index_dir: Path, versions) -> Iterator[None]:
    """While a build writes and saves, the document versions it will list are claimed in
    the index folder, so that a build finishing meanwhile (another replica's) does not take
    them for unused and drop their rows (`forget_unused_versions`)."""
    claims = index_dir / "builds"
    claims.mkdir(parents=True, exist_ok=True)
    claim = claims / f".claim-{os.getpid()}-{uuid.uuid4().hex[:8]}.json"
    claim.write_text(json.dumps(sorted(set(versions))))
    try:
        yield
    finally:
        claim.unlink(missing_ok=True)


def forget_unused_versions(backend: RetrievalBackend, index_dir: Path) -> None:
    """Drop the backend rows that no build kept on disk lists and no build under way has
    claimed (a shared backend: the in-process one holds only its own build's). A replica
    still serving a build pruned since moves to the current one when it sees it
    (`app.service`)."""
    if backend.kind == "faiss":
        return
    kept: set[str] = set()
    builds = index_dir / "builds"
    for manifest in builds.glob("*/manifest.json"):
        with contextlib.suppress(OSError, ValueError):
            kept |= set(json.loads(manifest.read_text()).get("versions", {}).values())
    for claim in builds.glob(".claim-*.json"):
        with contextlib.suppress(OSError, ValueError):
            if time.time() - claim.stat().st_mtime < CLAIM_TTL_S:
                kept |= set(json.loads(claim.read_text()))
    unused = backend.stored_versions() - kept
    if unused:
        backend.remove(unused)
        log.info("removed %d document versions no build uses", len(unused))


@dataclass(frozen=True)
class Opening:
    """How a build is opened: the checks (`model_id`, `dim`), the backend the settings
    expect (`backend`: a build made for another is not served), how to reach a shared
    one (`settings`), and the search knobs."""

    sentence_weight: float = 0.5
    model_id: str | None = None
    dim: int | Callable[[], int] | None = None
    backend: str | None = None
    settings: Settings | None = None
    candidates: int | None = None

    @classmethod
    def of(cls, settings: Settings, **checks) -> Opening:
        return cls(
            sentence_weight=settings.sentence_weight,
            backend=settings.index_backend,
            settings=settings,
            candidates=search_candidates(settings),
            **checks,
        )


def load_index(index_dir: Path, opening: Opening | None = None) -> HybridIndex:
    """The index in service, checked; when it is damaged, the newest earlier build that is
    whole. IndexMissingError when none was built; IndexDamagedError (a subclass) when none
    is whole, or all were made for another embedder (`model_id`, `dim`) or backend, saying
    why."""
    opening = opening or Opening()
    current = index_dir / "current"
    if not has_build(index_dir):
        raise IndexMissingError(f"no index in {index_dir}; run `xuhui-qa index` (or `make index`)")
    candidates = [current] if (current / "manifest.json").is_file() else []
    builds = index_dir / "builds"
    if builds.is_dir():
        older = sorted(
            (p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: p.name,
            reverse=True,
        )
        candidates += [p for p in older if p.resolve() != current.resolve()]
    reasons = []
    for build in candidates:
        try:
            index = load_build(build, opening)
        except IndexDamagedError as exc:
            reasons.append(str(exc))
            log.error("index build %s not used: %s", build.resolve().name, exc)
            continue
        if reasons:
            log.warning("serving the earlier build %s", build.resolve().name)
        return index
    raise IndexDamagedError(
        "no usable index in "
        + str(index_dir)
        + ": "
        + "; ".join(reasons or ["no build"])
        + "; rebuild it with `xuhui-qa index`"
    )


def load_build(build: Path, opening: Opening | None = None) -> HybridIndex:
    """One build folder, checked against its manifest before anything is served."""
    opening = opening or Opening()
    name = build.resolve().name
    try:
        raw_manifest = json.loads((build / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise IndexDamagedError(f"{name}: unreadable manifest ({exc})") from exc
    if raw_manifest.get("format_version") != FORMAT_VERSION:
        raise IndexDamagedError(
            f"{name}: format {raw_manifest.get('format_version')}, this version reads "
            f"{FORMAT_VERSION}"
        )
    try:
        manifest = IndexManifest(**raw_manifest)
    except TypeError as exc:
        raise IndexDamagedError(f"{name}: manifest fields do not match ({exc})") from exc
    if opening.model_id is not None and manifest.model_id != opening.model_id:
        raise IndexDamagedError(
            f"{name}: built with {manifest.model_id}, the embedder is {opening.model_id}"
        )
    if opening.backend is not None and manifest.backend != opening.backend:
        raise IndexDamagedError(
            f"{name}: its vectors are in the {manifest.backend} backend, the settings say "
            f"{opening.backend}"
        )
    dim = opening.dim() if callable(opening.dim) else opening.dim  # may load the embedder
    if dim is not None and manifest.dim != dim:
        raise IndexDamagedError(
            f"{name}: vectors of {manifest.dim} dimensions, the embedder makes {dim}"
        )
    for file_name, digest in manifest.checksums.items():
        path = build / file_name
        if not path.is_file():
            raise IndexDamagedError(f"{name}: {file_name} is missing")
        if sha256_of(path) != digest:
            raise IndexDamagedError(f"{name}: {file_name} is damaged (checksum differs)")
    if not manifest.checksums:
        raise IndexDamagedError(f"{name}: the manifest lists no file checksums")
    try:
        return _read_build(build, manifest, opening)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexDamagedError(f"{name}: unreadable ({type(exc).__name__}: {exc})") from exc


def _read_build(build: Path, manifest: IndexManifest, opening: Opening) -> HybridIndex:
    documents = {
        d["doc_id"]: _document_from_dict(d)
        for d in json.loads((build / "documents.json").read_text(encoding="utf-8"))
    }
    chunks, tokens = [], []
    with (build / "chunks.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            chunks.append(_chunk_from_dict(row["chunk"]))
            tokens.append(row["tokens"])
    if len(chunks) != manifest.n_chunks:
        raise IndexDamagedError(
            f"{build.resolve().name}: {len(chunks)} chunks, the manifest says {manifest.n_chunks}"
        )
    kinds = {doc_id: doc.kind for doc_id, doc in documents.items()}
    spans_file = build / "sentences.json"
    if manifest.n_sentences is not None and spans_file.is_file():
        written = len(json.loads(spans_file.read_text()))
        if written != manifest.n_sentences:
            raise IndexDamagedError(
                f"{build.resolve().name}: {written} sentences, the manifest says "
                f"{manifest.n_sentences}"
            )
    if manifest.backend == "faiss":
        backend, spans = FaissBackend.load(build, manifest.versions, chunks, tokens, kinds)
    else:
        spans = [tuple(s) for s in json.loads((build / "sentences.json").read_text())]
        backend = open_backend(manifest.backend, manifest.dim, opening.settings or Settings())
        try:
            backend.bind(manifest.versions, chunks, spans, kinds)
            stored = backend.counts()
        except BaseException:
            backend.close()
            raise
        if stored != (len(chunks), len(spans)):
            backend.close()
            raise incomplete(build.resolve().name, manifest.backend, stored, chunks, spans)
    index = HybridIndex(
        chunks,
        documents,
        backend,
        tokens,
        manifest,
        sentence_spans=spans,
        sentence_weight=opening.sentence_weight,
        figures=FigureTable.load(build),
        candidates=opening.candidates,
    )
    index.build = build.resolve()
    return index
