"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from app.web.deps import AppState, get_state

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(state: AppState = Depends(get_state)) -> JSONResponse:
    """Models and index are loaded."""
    if state.service is None:
        return JSONResponse({"status": "not ready", "detail": state.load_error}, status_code=503)
    m = state.service.index.manifest
    return JSONResponse({"status": "ready", "documents": m.n_documents, "chunks": m.n_chunks})
