"""Conversations, answers and feedback; the question log for the administrator.

A conversation's id is its key to read: it is long and random, comes only with the answers
of that conversation, and is what lets a client read the conversation back (its link is
read-only). Writing to it (a question, feedback) needs the owner key of the client that
started it (`app.web.owner`). Listing every question asked (the log) needs the admin token.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.converse.export import conversation_markdown, turn_markdown
from app.converse.store import OUTCOMES, ConversationStore, log_csv, log_jsonl, log_rows
from app.web.deps import PROBLEMS, AppState, get_owner, get_state, require_admin

router = APIRouter(tags=["conversations"], responses=PROBLEMS)
MARKDOWN = {200: {"content": {"text/markdown": {"schema": {"type": "string"}}}}}
LOG_FORMATS = {
    200: {
        "description": "JSON, or the log as CSV or JSON Lines (`format`)",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}
# The OpenAI-compatible endpoint names its responses "chatcmpl-<answer id>".
RESPONSE_PREFIX = "chatcmpl-"


class Feedback(BaseModel):
    rating: Literal["up", "down"] = Field(description="👍 (up) or 👎 (down).")
    comment: str = Field("", max_length=2000, description="What was wrong or right, optional.")


def get_store(state: AppState = Depends(get_state)) -> ConversationStore:
    return state.require_store()


def answer_id(turn_id: str) -> str:
    """An answer id as this API gives it, or as the OpenAI-compatible endpoint does."""
    return turn_id.removeprefix(RESPONSE_PREFIX)


@router.post("/api/conversations", status_code=201)
async def create(
    store: ConversationStore = Depends(get_store), owner: str | None = Depends(get_owner)
) -> dict:
    """Start an empty conversation, the asker's own; ask in it with `conversation_id`."""
    conversation_id = await run_in_threadpool(store.create_conversation, "api", owner)
    return {"conversation_id": conversation_id}


@router.get("/api/conversations/{conversation_id}")
async def conversation(
    conversation_id: str,
    store: ConversationStore = Depends(get_store),
    owner: str | None = Depends(get_owner),
) -> dict:
    """A conversation's turns: questions, how each was read, answers, citations, feedback;
    `writable`: whether the asker may add to it (it started it)."""
    found = await run_in_threadpool(store.conversation, conversation_id)
    writable = await run_in_threadpool(store.writable, conversation_id, owner)
    return {**found.to_dict(), "writable": writable}


@router.get("/api/conversations/{conversation_id}/export.md", responses=MARKDOWN)
async def export_conversation(
    conversation_id: str, store: ConversationStore = Depends(get_store)
) -> Response:
    """The whole conversation as Markdown, with its citations."""
    found = await run_in_threadpool(store.conversation, conversation_id)
    return _markdown(conversation_markdown(found), f"conversation-{conversation_id}.md")


@router.get("/api/answers/{turn_id}")
async def answer(turn_id: str, store: ConversationStore = Depends(get_store)) -> dict:
    """One stored answer (also by the OpenAI-compatible endpoint's response id)."""
    return (await run_in_threadpool(store.turn, answer_id(turn_id))).to_dict()


@router.get("/api/answers/{turn_id}/export.md", responses=MARKDOWN)
async def export_answer(turn_id: str, store: ConversationStore = Depends(get_store)) -> Response:
    """One answer as Markdown, with its citations."""
    turn = await run_in_threadpool(store.turn, answer_id(turn_id))
    return _markdown(turn_markdown(turn, heading="#"), f"answer-{turn.turn_id}.md")


@router.post("/api/answers/{turn_id}/feedback")
async def feedback(
    turn_id: str,
    body: Feedback,
    store: ConversationStore = Depends(get_store),
    owner: str | None = Depends(get_owner),
) -> dict:
    """👍/👎 with an optional comment on an answer; a second one replaces the first. Only
    the client that started the answer's conversation may give it (403 for others)."""
    await run_in_threadpool(
        lambda: store.set_feedback(
            answer_id(turn_id), body.rating, body.comment.strip(), owner=owner
        )
    )
    return {"turn_id": answer_id(turn_id), "rating": body.rating}


@router.get("/api/admin/log", dependencies=[Depends(require_admin)], responses=LOG_FORMATS)
async def question_log(
    outcome: Literal["answered", "refused", "repaired", "error"] | None = None,
    rating: Literal["up", "down", "none"] | None = Query(
        None, description="Feedback given: up, down, or none."
    ),
    q: str | None = Query(None, max_length=200, description="Words in the question or comment."),
    limit: int = Query(200, ge=1, le=10000),
    format: Literal["json", "csv", "jsonl"] = "json",
    store: ConversationStore = Depends(get_store),
) -> Response:
    """Recent questions with their outcome, latency and feedback, newest first; as JSON,
    CSV or JSONL. This is how to find what the reports could not answer."""
    turns = await run_in_threadpool(store.log, outcome=outcome, rating=rating, text=q, limit=limit)
    if format == "csv":
        return _download(log_csv(turns), "text/csv; charset=utf-8", "questions.csv")
    if format == "jsonl":
        return _download(log_jsonl(turns), "application/x-ndjson", "questions.jsonl")
    return JSONResponse({"outcomes": list(OUTCOMES), "turns": log_rows(turns)})


def _markdown(text: str, filename: str) -> Response:
    return _download(text, "text/markdown; charset=utf-8", filename)


def _download(text: str, media_type: str, filename: str) -> Response:
    return Response(
        text,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
