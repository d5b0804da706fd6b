"""The web app: settings → state → routers. Routes validate, call the service in a worker
thread, and turn domain errors into HTTP errors; nothing deeper knows about HTTP."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from app import __version__
from app.errors import (
    BackendUnavailable,
    BadInputError,
    BusyError,
    ConflictError,
    DocumentTooLargeError,
    IndexMissingError,
    LLMError,
    ModelMissingError,
    NotFoundError,
    ReadOnlyError,
    StorageError,
    StoreUnavailable,
)
from app.models.embedder import Embedder
from app.models.llm import LLM
from app.service import QAService, build_service
from app.settings import Settings
from app.web.deps import NOT_TEXT, AppState, Timeout
from app.web.limits import RequestGuard
from app.web.owner import OwnerKey
from app.web.routes import (
    admin,
    answers,
    conversations,
    documents,
    health,
    openai_api,
    pages,
)

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
ERROR_STATUS = {
    BadInputError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    DocumentTooLargeError: 413,
    ReadOnlyError: 403,
    Timeout: 504,
    LLMError: 502,
    ModelMissingError: 503,
    StorageError: 507,
    StoreUnavailable: 503,
    BackendUnavailable: 503,
}


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
        warn_about_admin_token(settings)
        if state.service is None:
            try:
                state.service = await run_in_threadpool(
                    build_service, settings, embedder=embedder, llm=llm, build_if_missing=True
                )
                await run_in_threadpool(warm_up, state.service)
                start_model_warm_up(state)
            except (IndexMissingError, ModelMissingError, BackendUnavailable) as exc:
                state.load_error = str(exc)
                log.error("not ready: %s", exc)
        if state.service is not None:
            start_reconcile(state)
        stop = start_following(state)
        try:
            async with mcp.session_manager.run():
                yield
        finally:
            stop.set()
            if state.service is not None:
                state.service.store.close()  # its connections, if it holds any

    # FastAPIOffline: /docs and /redoc load their scripts from the package, not a CDN.
    app = FastAPIOffline(
        title="Xuhui Report QA",
        version=__version__,
        description="Answers about the Xuhui District government work reports, with cited passages.",
        lifespan=lifespan,
    )
    app.state.qa = state
    mcp = mount_mcp(app, state)
    app.add_middleware(OwnerKey)
    app.add_middleware(RequestGuard, settings=settings)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in (health, answers, conversations, openai_api, documents, admin, pages):
        app.include_router(router.router)

    @app.exception_handler(BusyError)
    async def busy(request: Request, exc: BusyError):
        headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse({"detail": str(exc)}, status_code=503, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        # One sentence, without echoing the input: a lone surrogate in it cannot even be
        # encoded as JSON (and would be a 500).
        return JSONResponse({"detail": validation_message(exc.errors())}, status_code=422)

    app.add_exception_handler(StarletteHTTPException, http_error)
    for error, status in ERROR_STATUS.items():
        app.add_exception_handler(error, _status_handler(status))
    return app


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """FastAPI's HTTP errors, with two corrected: a JSON body that is not UTF-8 is a 422
    like any other body that is not JSON (FastAPI made it an undocumented 400), and a 405
    names in `Allow` every method the path takes (Starlette named only its first route's:
    GET for /api/ask/stream, which takes POST too)."""
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        return JSONResponse({"detail": "the request body is not UTF-8 JSON"}, status_code=422)
    if exc.status_code == 405:
        exc.headers = {**(exc.headers or {}), "Allow": allowed_methods(request)}
    return await http_exception_handler(request, exc)


def allowed_methods(request: Request) -> str:
    """The methods of every route whose path is the request's (the routers' routes too)."""
    path = request.scope["path"]
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.path and route.methods and compile_path(route.path)[0].match(path):
            methods |= route.methods
    return ", ".join(sorted(methods))


def warn_about_admin_token(settings: Settings) -> None:
    """Say at start-up when admin is off, or its token is easy to guess."""
    if settings.admin_token is None:
        log.warning("admin endpoints are off: set XUHUI_ADMIN_TOKEN to enable upload and re-index")
    elif settings.admin_token_weakness:
        log.warning(
            "the admin token is weak (%s): whoever guesses it can upload and delete documents; "
            "set XUHUI_ADMIN_TOKEN to a long random one, such as the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(24))'`",
            settings.admin_token_weakness,
        )


EMPTY_QUESTION = {"string_too_short", "string_pattern_mismatch", "missing"}
# A lone surrogate: refused by `ValidText`, or by pydantic itself where a field has a limit.
NOT_TEXT_ERRORS = {"not_text", "string_unicode"}


def validation_message(errors: list[dict]) -> str:
    """FastAPI's field errors as one sentence a person can act on."""
    parts = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query")]
        if loc[-1:] in (["question"], ["q"]) and error.get("type") in EMPTY_QUESTION:
            parts.append("the question is empty")
        elif loc == ["file"] and error.get("type") == "missing":  # an empty upload is none
            parts.append("the file is empty or missing: send it as the multipart field 'file'")
        elif error.get("type") in NOT_TEXT_ERRORS:
            parts.append(f"{'.'.join(loc) or 'request'}: {NOT_TEXT}")
        else:
            parts.append(f"{'.'.join(loc) or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(dict.fromkeys(parts))


def _status_handler(status: int):
    async def handler(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status)

    return handler


def start_reconcile(state: AppState) -> None:
    """Finish, in the background, the corpus changes a crash left open (`/readyz` is not
    ready meanwhile, and says why)."""
    service = state.service
    problem = service.library_problem()
    if problem is None:
        return
    log.warning("the corpus and the index disagree: %s; reconciling", problem)
    state.reconciling = problem
    # A document deleted or gone is not served from the old index meanwhile.
    state.withheld = service.withdrawn()

    def work(progress) -> str:
        try:
            return service.reconcile(progress)
        finally:
            state.reconciling = None
            state.withheld = []

    state.jobs.submit("reconcile", work)


def start_following(state: AppState) -> threading.Event:
    """Look every `follow_interval_s` for a build another process put in service (another
    replica on the same index folder re-indexed) and serve it; set the event to stop."""
    stop = threading.Event()
    interval = state.settings.follow_interval_s
    if not interval:
        return stop

    def run() -> None:
        while not stop.wait(interval):
            service = state.service
            if service is None:
                continue
            try:
                service.follow()
            except Exception:  # a look that failed is logged; the next one tries again
                log.exception("looking for a newer build failed")

    threading.Thread(target=run, name="follow-builds", daemon=True).start()
    return stop


def start_model_warm_up(state: AppState) -> None:
    """Load the model and its prompt prefix in the background: the service is ready (search,
    extractive answers) meanwhile, and the first question does not pay for the load."""

    def run() -> None:
        state.model_state = "warming"
        started = time.perf_counter()
        try:
            state.service.warm_up_model()
        except Exception as exc:  # said on /readyz; questions then report it themselves
            state.model_state = f"failed: {exc}"
            log.warning("the model did not warm up: %s", exc)
            return
        state.model_state = "ready"
        log.info("model and prompt prefix ready in %.1f s", time.perf_counter() - started)

    threading.Thread(target=run, name="model-warm-up", daemon=True).start()


def warm_up(service: QAService) -> None:
    """Load the embedder now, so the first question does not pay for it."""
    warm = getattr(service.embedder, "warm_up", None)
    if warm:
        warm()


def mount_mcp(app: FastAPI, state: AppState):
    """The MCP tools over streamable HTTP at /mcp, sharing this app's service and its queue
    for the model; the same keys as /v1 (open unless `chat_open` is off)."""
    from starlette.routing import Route

    from app.domain import final_answer
    from app.mcp_server import build_mcp
    from app.web.deps import AskRequest
    from app.web.streaming import answer_events

    def ask(question, history, mode, year, doc_id):
        state.check_document(doc_id)  # before it waits in line for the model
        request = AskRequest(question=question, mode=mode, year=year, doc_id=doc_id)
        events = answer_events(state, request, threading.Event(), channel="mcp", history=history)
        return final_answer(events)

    mcp = build_mcp(state.require_service, ask)
    http = mcp.streamable_http_app(
        streamable_http_path="/mcp", stateless_http=True, host=state.settings.host
    )
    for route in http.routes:
        if isinstance(route, Route):
            app.router.routes.append(
                Route(route.path, endpoint=KeyedEndpoint(route.endpoint, state))
            )
    return mcp


class KeyedEndpoint:
    """An ASGI endpoint behind the chat key check (a class, so Starlette routes every
    method to it as an ASGI app)."""

    def __init__(self, endpoint, state: AppState) -> None:
        self.endpoint = endpoint
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        from app.web.routes.openai_api import chat_key_problem

        headers = dict(scope.get("headers") or [])
        authorization = headers.get(b"authorization", b"").decode("latin-1") or None
        problem = chat_key_problem(self.state.settings, authorization)
        if problem:
            await JSONResponse({"detail": problem}, status_code=401)(scope, receive, send)
            return
        await self.endpoint(scope, receive, send)
