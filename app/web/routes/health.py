"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from app.web.deps import PROBLEMS, AppState, get_state

router = APIRouter(tags=["health"], responses=PROBLEMS)


@router.get("/healthz")
def healthz() -> dict:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(state: AppState = Depends(get_state)) -> JSONResponse:
    """Ready means it can answer: index and embedder loaded, its retrieval backend (Milvus)
    answering, and the model's file there.
    Without the model, search and extractive answers still work, and the reply says so;
    `conversations` says whether the conversation store works."""
    if state.service is None:
        return JSONResponse({"status": "not ready", "detail": state.load_error}, status_code=503)
    library = library_state(state) or state.service.index.backend.problem()
    if library is not None:
        return JSONResponse({"status": "not ready", "detail": library}, status_code=503)
    check = getattr(state.service.llm, "problem", None)
    problem = check() if check else None
    if problem:
        return JSONResponse(
            {"status": "not ready", "detail": problem, "still_working": ["search", "extractive"]},
            status_code=503,
        )
    m = state.service.index.manifest
    body = {"status": "ready", "documents": m.n_documents, "chunks": m.n_chunks}
    store = state.service.store
    # Answers do not need the conversation store: without it the service is ready but
    # forgets (no follow-ups by id, no log, no feedback), and says so.
    body["conversations"] = store.check() or "ok"
    body["model"] = state.model_state  # loaded in the background after start-up
    return JSONResponse(body)


def library_state(state: AppState) -> str | None:
    """Why the library is not ready: the start-up reconcile is running, or the corpus and
    the index disagree with no job under way to bring them together. While an upload or a
    delete is being indexed, the old index answers and the service is ready."""
    if state.reconciling:
        return f"reconciling the corpus and the index: {state.reconciling}"
    problem = state.service.library_problem()
    if problem and not state.jobs.active():
        return f"the corpus and the index disagree: {problem}; re-index to bring them together"
    return None
