"""Questions: a whole answer, a streamed answer, and search without an answer."""

from __future__ import annotations

import asyncio
import threading
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from app.domain import Answer, final_answer
from app.web.deps import (
    PROBLEMS,
    QUESTION_PATTERN,
    AppState,
    AskRequest,
    get_owner,
    get_state,
    valid_question,
)
from app.web.streaming import answer_events, sse_answer

router = APIRouter(tags=["answers"], responses=PROBLEMS)
DISCONNECT_POLL_S = 0.5


def checked(body: AskRequest, request: Request, state: AppState = Depends(get_state)) -> AskRequest:
    """The request with its question stripped and checked (422 when empty or too long), its
    document known (404) and its conversation the asker's own (404, 403)."""
    body.question = valid_question(body.question, state.settings)
    state.check_document(body.doc_id)
    state.check_conversation(body.conversation_id, get_owner(request))
    return body


@router.post("/api/ask")
async def ask(
    request: Request, body: AskRequest = Depends(checked), state: AppState = Depends(get_state)
) -> dict:
    """A verified answer with citations, retrieved passages and timings (as `xuhui-qa ask --json`);
    with `conversation_id` and `turn_id` to follow up and give feedback, and `resolution`
    (the standalone question a follow-up was read as).

    A client that goes away stops the answer (and frees the model) within a second."""
    return (await run_answer(request, state, body)).to_dict()


async def run_answer(
    request: Request,
    state: AppState,
    body: AskRequest,
    *,
    channel: str = "api",
    history: list[str] | None = None,
    turn_id: str | None = None,
) -> Answer:
    """The whole answer, in a worker thread; a client that leaves cancels it (499)."""
    cancel = threading.Event()

    def run() -> Answer | None:
        events = answer_events(
            state,
            body,
            cancel,
            channel=channel,
            history=history,
            turn_id=turn_id,
            owner=get_owner(request),
        )
        return final_answer(events)

    task = asyncio.ensure_future(run_in_threadpool(run))
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=DISCONNECT_POLL_S)
            if not task.done() and await request.is_disconnected():
                cancel.set()
        result = task.result()
    finally:
        cancel.set()
    if result is None:
        raise HTTPException(499, detail="the client closed the request")
    return result


SSE = {
    200: {
        "description": "Server-Sent Events: `resolved`, `token`, then `answer` (or `busy`, "
        "`error`); `checking` when the streamed tokens were refused and a second look follows",
        "content": {
            "text/event-stream": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "event": {
                            "enum": ["resolved", "token", "checking", "answer", "busy", "error"]
                        },
                        "data": {"type": "string", "description": "JSON"},
                    },
                }
            }
        },
    }
}


@router.get("/api/ask/stream", response_class=StreamingResponse, responses=SSE)
async def ask_stream_get(
    request: Request,
    question: str = Query(..., min_length=1, pattern=QUESTION_PATTERN, description="The question."),
    mode: Literal["llm", "extractive"] | None = None,
    year: int | None = Query(None, ge=1990, le=2100),
    doc_id: str | None = None,
    conversation_id: str | None = Query(None, max_length=64),
    state: AppState = Depends(get_state),
) -> StreamingResponse:
    """Server-Sent Events: `resolved` (the standalone question a follow-up was read as),
    `token` pieces as the model writes, then `answer` (the verified answer)."""
    body = AskRequest(
        question=question, mode=mode, year=year, doc_id=doc_id, conversation_id=conversation_id
    )
    return sse_answer(state, request, checked(body, request, state))


@router.post("/api/ask/stream", response_class=StreamingResponse, responses=SSE)
async def ask_stream_post(
    request: Request, body: AskRequest = Depends(checked), state: AppState = Depends(get_state)
) -> StreamingResponse:
    """As GET /api/ask/stream, with a JSON body."""
    return sse_answer(state, request, body)


@router.get("/api/figures", responses={200: {"content": {"text/csv": {}}}})
async def figures(
    indicator: str = Query(
        ..., min_length=1, max_length=100, description="As the reports name it."
    ),
    first: int = Query(..., alias="from", ge=1990, le=2100),
    last: int = Query(..., alias="to", ge=1990, le=2100),
    format: Literal["json", "csv"] = "json",
    state: AppState = Depends(get_state),
):
    """An indicator's figure for each year from the figures table, each row cited to its
    sentence (JSON, or CSV with `format=csv`)."""
    from app.figures.export import to_csv

    service = state.require_service()
    table = await run_in_threadpool(service.figures, indicator.strip(), first, last)
    if format == "csv":
        return Response(to_csv(table), media_type="text/csv; charset=utf-8")
    return table or {"indicator": indicator, "grouped": [], "rows": []}


@router.get("/api/search")
async def search(
    q: str = Query(
        ..., min_length=1, pattern=QUESTION_PATTERN, description="The question or words to search."
    ),
    k: int = Query(5, ge=1, le=20),
    year: int | None = Query(None, ge=1990, le=2100),
    doc_id: str | None = None,
    state: AppState = Depends(get_state),
) -> dict:
    """Top passages, without an answer."""
    question = valid_question(q, state.settings)
    state.check_document(doc_id)
    service = state.require_service()
    result = await run_in_threadpool(service.search, question, k=k, year=year, doc_id=doc_id)
    return {
        "question": question,
        "years": result.query.years,
        "passages": [p.to_dict() for p in result.passages],
    }
