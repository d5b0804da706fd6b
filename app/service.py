"""The one wiring point: settings → models → index → service. Tests pass fakes in."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from app.answer.answerer import Answerer
from app.converse.chat import answer_turn
from app.converse.store import ConversationStore, open_store
from app.domain import Answer, AskOptions, Document, SearchResult, final_answer
from app.errors import BadInputError, IndexMissingError, NotFoundError
from app.index import HybridIndex, build_index, load_index
from app.index.journal import Journal, corpus_drift
from app.index.store import Opening, clean_partial_builds, current_build, has_build, load_build
from app.ingest.pipeline import MISSING_CORPUS_FIX
from app.models import assets
from app.models.embedder import Embedder, embedder_from_settings
from app.models.llm import LLM, LlamaCppLLM, OpenAICompatibleLLM
from app.retrieve.retriever import Retriever
from app.settings import Settings

log = logging.getLogger(__name__)


class QAService:
    """What the CLI and the web edge call: search, documents, (re)indexing."""

    def __init__(
        self,
        settings: Settings,
        index: HybridIndex,
        embedder: Embedder,
        llm: LLM | None = None,
        store: ConversationStore | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.llm = llm
        self.store = store or open_store(settings)
        self._index = index
        self._retriever = Retriever(index, embedder, settings)
        self._answerer = Answerer(self._retriever, llm, settings)
        self._swap_lock = threading.Lock()
        self._building = False
        self._serving = index.build or current_build(settings.index_dir)
        self.journal = Journal.of_index(settings.index_dir)

    @property
    def index(self) -> HybridIndex:
        return self._index

    def search(
        self,
        question: str,
        *,
        k: int | None = None,
        year: int | None = None,
        doc_id: str | None = None,
    ) -> SearchResult:
        """Top passages for a question; optionally one year's or one document's."""
        self.check_document(doc_id)
        return self._retriever.search(question, k=k, year=year, doc_id=doc_id)

    def ask(self, question: str, options: AskOptions | None = None) -> Answer:
        """A verified answer with citations (or a refusal that says what is nearby)."""
        return self._answerer.ask(question, options)

    def ask_stream(
        self, question: str, options: AskOptions | None = None
    ) -> Iterator[tuple[str, object]]:
        """("token", text) pieces while the model writes, then ("answer", Answer)."""
        return self._answerer.ask_stream(question, options)

    def converse_stream(
        self,
        question: str,
        *,
        conversation_id: str | None = None,
        history: list[str] | None = None,
        channel: str = "api",
        options: AskOptions | None = None,
        turn_id: str | None = None,
        owner: str | None = None,
    ) -> Iterator[tuple[str, object]]:
        """A question in a conversation: ("resolved", Resolution) (the standalone question it
        was read as), ("token", text)…, then ("answer", Answer) with the stored turn's id.

        Follows the stored conversation `conversation_id`, or the earlier questions in
        `history` (as a chat client sends them); with neither, a new conversation starts.
        An unknown `options.doc_id` is refused here, before anything is answered or stored.
        `turn_id` names the stored turn in advance (default: a new id); `owner` is the asker's
        key, who owns a new conversation and must own `conversation_id` (ReadOnlyError).
        """
        self.check_document((options or AskOptions()).doc_id)
        return answer_turn(
            self._answerer,
            self.store,
            question,
            conversation_id=conversation_id,
            history=history,
            channel=channel,
            options=options,
            max_turns=self.settings.max_turns,
            turn_id=turn_id,
            owner=owner,
        )

    def converse(self, question: str, **options) -> Answer:
        """As `converse_stream`, all at once."""
        answer = final_answer(self.converse_stream(question, **options))
        assert answer is not None
        return answer

    def figures(self, indicator: str, first: int, last: int) -> dict:
        """An indicator's figures by year, from the figures table (each row cited)."""
        return self._answerer.figures(indicator, first, last)

    def warm_up_model(self) -> None:
        """Load the answering model and its prompt prefix now, not on the first question."""
        self._answerer.warm_up()

    def documents(self) -> list[Document]:
        return list(self._index.documents.values())

    def document(self, doc_id: str) -> Document:
        """The document with this id; NotFoundError naming it when the library has none."""
        try:
            return self._index.documents[doc_id]
        except KeyError:
            raise NotFoundError(f"no document '{doc_id}' in the library") from None

    def check_document(self, doc_id: str | None) -> None:
        """NotFoundError for a document id the library does not hold (None: every document).
        Every edge that narrows to one document (HTTP, MCP, CLI) comes through here."""
        if doc_id is not None:
            self.document(doc_id)

    def reindex(self, progress=None) -> HybridIndex:
        """Rebuild from the corpus folder; the old index serves until the new one is swapped in."""
        self._building = True
        try:
            index = build_index(self.settings, self.embedder, progress=progress)
            self._swap(index, index.build)
        finally:
            self._building = False
        return index

    def _swap(self, index: HybridIndex, build: Path | None, *, if_current: bool = False) -> bool:
        """Serve `index` (from the folder `build`); with `if_current`, only if that is still
        the current build and no build of this process is under way (whether it swapped)."""
        retriever = Retriever(index, self.embedder, self.settings)
        retriever.indicator_names  # noqa: B018 (read here, not on the first question after)
        with self._swap_lock:
            if if_current and (self._building or current_build(self.settings.index_dir) != build):
                return False
            self._index = index
            self._retriever = retriever
            self._answerer = Answerer(retriever, self.llm, self.settings)
            self._serving = build
        return True

    def follow(self) -> bool:
        """Serve the build another process put in service (a replica sharing the index
        folder re-indexed): whether it was swapped in. A build that does not load (damaged,
        for another embedder or backend) is not, and the one in service goes on."""
        build = current_build(self.settings.index_dir)
        if self._building or build is None or build == self._serving:
            return False
        try:
            index = load_build(build, Opening.of(self.settings, model_id=self.embedder.model_id))
        except IndexMissingError as exc:
            log.error("the build %s another process swapped in is not served: %s", build, exc)
            self._serving = build  # said once, not on every look
            return False
        if not self._swap(index, build, if_current=True):
            return False  # a newer build came meanwhile: the next look takes it
        log.info("serving the build %s that another process swapped in", build.name)
        return True

    def library_problem(self) -> str | None:
        """Why the corpus folder and the index in service disagree (a change begun and not
        finished, a file not indexed or gone since), or None when they agree."""
        problems = [intent.describe() for intent in self.journal.pending()]
        problems += corpus_drift(self.settings.corpus_dir, self._index.manifest.sources)
        return "; ".join(dict.fromkeys(problems)) or None

    def withdrawn(self) -> list[str]:
        """The files the index in service holds that are being deleted (a delete a crash
        interrupted) or gone from the corpus: until a re-index drops them, it would serve them."""
        sources = self._index.manifest.sources or {}
        deleting = {i.file for i in self.journal.pending() if i.op == "delete"}
        gone = {name for name in sources if not (self.settings.corpus_dir / name).is_file()}
        return sorted((deleting | gone) & sources.keys())

    def reconcile(self, progress=None) -> str:
        """Finish the corpus changes a crash left open, then re-index if the corpus and the
        index still disagree. A delete is carried out (its file removed, if still there); an
        upload whose file never reached the corpus is abandoned; a file in the corpus but
        not in the index is indexed."""
        corpus_dir = self.settings.corpus_dir
        for intent in self.journal.pending():
            path = corpus_dir / intent.file
            if intent.op == "delete" and path.is_file():
                path.unlink()
                log.warning("finished the delete of %s that a crash interrupted", intent.file)
            elif intent.op != "delete" and not path.is_file():
                self.journal.finish(intent.intent_id, "abandoned")
                log.warning("the %s of %s never reached the corpus", intent.op, intent.file)
        problem = self.library_problem()
        if problem is None:
            return "the corpus and the index agree"
        log.warning("re-indexing, as the corpus and the index disagree: %s", problem)
        index = self.reindex(progress=progress)
        return f"reconciled ({problem}): {index.manifest.n_documents} documents"


def llm_from_settings(settings: Settings) -> LLM:
    """The configured answering model (loaded lazily, on the first question)."""
    if settings.llm_backend == "openai":
        return OpenAICompatibleLLM(
            settings.openai_base_url,
            settings.openai_model,
            api_key=settings.openai_api_key,
            grammar=settings.llm_grammar,
        )
    if settings.llm_model in assets.LLM_SPECS:
        path = assets.gguf_path(settings.models_dir, settings.llm_model)
    else:
        path = Path(settings.llm_model)
    return LlamaCppLLM(
        path,
        n_ctx=settings.llm_n_ctx,
        n_threads=settings.threads,
        state_dir=settings.index_dir / "cache" / "llm",
    )


def check_can_start(settings: Settings) -> None:
    """BadInputError, before any model loads, when there is neither an index to load nor a
    corpus folder to build one from (starting would only end in a traceback)."""
    if not has_build(settings.index_dir) and not settings.corpus_dir.is_dir():
        raise BadInputError(
            f"the corpus folder {settings.corpus_dir} does not exist and there is no index "
            f"to serve: {MISSING_CORPUS_FIX}"
        )


def build_service(
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    llm: LLM | None = None,
    build_if_missing: bool = False,
) -> QAService:
    """Assemble the service from settings; fakes may replace the embedder and the LLM."""
    settings = settings or Settings()
    embedder = embedder or embedder_from_settings(settings)
    llm = llm or llm_from_settings(settings)
    removed = clean_partial_builds(settings.index_dir)
    if removed:
        log.warning("removed builds a crash left half-written: %s", ", ".join(removed))
    try:
        index = load_index(
            settings.index_dir,
            Opening.of(
                settings,
                model_id=embedder.model_id,
                dim=lambda: embedder.dim,  # loads the embedder only when there is an index
            ),
        )
    except IndexMissingError as exc:  # none built, or none whole for this embedder
        if not build_if_missing:
            raise
        log.warning("building the index: %s", exc)
        index = build_index(settings, embedder)
    return QAService(settings, index, embedder, llm)
