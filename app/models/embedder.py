"""Embed stage: the Embedder protocol and its sentence-transformers implementation."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from app.errors import ModelMissingError
from app.models import assets
from app.settings import Settings

Kind = Literal["query", "passage"]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; queries and passages may be embedded differently.

    `model_id` names the model in index manifests and the embedding cache, so that
    vectors of two models are never mixed. `embed_batch` is the one required method;
    it returns a float32 array of shape [len(texts), dim].
    """

    model_id: str

    @property
    def dim(self) -> int: ...

    def embed_batch(self, texts: list[str], *, kind: Kind) -> np.ndarray: ...


def embed_one(embedder: Embedder, text: str, *, kind: Kind) -> np.ndarray:
    """A single vector, built on the batch call."""
    return embedder.embed_batch([text], kind=kind)[0]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model loaded from a local folder, on the CPU."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        model_id: str | None = None,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 16,
        threads: int = 2,
        show_progress: bool = False,
    ) -> None:
        self.model_path = str(model_path)
        self.model_id = model_id or re.sub(r"[^A-Za-z0-9_.-]+", "_", self.model_path)
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.threads = threads
        self.show_progress = show_progress
        self._model = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model (once); torch is imported only here."""
        with self._lock:
            if self._model is not None:
                return
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(self.threads)
            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()
            self._model = SentenceTransformer(self.model_path, device="cpu", local_files_only=True)

    @property
    def dim(self) -> int:
        self.warm_up()
        return int(self._model.get_embedding_dimension())

    def embed_batch(self, texts: list[str], *, kind: Kind) -> np.ndarray:
        self.warm_up()
        prefix = self.query_prefix if kind == "query" else self.passage_prefix
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=self.show_progress and len(texts) > self.batch_size,
        )
        return np.asarray(vectors, dtype=np.float32)


def embedder_from_settings(settings: Settings) -> SentenceTransformerEmbedder:
    """The configured embedder: the packaged e5 model, or a user-given model path."""
    if settings.embedder == "e5-small-q4":
        path = assets.e5_path(settings.models_dir)
        if not (path / "ASSEMBLED.json").is_file():
            raise ModelMissingError(
                f"the embedder is not assembled in {settings.models_dir}; run "
                "`xuhui-qa models --assemble` (or `make models`)"
            )
        model_id = "e5-small-q4"
    else:
        path = Path(settings.embedder)
        if not path.exists():
            raise ModelMissingError(f"embedder path {path} does not exist (no downloads here)")
        model_id = None
    return SentenceTransformerEmbedder(
        path,
        model_id=model_id,
        query_prefix=settings.query_prefix,
        passage_prefix=settings.passage_prefix,
        batch_size=settings.embed_batch_size,
        threads=settings.threads,
        show_progress=settings.show_progress,
    )
