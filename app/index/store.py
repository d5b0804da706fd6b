"""Index storage. Under the index folder:
- `builds/<id>/`: one complete build (chunks.jsonl, documents.json, dense.faiss,
  sentences.faiss, manifest.json); `current` is a symlink to the build in service,
  swapped atomically with os.replace, so a crash never leaves half an index in service;
- `cache/<model>.npz`: the embedding cache (`app.index.cache`).
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from app.domain import Chunk, Document, QualityNote
from app.errors import IndexMissingError
from app.index.hybrid import HybridIndex

FORMAT_VERSION = 3  # 3: documents carry provenance; quality notes carry params


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


def _document_from_dict(data: dict) -> Document:
    data = dict(data)
    data.pop("delivered_year", None)
    data["quality"] = [QualityNote(**q) for q in data.get("quality", [])]
    return Document(**data)


def _chunk_from_dict(data: dict) -> Chunk:
    return Chunk(**data)


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
    raw_manifest = json.loads((current / "manifest.json").read_text())
    if raw_manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMissingError(
            f"the index in {index_dir} has format {raw_manifest.get('format_version')}, this "
            f"version reads {FORMAT_VERSION}: rebuild it with `xuhui-qa index` (or `make index`)"
        )
    manifest = IndexManifest(**raw_manifest)
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
