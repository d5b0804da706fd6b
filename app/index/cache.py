"""The embedding cache: passage vectors of one model, keyed by the hash of the embedded
text, so that re-indexing after adding one document embeds only its new texts."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.models.embedder import Embedder


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


def embed_texts(
    texts: list[str],
    embedder: Embedder,
    cache: EmbeddingCache,
    *,
    batch_size: int = 32,
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """Passage vectors for the texts; only texts missing from the cache are embedded.

    They are embedded shortest first, so that each batch holds texts of about one length
    and little of it is padding."""
    keys = [content_hash(t) for t in texts]
    missing = sorted(
        {k: t for k, t in zip(keys, texts, strict=True) if k not in cache.vectors}.items(),
        key=lambda item: (len(item[1]), item[0]),
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
