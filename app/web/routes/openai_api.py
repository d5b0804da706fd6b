"""An OpenAI-compatible chat endpoint, so any chat client (Open WebUI, Cherry Studio,
ChatBox, the `openai` SDK) can ask the reports.

The `messages` array is the conversation: earlier user turns are read, by code, into the
standalone questions they asked, and the last one is answered as a follow-up of them.
The reply's text carries the `[n]` markers and a numbered list of its sources; the
citations also come back as a structured field (`citations`, with `refused` and the
resolved question), so no client loses them. Only the verified answer is ever sent: a
streamed reply opens at once (an empty assistant delta) and carries the answer once it
has passed its checks, never the model's unchecked draft.

The response id is `chatcmpl-<answer id>`: feedback on it goes to
`POST /api/answers/{id}/feedback`.
"""

from __future__ import annotations

import hmac
import json
import time
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from app import __version__
from app.converse.store import new_id
from app.domain import Answer
from app.errors import XuhuiQAError
from app.settings import Settings
from app.web.deps import (
    PROBLEMS,
    AppState,
    AskRequest,
    ValidText,
    get_owner,
    get_settings,
    get_state,
    valid_question,
)
from app.web.gate import BusyError
from app.web.routes.answers import run_answer
from app.web.routes.conversations import RESPONSE_PREFIX

router = APIRouter(tags=["openai"], responses=PROBLEMS)
MODEL_ID = "xuhui-qa"
STREAM_PIECE = 24  # characters per streamed delta of the verified answer


def chat_key_problem(settings: Settings, authorization: str | None) -> str | None:
    """Why a request may not use /v1 or /mcp, or None: open unless `chat_open` is off, then
    the admin token or one of `chat_keys` as a Bearer key."""
    if settings.chat_open:
        return None
    given = (authorization or "").removeprefix("Bearer ").strip().encode()
    keys = [k for k in [settings.admin_token, *settings.chat_keys] if k]
    if any(hmac.compare_digest(given, key.encode()) for key in keys):
        return None
    return "a valid key is required (Authorization: Bearer …)"


def require_chat_key(
    settings: Settings = Depends(get_settings), authorization: str | None = Header(None)
) -> None:
    problem = chat_key_problem(settings, authorization)
    if problem:
        raise HTTPException(401, detail=problem)


class Part(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str = "text"
    text: ValidText | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: ValidText | list[Part] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's chat request; sampling fields are accepted and ignored (answers are greedy
    and verified). `mode`, `year`, `doc_id` and `conversation_id` are this service's own
    (send them with the SDK's `extra_body`)."""

    model_config = ConfigDict(extra="allow")
    model: str | None = None
    messages: list[Message] = Field(
        min_length=1,
        description="The conversation, oldest first. The question answered is the last user "
        "message; after it may come tool, function, system or developer messages and assistant "
        "messages without text (tool calls), which are not read. An assistant reply with text "
        "after it, or no user message at all, is a 422: there is no question to answer.",
    )
    stream: bool = False
    mode: Literal["llm", "extractive"] | None = None
    year: int | None = Field(None, ge=1990, le=2100)
    doc_id: ValidText | None = None
    conversation_id: ValidText | None = Field(None, max_length=64)


@router.get("/v1/models", dependencies=[Depends(require_chat_key)])
def models() -> dict:
    """The one model this endpoint serves: the reports, answered with citations."""
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "xuhui-qa"}],
    }


@router.post("/v1/chat/completions", dependencies=[Depends(require_chat_key)])
async def chat_completions(
    request: Request, body: ChatRequest, state: AppState = Depends(get_state)
) -> Any:
    """Answer the last user message as a follow-up of the earlier ones."""
    history, question = _conversation(body, state.settings)
    ask = AskRequest(
        question=question,
        mode=body.mode,
        year=body.year,
        doc_id=body.doc_id,
        conversation_id=body.conversation_id,
    )
    state.check_document(ask.doc_id)
    state.check_conversation(ask.conversation_id, get_owner(request))
    base = str(request.base_url).rstrip("/")
    if not body.stream:
        answer = await run_answer(
            request, state, ask, channel="openai", history=None if ask.conversation_id else history
        )
        return completion(answer, base)
    if state.uses_model(ask.mode) and state.gate.full():
        raise BusyError(state.gate.retry_after)
    return StreamingResponse(
        _stream(request, state, ask, None if ask.conversation_id else history, base),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )


def _question_at(messages: list[Message]) -> int:
    """Where the question is: the last user message, when nothing after it answers it."""
    for at in range(len(messages) - 1, -1, -1):
        if messages[at].role == "user":
            return at
        if messages[at].role == "assistant" and messages[at].text().strip():
            break  # a reply after the last question: nothing is left to answer
    raise HTTPException(
        422,
        detail="the last message must be the user's question (only tool, function, system or "
        "developer messages, or an assistant's tool calls, may follow it)",
    )


def _conversation(body: ChatRequest, settings: Settings) -> tuple[list[str], str]:
    """(earlier user questions, the question): 422 when there is no question to answer or
    the history is longer than allowed."""
    at = _question_at(body.messages)
    question = valid_question(body.messages[at].text(), settings)
    earlier = [m.text() for m in body.messages[:at] if m.role == "user" and m.text().strip()]
    if len(earlier) >= settings.max_turns:
        raise HTTPException(
            422, detail=f"the conversation holds more than {settings.max_turns} questions"
        )
    size = sum(len(m.text()) for m in body.messages[:at])
    if size > settings.max_history_chars:
        raise HTTPException(
            422,
            detail=f"the earlier messages hold {size} characters, more than "
            f"{settings.max_history_chars}; start a new conversation",
        )
    return earlier, question


def reply_text(answer: Answer, base: str) -> str:
    """The answer with its `[n]` markers, then its numbered sources (for clients that show
    only the text)."""
    lines = [answer.answer]
    if answer.table.get("markdown"):
        lines += ["", answer.table["markdown"]]
    if answer.citations:
        lines.append("")
        for c in answer.citations:
            link = f"{base}/documents/{c['doc_id']}?hl={c['start']}-{c['end']}#hl"
            apart = " (not used: states it otherwise)" if c.get("conflict") else ""
            lines.append(
                f"[{c['n']}] {c['title']} · {c.get('label', '')}{apart} — “{c['quote']}” {link}"
            )
    return "\n".join(lines)


def _extras(answer: Answer) -> dict:
    return {
        "citations": answer.citations,
        "points": answer.points,
        "table": answer.table,
        "refused": answer.refused,
        "resolved_question": answer.resolution.get("question", answer.question),
        "conversation_id": answer.conversation_id,
        "answer_id": answer.turn_id,
    }


def _response_id(answer: Answer) -> str:
    return f"{RESPONSE_PREFIX}{answer.turn_id or f'unsaved-{time.time_ns()}'}"


def completion(answer: Answer, base: str) -> dict:
    """A `chat.completion` object, with this service's fields beside OpenAI's."""
    return {
        "id": _response_id(answer),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL_ID,
        "system_fingerprint": f"xuhui-qa-{__version__}",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply_text(answer, base)},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        **_extras(answer),
    }


async def _stream(request: Request, state: AppState, ask: AskRequest, history, base: str):
    """`chat.completion.chunk` events: the role at once, the verified answer in pieces, a
    closing chunk with the citations, then `[DONE]`. Every chunk has the same id, the
    answer's: the turn's id is chosen before the answer exists, so the first chunk already
    carries the id that takes feedback."""
    created = int(time.time())
    turn_id = new_id("t")

    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        data = {
            "id": f"{RESPONSE_PREFIX}{turn_id}",
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL_ID,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    try:
        answer = await run_answer(
            request, state, ask, channel="openai", history=history, turn_id=turn_id
        )
    except (HTTPException, BusyError, XuhuiQAError) as exc:
        message = str(getattr(exc, "detail", exc))
        yield f"data: {json.dumps({'error': {'message': message}}, ensure_ascii=False)}\n\n"
        return
    text = reply_text(answer, base)
    for start in range(0, len(text), STREAM_PIECE):
        yield chunk({"content": text[start : start + STREAM_PIECE]})
    yield chunk({}, "stop", **_extras(answer))
    yield "data: [DONE]\n\n"
