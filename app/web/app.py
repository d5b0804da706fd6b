"""Serve stage: the FastAPI app (HTTP API + Jinja2 pages). Routes validate, call the
service in a worker thread, and turn domain errors into HTTP errors; nothing deeper
knows about HTTP."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

from fastapi import Depends, FastAPI, File, Header, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from app import __version__
from app.errors import BadInputError, IndexMissingError, ModelMissingError, XuhuiQAError
from app.models.embedder import Embedder
from app.models.llm import LLM, LLMError
from app.service import QAService, build_service
from app.settings import Settings
from app.web.gate import BusyError, GenerationGate
from app.web.i18n import STRINGS, choose_language
from app.web.jobs import JobRunner
from app.web.uploads import corpus_path, store_upload

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
EXAMPLE_QUESTIONS = [
    "2023年新增多少跨国公司地区总部？",
    "2024年政府工作报告提出的地区生产总值增长目标是多少？",
    "2025年徐汇区全年收储土地多少亩？",
    "What growth target for total fixed-asset investment was set in the 2024 report?",
    "How many artificial intelligence companies had clustered in Xuhui by 2025?",
]


class AskRequest(BaseModel):
    question: str = Field(description="The question, in Chinese or English.")
    mode: Literal["llm", "extractive"] | None = Field(None, description="Answer mode.")
    year: int | None = Field(None, ge=1990, le=2100, description="Only passages about this year.")
    doc_id: str | None = Field(None, description="Only passages of this document.")


class Timeout(XuhuiQAError):
    """A generation ran past its time limit."""


class AppState:
    """What the routes share: the service (swappable), the model gate, the jobs."""

    def __init__(self, settings: Settings, service: QAService | None) -> None:
        self.settings = settings
        self.service = service
        self.gate = GenerationGate(settings.max_queue)
        self.jobs = JobRunner()
        self.load_error: str | None = None

    def require_service(self) -> QAService:
        if self.service is None:
            raise HTTPException(
                503,
                detail=self.load_error or "the service is starting",
                headers={"Retry-After": "5"},
            )
        return self.service


def _question(text: str, settings: Settings) -> str:
    text = (text or "").strip()
    if not text:
        raise HTTPException(422, detail="the question is empty")
    if len(text) > settings.max_question_chars:
        raise HTTPException(
            422, detail=f"the question is longer than {settings.max_question_chars} characters"
        )
    return text


def _answer_events(state: AppState, request: AskRequest, cancel: threading.Event):
    """Run ask_stream under the gate and the time limit; yield its events."""
    service = state.require_service()
    uses_model = (request.mode or state.settings.answer_mode) == "llm" and service.llm is not None
    deadline = time.monotonic() + state.settings.generation_timeout_s

    def events():
        stream = service.ask_stream(
            request.question, mode=request.mode, year=request.year, doc_id=request.doc_id
        )
        try:
            for event in stream:
                if cancel.is_set():
                    return
                if time.monotonic() > deadline:
                    raise Timeout(
                        f"the answer took longer than {state.settings.generation_timeout_s:.0f} s"
                    )
                yield event
        finally:
            stream.close()  # stops the model's generation when the client is gone

    if not uses_model:
        yield from events()
        return
    ticket = state.gate.admit()  # raises BusyError when the queue is full
    with ticket:
        yield from events()


def create_app(
    settings: Settings | None = None,
    *,
    embedder: Embedder | None = None,
    llm: LLM | None = None,
    service: QAService | None = None,
) -> FastAPI:
    """The web app. Tests pass fakes (or a ready service); otherwise models load at start-up."""
    settings = settings or Settings()
    state = AppState(settings, service)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.admin_token is None:
            log.warning(
                "admin endpoints are off: set XUHUI_ADMIN_TOKEN to enable upload and re-index"
            )
        if state.service is None:
            try:
                state.service = await run_in_threadpool(
                    build_service, settings, embedder=embedder, llm=llm, build_if_missing=True
                )
                await run_in_threadpool(_warm_up, state.service)
            except (IndexMissingError, ModelMissingError) as exc:
                state.load_error = str(exc)
                log.error("not ready: %s", exc)
        yield

    app = FastAPI(
        title="Xuhui Report QA",
        version=__version__,
        description="Answers about the Xuhui District government work reports, with cited passages.",
        lifespan=lifespan,
    )
    app.state.qa = state
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def admin(
        authorization: str | None = Header(None), x_admin_token: str | None = Header(None)
    ) -> None:
        if settings.admin_token is None:
            raise HTTPException(403, detail="admin endpoints are off (no XUHUI_ADMIN_TOKEN set)")
        given = x_admin_token or (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), settings.admin_token.encode()):
            raise HTTPException(401, detail="wrong or missing admin token")

    @app.exception_handler(BusyError)
    async def busy(request: Request, exc: BusyError):
        return JSONResponse(
            {"detail": str(exc)}, status_code=503, headers={"Retry-After": str(exc.retry_after)}
        )

    @app.exception_handler(BadInputError)
    async def bad_input(request: Request, exc: BadInputError):
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(Timeout)
    async def timeout(request: Request, exc: Timeout):
        return JSONResponse({"detail": str(exc)}, status_code=504)

    @app.exception_handler(LLMError)
    async def llm_failed(request: Request, exc: LLMError):
        return JSONResponse({"detail": str(exc)}, status_code=502)

    # ---------------------------------------------------------------- health

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        """Models and index are loaded."""
        if state.service is None:
            return JSONResponse(
                {"status": "not ready", "detail": state.load_error}, status_code=503
            )
        m = state.service.index.manifest
        return JSONResponse({"status": "ready", "documents": m.n_documents, "chunks": m.n_chunks})

    # ---------------------------------------------------------------- answers

    def _check(body: AskRequest) -> AskRequest:
        body.question = _question(body.question, settings)
        return body

    @app.post("/api/ask", tags=["answers"])
    async def ask(body: AskRequest) -> dict:
        """A verified answer with citations, retrieved passages and timings (as `xuhui-qa ask --json`)."""
        body = _check(body)
        cancel = threading.Event()

        def run() -> dict:
            answer = None
            for kind, payload in _answer_events(state, body, cancel):
                if kind == "answer":
                    answer = payload
            return answer.to_dict()

        try:
            return await run_in_threadpool(run)
        finally:
            cancel.set()

    async def _sse(request: Request, body: AskRequest) -> StreamingResponse:
        body = _check(body)
        state.require_service()
        uses_model = (body.mode or settings.answer_mode) == "llm" and state.service.llm is not None
        if uses_model and state.gate.full():
            raise BusyError(state.gate.retry_after)
        queue: asyncio.Queue = asyncio.Queue()
        loop = asyncio.get_running_loop()
        cancel = threading.Event()

        def worker() -> None:
            def put(kind: str, data: object) -> None:
                loop.call_soon_threadsafe(queue.put_nowait, (kind, data))

            try:
                for kind, payload in _answer_events(state, body, cancel):
                    put(kind, payload.to_dict() if kind == "answer" else payload)
            except BusyError as exc:
                put("busy", {"detail": str(exc), "retry_after": exc.retry_after})
            except XuhuiQAError as exc:
                put("error", {"detail": str(exc)})
            except Exception as exc:  # reported to the client, never a silent hang
                log.exception("answer failed")
                put("error", {"detail": f"internal error: {type(exc).__name__}"})
            finally:
                put("end", None)

        threading.Thread(target=worker, daemon=True).start()

        async def events():
            try:
                while True:
                    try:
                        kind, data = await asyncio.wait_for(queue.get(), timeout=1.0)
                    except TimeoutError:
                        if await request.is_disconnected():
                            return
                        yield ": keep-alive\n\n"
                        continue
                    if kind == "end":
                        return
                    yield f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
            finally:
                cancel.set()

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    @app.get("/api/ask/stream", tags=["answers"])
    async def ask_stream_get(
        request: Request,
        question: str = Query(..., description="The question."),
        mode: Literal["llm", "extractive"] | None = None,
        year: int | None = Query(None, ge=1990, le=2100),
        doc_id: str | None = None,
    ) -> StreamingResponse:
        """Server-Sent Events: `token` pieces as the model writes, then `answer` (the verified answer)."""
        return await _sse(
            request, AskRequest(question=question, mode=mode, year=year, doc_id=doc_id)
        )

    @app.post("/api/ask/stream", tags=["answers"])
    async def ask_stream_post(request: Request, body: AskRequest) -> StreamingResponse:
        """As GET /api/ask/stream, with a JSON body."""
        return await _sse(request, body)

    @app.get("/api/search", tags=["answers"])
    async def search(
        q: str = Query(..., description="The question or words to search."),
        k: int = Query(5, ge=1, le=20),
        year: int | None = Query(None, ge=1990, le=2100),
        doc_id: str | None = None,
    ) -> dict:
        """Top passages, without an answer."""
        question = _question(q, settings)
        service = state.require_service()
        result = await run_in_threadpool(service.search, question, k=k, year=year, doc_id=doc_id)
        return {
            "question": question,
            "years": result.query.years,
            "passages": [p.to_dict() for p in result.passages],
        }

    # ---------------------------------------------------------------- documents

    @app.get("/api/documents", tags=["documents"])
    def documents() -> dict:
        """The library: metadata and quality notes of every document."""
        service = state.require_service()
        failure = state.jobs.latest_failure()
        return {
            "documents": [d.to_dict() for d in service.documents()],
            "dropped_duplicates": service.index.manifest.dropped_duplicates,
            "last_failure": failure.to_dict() if failure else None,
        }

    @app.get("/api/documents/{doc_id}", tags=["documents"])
    def document(doc_id: str) -> dict:
        """One document: metadata, quality report, cleaned text and its section anchors."""
        service = state.require_service()
        try:
            doc = service.document(doc_id)
        except BadInputError as exc:
            raise HTTPException(404, detail=str(exc)) from exc
        return {**doc.to_dict(with_text=True), "sections": _sections(service, doc_id)}

    # ---------------------------------------------------------------- admin

    @app.post(
        "/api/admin/documents", tags=["admin"], status_code=202, dependencies=[Depends(admin)]
    )
    async def upload(file: UploadFile = File(...)) -> dict:
        """Add a document (.txt .md .html .pdf .docx) and re-index in the background."""
        limit = int(settings.max_upload_mb * 1e6)
        data = await file.read(limit + 1)
        path = await run_in_threadpool(
            store_upload, settings.corpus_dir, file.filename or "upload", data, max_bytes=limit
        )
        job = _reindex(f"upload {path.name}")
        return {"file": path.name, "job": job.to_dict()}

    @app.post("/api/admin/reindex", tags=["admin"], status_code=202, dependencies=[Depends(admin)])
    def reindex() -> dict:
        """Rebuild the index from the corpus folder in the background."""
        return {"job": _reindex("reindex").to_dict()}

    @app.delete(
        "/api/admin/documents/{name}",
        tags=["admin"],
        status_code=202,
        dependencies=[Depends(admin)],
    )
    def delete(name: str) -> dict:
        """Remove a document file (by file name or document id) and re-index in the background."""
        service = state.require_service()
        if name in service.index.documents:
            name = service.index.documents[name].source_file
        path = corpus_path(settings.corpus_dir, name)
        path.unlink()
        return {"file": name, "job": _reindex(f"delete {name}").to_dict()}

    @app.get("/api/jobs/{job_id}", tags=["admin"])
    def job(job_id: str) -> dict:
        """Progress of a background indexing job."""
        found = state.jobs.get(job_id)
        if found is None:
            raise HTTPException(404, detail="no such job")
        return found.to_dict()

    def _reindex(kind: str):
        service = state.require_service()

        def work(progress) -> str:
            index = service.reindex(progress=progress)
            return f"indexed {index.manifest.n_documents} documents as {index.manifest.n_chunks} chunks"

        return state.jobs.submit(kind, work)

    # ---------------------------------------------------------------- pages

    def _page(request: Request, name: str, **context) -> HTMLResponse:
        lang = choose_language(request)
        response = templates.TemplateResponse(
            request,
            name,
            {
                "t": STRINGS[lang],
                "lang": lang,
                "admin_enabled": settings.admin_token is not None,
                **context,
            },
        )
        if request.query_params.get("lang") in STRINGS:
            response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        service = state.service
        docs = service.documents() if service else []
        years = sorted({y for d in docs for y in d.covered_years}, reverse=True)
        return _page(request, "index.html", examples=EXAMPLE_QUESTIONS, years=years, documents=docs)

    @app.get("/documents", response_class=HTMLResponse, include_in_schema=False)
    def documents_page(request: Request) -> HTMLResponse:
        service = state.require_service()
        failure = state.jobs.latest_failure()
        return _page(
            request,
            "documents.html",
            documents=service.documents(),
            dropped=service.index.manifest.dropped_duplicates,
            failure=failure,
        )

    @app.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
    def document_page(request: Request, doc_id: str, hl: str | None = None) -> HTMLResponse:
        service = state.require_service()
        try:
            doc = service.document(doc_id)
        except BadInputError:
            return RedirectResponse("/documents", status_code=303)
        parts = _highlight(doc.text, hl)
        first_hl = next((i for i, (_, marked) in enumerate(parts) if marked), -1)
        return _page(
            request,
            "document.html",
            doc=doc,
            parts=parts,
            first_hl=first_hl,
            sections=_sections(service, doc_id),
        )

    return app


def _warm_up(service: QAService) -> None:
    """Load the embedder now, so the first question does not pay for it."""
    warm = getattr(service.embedder, "warm_up", None)
    if warm:
        warm()


def _sections(service: QAService, doc_id: str) -> list[dict]:
    sections: dict[str, dict] = {}
    for chunk in service.index.chunks:
        if chunk.doc_id != doc_id:
            continue
        entry = sections.setdefault(
            chunk.section,
            {
                "section": chunk.section,
                "start": chunk.start,
                "end": chunk.end,
                "years": chunk.years,
            },
        )
        entry["start"] = min(entry["start"], chunk.start)
        entry["end"] = max(entry["end"], chunk.end)
    return sorted(sections.values(), key=lambda s: s["start"])


def _highlight(text: str, hl: str | None) -> list[tuple[str, bool]]:
    """The document text cut into (piece, highlighted) parts for a `start-end[,start-end]` range."""
    ranges = []
    for part in (hl or "").split(","):
        try:
            start, end = (int(x) for x in part.split("-"))
        except ValueError:
            continue
        if 0 <= start < end <= len(text):
            ranges.append((start, end))
    parts, cursor = [], 0
    for start, end in sorted(ranges):
        if start < cursor:
            continue
        parts.append((text[cursor:start], False))
        parts.append((text[start:end], True))
        cursor = end
    parts.append((text[cursor:], False))
    return [p for p in parts if p[0]]
