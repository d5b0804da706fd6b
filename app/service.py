"""The one wiring point: settings → models → index → service. Tests pass fakes in."""

from __future__ import annotations

import threading

from app.embedding import Embedder, embedder_from_settings
from app.errors import BadInputError
from app.index import HybridIndex, build_index, load_index
from app.retrieval import Retriever, SearchResult
from app.schema import Document
from app.settings import Settings


class QAService:
    """What the CLI and the web edge call: search, documents, (re)indexing."""

    def __init__(self, settings: Settings, index: HybridIndex, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._index = index
        self._retriever = Retriever(index, embedder, settings)
        self._swap_lock = threading.Lock()

    @property
    def index(self) -> HybridIndex:
        return self._index

    def search(
        self, question: str, *, k: int | None = None, year: int | None = None
    ) -> SearchResult:
        """Top passages for a question."""
        return self._retriever.search(question, k=k, year=year)

    def documents(self) -> list[Document]:
        return list(self._index.documents.values())

    def document(self, doc_id: str) -> Document:
        try:
            return self._index.documents[doc_id]
        except KeyError:
            raise BadInputError(f"no document with id '{doc_id}'") from None

    def reindex(self) -> HybridIndex:
        """Rebuild from the corpus folder; the old index serves until the new one is swapped in."""
        index = build_index(self.settings, self.embedder)
        with self._swap_lock:
            self._index = index
            self._retriever = Retriever(index, self.embedder, self.settings)
        return index


def build_service(
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    build_if_missing: bool = False,
) -> QAService:
    """Assemble the service from settings; fakes may replace the embedder."""
    settings = settings or Settings()
    embedder = embedder or embedder_from_settings(settings)
    current = settings.index_dir / "current" / "manifest.json"
    if build_if_missing and not current.is_file():
        index = build_index(settings, embedder)
    else:
        index = load_index(settings.index_dir)
    return QAService(settings, index, embedder)
