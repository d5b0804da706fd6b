"""What the routes share, as FastAPI dependencies: the app state, the service, a valid
question, the admin token check."""

from __future__ import annotations

import hmac
import unicodedata
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, HTTPException, Request
from pydantic import BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from app.converse.chat import check_writer
from app.converse.store import ConversationStore
from app.domain import AskOptions, checked_question
from app.errors import XuhuiQAError
from app.service import QAService
from app.settings import Settings
from app.web.gate import GenerationGate
from app.web.jobs import JobRunner

# A question must hold a visible character; what JSON Schema cannot say (a question of
# only zero-width characters or Hangul fillers, a lone surrogate) is still refused with
# 422 by `checked_question`.
QUESTION_PATTERN = r"\S"
NOT_TEXT = "holds characters that are not valid text"


def _text_only(value: object) -> object:
    """A string with a lone surrogate is refused here: it cannot be stored, searched or
    echoed in an error's JSON (where it would be a 500)."""
    if isinstance(value, str) and any(unicodedata.category(c) == "Cs" for c in value):
        raise PydanticCustomError("not_text", NOT_TEXT)
    return value


# Text a client sends (an id, a chat message): never a lone surrogate.
ValidText = Annotated[str, BeforeValidator(_text_only)]


class Problem(BaseModel):
    """Every error: a sentence saying what went wrong (or, for a malformed request,
    FastAPI's list of field errors)."""

    detail: str | list[dict[str, Any]]


# The errors every API route may answer, documented once for the schema.
PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": description}
    for status, description in {
        401: "wrong or missing admin token",
        403: "admin endpoints are off, or the conversation is another client's (read-only)",
        404: "no such document, job or file",
        409: "conflicts with the library as it is",
        413: "request body too large",
        422: "the request is not valid (empty question, bad file, field errors)",
        499: "the client closed the request",
        502: "the model server failed",
        503: "busy (with Retry-After), not ready, or the model is missing",
        504: "the answer took longer than its time limit",
        507: "the data folder cannot be written (full disk, read-only)",
    }.items()
}


class AskRequest(BaseModel):
    question: str = Field(
        min_length=1,
        pattern=QUESTION_PATTERN,
        description="The question, in Chinese or English.",
    )
    mode: Literal["llm", "extractive"] | None = Field(None, description="Answer mode.")
    year: int | None = Field(None, ge=1990, le=2100, description="Only passages about this year.")
    doc_id: ValidText | None = Field(None, description="Only passages of this document.")
    conversation_id: ValidText | None = Field(
        None,
        max_length=64,
        description="Follow up in this conversation (its id came with an earlier answer); "
        "without it the question starts a new one.",
    )

    @property
    def options(self) -> AskOptions:
        return AskOptions(mode=self.mode, year=self.year, doc_id=self.doc_id)


class Timeout(XuhuiQAError):
    """A generation ran past its time limit."""


class AppState:
    """What the routes share: the service (swappable), the model gate, the jobs."""

    def __init__(self, settings: Settings, service: QAService | None) -> None:
        self.settings = settings
        self.service = service
        self.gate = GenerationGate(settings.max_queue)
        self.jobs = JobRunner(lambda: self.service.store if self.service else None)
        self.load_error: str | None = None
        self.model_state = "not loaded"  # warming | ready | failed: … (start-up warm-up)
        self.reconciling: str | None = None  # why, while the start-up reconcile runs
        # Files the index in service still holds though a crash interrupted their delete:
        # nothing is served until the start-up reconcile has dropped them.
        self.withheld: list[str] = []

    def require_service(self) -> QAService:
        if self.service is None:
            raise HTTPException(
                503,
                detail=self.load_error or "the service is starting",
                headers={"Retry-After": "5"},
            )
        if self.withheld:
            files = ", ".join(self.withheld)
            raise HTTPException(
                503,
                detail=f"finishing the removal of {files}, which a crash interrupted",
                headers={"Retry-After": "5"},
            )
        return self.service

    def check_document(self, doc_id: str | None) -> None:
        """404 (NotFoundError) for a document id the library does not hold, before the
        request waits for the model."""
        self.require_service().check_document(doc_id)

    def require_store(self) -> ConversationStore:
        """The conversation store; its calls are 503 while it cannot be used (answers still
        work)."""
        return self.require_service().store

    def check_conversation(self, conversation_id: str | None, owner: str | None) -> None:
        """Before a question is asked in a conversation: 404 (NotFoundError) when the store
        does not hold it, 403 (ReadOnlyError) when `owner` did not start it, 503
        (ContextUnreadableError) when the store cannot be read just now (a follow-up is not
        answered without its earlier turns, nor written unchecked)."""
        check_writer(self.require_service().store, conversation_id, owner)

    def uses_model(self, mode: str | None) -> bool:
        """Whether an answer in this mode needs the (one-at-a-time) model."""
        service = self.require_service()
        return (mode or self.settings.answer_mode) == "llm" and service.llm is not None


def get_state(request: Request) -> AppState:
    return request.app.state.qa


def get_owner(request: Request) -> str | None:
    """The asker's owner key (`app.web.owner`): it owns the conversations it starts."""
    return request.scope.get("state", {}).get("owner")


def get_settings(state: AppState = Depends(get_state)) -> Settings:
    return state.settings


def valid_question(text: str, settings: Settings) -> str:
    """The question as `checked_question` leaves it; BadInputError (422) when it is not
    text, holds nothing visible, or is too long."""
    return checked_question(text, settings.max_question_chars)


def admin_problem(
    settings: Settings, authorization: str | None, x_admin_token: str | None
) -> tuple[int, str] | None:
    """(status, reason) when a request may not use the admin endpoints, else None."""
    if settings.admin_token is None:
        return 403, "admin endpoints are off (no XUHUI_ADMIN_TOKEN set)"
    given = x_admin_token or (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), settings.admin_token.encode()):
        return 401, "wrong or missing admin token"
    return None


def require_admin(
    settings: Settings = Depends(get_settings),
    authorization: str | None = Header(None),
    x_admin_token: str | None = Header(None),
) -> None:
    """The admin token, as `X-Admin-Token` or `Authorization: Bearer`; 403 when admin is off.
    (`app.web.limits` checks the same before a body is read.)"""
    problem = admin_problem(settings, authorization, x_admin_token)
    if problem:
        raise HTTPException(problem[0], detail=problem[1])
