"""One turn of a conversation: read the question against the earlier turns, answer the
standalone question, and remember the turn (question, reading, answer, citations,
timings, outcome) in the store."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

from app.answer.answerer import Answerer
from app.answer.decision import Outcome
from app.converse.followup import Resolution, resolve
from app.converse.store import Conversation, ConversationStore, Turn, new_id
from app.domain import Answer, AskOptions
from app.errors import BadInputError, ContextUnreadableError, StoreUnavailable

log = logging.getLogger(__name__)


def outcome_of(answer: Answer) -> str:
    """answered | refused | repaired: answered after the checks set the model's draft aside
    (a first look withdrawn and a second one answered, or an English rendering that failed
    its check replaced by the checked Chinese answer)."""
    if answer.refused:
        return "refused"
    verification = answer.verification
    if verification.get("looks") == 2 or verification.get("outcome") == Outcome.KEPT_CHINESE.value:
        return "repaired"
    return "answered"


def _unreadable(exc: StoreUnavailable) -> ContextUnreadableError:
    return ContextUnreadableError(
        f"the earlier turns of this conversation could not be read ({exc}), so the "
        "question was not answered on its own; ask it again in a moment, or start a new "
        "conversation"
    )


def read_conversation(store: ConversationStore, conversation_id: str) -> Conversation:
    """A stored conversation (404 if unknown); ContextUnreadableError when the store cannot
    be read: a follow-up is never answered as if nothing came before it."""
    try:
        return store.conversation(conversation_id)
    except StoreUnavailable as exc:
        raise _unreadable(exc) from exc


@dataclass(frozen=True)
class Place:
    """Where a turn is stored: its id, its conversation (None: a new one), the channel it
    came by, and the asker's key (who owns a new conversation, and must own an old one)."""

    turn_id: str
    conversation_id: str | None
    channel: str
    owner: str | None = None


def check_writer(store: ConversationStore, conversation_id: str | None, owner: str | None) -> None:
    """Before a question is asked in `conversation_id`: NotFoundError (404) when the store
    does not hold it, ReadOnlyError (403) when `owner` did not start it, and
    ContextUnreadableError (503) when the store cannot be read just now: a follow-up is
    neither written unchecked into someone's conversation nor answered without its earlier
    turns. A new conversation (None) is not checked: a store that cannot be used costs its
    memory, never its answer."""
    if conversation_id is None:
        return
    try:
        store.check_writable(conversation_id, owner)
    except StoreUnavailable as exc:
        raise _unreadable(exc) from exc


def earlier_questions(
    store: ConversationStore, conversation_id: str | None, max_turns: int
) -> list[str]:
    """The resolved questions of a stored conversation, oldest first (404 if unknown,
    422 when it is full, 503 when the store cannot be read)."""
    if conversation_id is None:
        return []
    turns = read_conversation(store, conversation_id).turns
    if len(turns) >= max_turns:
        raise BadInputError(
            f"the conversation has {len(turns)} turns, the most one may hold; start a new one"
        )
    return [t.resolved for t in turns if t.outcome != "error"]


def resolve_history(answerer: Answerer, questions: list[str]) -> list[str]:
    """Earlier user questions (as a chat client sends them) read one after another, by code."""
    resolved: list[str] = []
    for question in questions:
        resolved.append(resolve(question, resolved, answerer.retriever.analyse).question)
    return resolved


def answer_turn(
    answerer: Answerer,
    store: ConversationStore,
    question: str,
    *,
    conversation_id: str | None = None,
    history: list[str] | None = None,
    channel: str = "api",
    options: AskOptions | None = None,
    max_turns: int = 100,
    turn_id: str | None = None,
    owner: str | None = None,
) -> Iterator[tuple[str, object]]:
    """("resolved", Resolution), ("token", text)…, then ("answer", Answer) with its turn id.

    `history` (earlier questions as the client sent them) stands in for a stored
    conversation; without either the question starts a new conversation. `turn_id` is the
    id the turn is stored under, when the caller has named it already (a streamed reply
    carries it from its first chunk); by default a new one. `owner` is the asker's key: a
    new conversation is theirs, and an old one must be (ReadOnlyError otherwise)."""
    where = Place(turn_id or new_id("t"), conversation_id, channel, owner)
    check_writer(store, where.conversation_id, where.owner)
    started = time.perf_counter()
    previous = (
        resolve_history(answerer, history)
        if history is not None
        else earlier_questions(store, conversation_id, max_turns)
    )
    options = options or AskOptions()
    mode = options.mode or answerer.settings.answer_mode
    use_model = answerer.llm is not None and mode == "llm"
    rewrite = answerer.rewrite if use_model else None
    resolution = resolve(question, previous, answerer.retriever.analyse, rewrite)
    resolved_ms = round((time.perf_counter() - started) * 1000, 1)
    yield "resolved", resolution
    answer: Answer | None = None
    try:
        for kind, payload in answerer.ask_stream(resolution.question, options):
            if kind == "answer":
                answer = payload
            else:
                yield kind, payload
    except Exception as exc:
        _remember(store, where, question, resolution, None, started, exc)
        raise
    assert answer is not None
    answer.timings["resolve_ms"] = resolved_ms
    answer.timings["total_ms"] = round(answer.timings.get("total_ms", 0) + resolved_ms, 1)
    answer.resolution = resolution.to_dict()
    turn = _remember(store, where, question, resolution, answer, started)
    if turn is not None:
        answer.conversation_id, answer.turn_id = turn.conversation_id, turn.turn_id
    yield "answer", answer


def _remember(
    store: ConversationStore,
    where: Place,
    question: str,
    resolution: Resolution,
    answer: Answer | None,
    started: float,
    error: Exception | None = None,
) -> Turn | None:
    """Store the turn at `where`; a store that cannot be written costs the memory, never
    the answer."""
    turn = Turn(
        turn_id=where.turn_id,
        conversation_id=where.conversation_id or "",
        position=0,
        created=time.time(),
        question=question,
        resolved=resolution.question,
        resolved_by=resolution.how,
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
    )
    if answer is not None:
        turn.answer = answer.answer
        turn.refused = answer.refused
        turn.outcome = outcome_of(answer)
        turn.mode = answer.mode
        turn.citations = answer.citations
        turn.verification = answer.verification
        turn.timings = answer.timings
    else:
        turn.outcome, turn.error = "error", f"{type(error).__name__}: {error}"
    try:
        if not turn.conversation_id:
            turn.conversation_id = store.create_conversation(where.channel, where.owner)
        return store.add_turn(turn)
    except StoreUnavailable as exc:
        log.warning("turn not remembered: %s", exc)
        return None
