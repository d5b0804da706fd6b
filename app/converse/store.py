"""The conversation store: conversations, their turns and feedback, and the state of the
index jobs, behind one interface.

`ConversationStore` is what the rest of the code uses; `open_store(settings)` picks its
back end: SQLite (`app.converse.store_sqlite`, one file on the data volume, the default)
or PostgreSQL (`app.converse.store_postgres`, when `XUHUI_DATABASE` is a postgresql://
URL). Both run the same queries (`app.converse.store_sql`) on the same schema, migrated by
the project at start-up.

The store never takes question answering down with it, and never turns itself off: a
database it cannot use just now (a file another process has locked, a server that does
not answer) is retried with backoff for `wait_s`, then that one call fails
(StoreUnavailable; `problem` says why, `/readyz` shows it) and answers go on without being
remembered; the next call tries again.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import secrets
import socket
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Protocol

from app.errors import StoreUnavailable
from app.text.spreadsheet import safe_cell

if TYPE_CHECKING:
    from app.settings import Settings

__all__ = [
    "Conversation",
    "ConversationStore",
    "Job",
    "StoreUnavailable",
    "Turn",
    "log_csv",
    "log_jsonl",
    "new_id",
    "open_store",
]

READ_ONLY = (
    "this conversation is read-only: only the client that started it can add questions or "
    "feedback to it; ask in a new conversation"
)
OUTCOMES = ("answered", "refused", "repaired", "error")
JOB_FIELDS = ("job_id", "kind", "status", "progress", "message", "started_at", "finished_at")
LOG_FIELDS = [
    "turn_id",
    "conversation_id",
    "created",
    "question",
    "resolved",
    "resolved_by",
    "outcome",
    "answer",
    "latency_ms",
    "rating",
    "comment",
    "error",
]


@dataclass
class Turn:
    """One question in a conversation, as answered (or failed)."""

    turn_id: str
    conversation_id: str
    position: int
    created: float
    question: str
    resolved: str
    resolved_by: str
    answer: str = ""
    refused: bool = False
    outcome: str = "answered"
    mode: str = ""
    citations: list[dict] = field(default_factory=list)
    verification: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    latency_ms: float | None = None
    error: str | None = None
    rating: str | None = None
    comment: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Conversation:
    conversation_id: str
    created: float
    channel: str
    turns: list[Turn] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "conversation_id": self.conversation_id,
            "created": self.created,
            "channel": self.channel,
            "turns": [t.to_dict() for t in self.turns],
        }


@dataclass
class Job:
    """A background indexing job, as every replica sees it: what it is, how far it has come,
    and which process (`host`, `pid`) runs it, which last gave word at `updated_at`."""

    job_id: str
    kind: str
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    message: str = ""
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    updated_at: float = field(default_factory=time.time)
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    def to_dict(self) -> dict:
        """What the API shows of it (not which machine runs it)."""
        return {name: getattr(self, name) for name in JOB_FIELDS}


class ConversationStore(Protocol):
    """Conversations, turns and feedback, kept for the web, the API, MCP and the terminal,
    and the state of the indexing jobs, so that every replica of the service sees them.

    Every write is one transaction. A call that cannot reach the database within the
    store's wait raises StoreUnavailable and sets `problem`; the next call tries again, and
    `check()` (for `/readyz`) tries once, briefly. Unknown ids are NotFoundError; a write by
    anyone but a conversation's owner is ReadOnlyError.
    """

    problem: str | None

    @property
    def available(self) -> bool:
        """Whether the last call worked (`problem` says why not)."""
        ...

    def check(self) -> str | None:
        """After a failure, try the database once more (briefly); the problem, or None."""
        ...

    def close(self) -> None:
        """Let go of the database (its connections); a later call opens it again."""
        ...

    def create_conversation(self, channel: str, owner: str | None = None) -> str:
        """A new conversation; with `owner` (a client's secret key) only it may write to it."""
        ...

    def add_turn(self, turn: Turn) -> Turn:
        """Store a turn at the end of its conversation (its position is set here)."""
        ...

    def set_feedback(
        self, turn_id: str, rating: str, comment: str = "", *, owner: str | None = None
    ) -> None:
        """👍/👎 and a comment on one turn (a second rating replaces the first), by the
        owner of its conversation (ReadOnlyError for anyone else)."""
        ...

    def conversation(self, conversation_id: str) -> Conversation: ...

    def writable(self, conversation_id: str, owner: str | None) -> bool:
        """Whether `owner` (a client's key, or None) may add turns and feedback to it."""
        ...

    def check_writable(self, conversation_id: str, owner: str | None) -> None:
        """ReadOnlyError unless `owner` may write to the conversation (NotFoundError if none)."""
        ...

    def turn(self, turn_id: str) -> Turn: ...

    def log(
        self,
        *,
        outcome: str | None = None,
        rating: str | None = None,
        text: str | None = None,
        since: float | None = None,
        limit: int = 100,
    ) -> list[Turn]:
        """Recent turns, newest first, filtered by outcome, feedback, words and time."""
        ...

    def save_job(self, job: Job) -> None:
        """Record a job as it is now (the first time: add it)."""
        ...

    def job(self, job_id: str) -> Job:
        """The job as last recorded (NotFoundError if none)."""
        ...

    def jobs(self, *, unfinished: bool = False, limit: int = 20) -> list[Job]:
        """The jobs recorded by every process, newest first; `unfinished`: only those queued
        or running."""
        ...

    def forget_jobs(self, keep: int) -> None:
        """Forget finished jobs past the `keep` most recently finished."""
        ...


def open_store(settings: Settings) -> ConversationStore:
    """The store `settings.database` names: a PostgreSQL URL, or else the SQLite file."""
    if settings.database_url:
        from app.converse.store_postgres import PostgresStore  # psycopg only when it is used

        return PostgresStore(settings.database_url, wait_s=settings.database_wait_s)
    from app.converse.store_sqlite import SqliteStore

    return SqliteStore(settings.database_path, wait_s=settings.database_wait_s)


def new_id(prefix: str) -> str:
    """An unguessable id: knowing it is what lets a client read its conversation."""
    return f"{prefix}_{secrets.token_urlsafe(16)}"


def owner_hash(owner: str | None) -> str | None:
    """How an owner's key is kept: its sha256, never the key."""
    return hashlib.sha256(owner.encode()).hexdigest() if owner else None


def may_write(stored: str | None, owner: str | None) -> bool:
    """Whether `owner` may write to a conversation whose owner hash is `stored`. One
    without an owner (the terminal's, MCP's, or one made before owners) takes writes only
    from a caller without a key, the local process that made it: every web client has one."""
    if stored is None:
        return owner is None
    given = owner_hash(owner)
    return given is not None and hmac.compare_digest(stored, given)


def log_rows(turns: list[Turn]) -> list[dict]:
    """The question log's rows: one flat record per turn."""
    rows = []
    for turn in turns:
        data = turn.to_dict()
        data["created"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(turn.created))
        rows.append({name: data[name] for name in LOG_FIELDS})
    return rows


def log_csv(turns: list[Turn]) -> str:
    """The question log as CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese),
    with no cell a spreadsheet would run as a formula."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=LOG_FIELDS)
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in log_rows(turns))
    return "\ufeff" + buffer.getvalue()


def log_jsonl(turns: list[Turn]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in log_rows(turns))
