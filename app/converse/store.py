"""The conversation store: conversations, their turns and feedback, in SQLite.

One file under the data folder, in WAL mode, its schema created and migrated by the
project (`MIGRATIONS`, tracked with `PRAGMA user_version`). Every write is one
transaction, so a process killed mid-write leaves the file as it was before or after.

The store never takes question answering down with it, and never turns itself off: a
file that another process has locked is retried with backoff for `wait_s`, then that one
call fails (StoreUnavailable; `problem` says why, `/readyz` shows it) and answers go on
without being remembered; the next call opens the file afresh and checks its schema again.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import io
import json
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

from app.errors import NotFoundError, ReadOnlyError, StoreUnavailable
from app.text.spreadsheet import safe_cell

__all__ = ["ConversationStore", "StoreUnavailable", "Turn", "log_csv", "log_jsonl", "new_id"]

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPT_WAIT_S = 0.5  # sqlite's busy wait within one attempt, between the store's own pauses

# Each entry moves the schema one version up; never edit one that has shipped.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        created REAL NOT NULL,
        channel TEXT NOT NULL            -- web | api | openai | mcp | cli
    );
    CREATE TABLE turns (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        created REAL NOT NULL,
        question TEXT NOT NULL,
        resolved TEXT NOT NULL,
        resolved_by TEXT NOT NULL,       -- standalone | code | model
        answer TEXT NOT NULL DEFAULT '',
        refused INTEGER NOT NULL DEFAULT 0,
        outcome TEXT NOT NULL,           -- answered | refused | repaired | error
        mode TEXT NOT NULL DEFAULT '',
        citations TEXT NOT NULL DEFAULT '[]',
        verification TEXT NOT NULL DEFAULT '{}',
        timings TEXT NOT NULL DEFAULT '{}',
        latency_ms REAL,
        error TEXT,
        UNIQUE (conversation_id, position)
    );
    CREATE INDEX turns_by_time ON turns (created);
    CREATE TABLE feedback (
        turn_id TEXT PRIMARY KEY REFERENCES turns(id) ON DELETE CASCADE,
        rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
        comment TEXT NOT NULL DEFAULT '',
        created REAL NOT NULL
    );
    """,
    # The owner's key, hashed (sha256): only its holder adds turns or feedback. NULL: a
    # conversation without an owner (the terminal, MCP, or made before owners), open to all.
    """
    ALTER TABLE conversations ADD COLUMN owner TEXT;
    """,
]
READ_ONLY = (
    "this conversation is read-only: only the client that started it can add questions or "
    "feedback to it; ask in a new conversation"
)
OUTCOMES = ("answered", "refused", "repaired", "error")
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


def new_id(prefix: str) -> str:
    """An unguessable id: knowing it is what lets a client read its conversation."""
    return f"{prefix}_{secrets.token_urlsafe(16)}"


def owner_hash(owner: str | None) -> str | None:
    """How an owner's key is kept: its sha256, never the key."""
    return hashlib.sha256(owner.encode()).hexdigest() if owner else None


def _may_write(stored: str | None, owner: str | None) -> bool:
    """Whether `owner` may write to a conversation whose owner hash is `stored`."""
    if stored is None:
        return True
    given = owner_hash(owner)
    return given is not None and hmac.compare_digest(stored, given)


class ConversationStore:
    """Conversations, turns and feedback in one SQLite file (WAL); safe across threads."""

    def __init__(self, path: Path, *, wait_s: float = 15.0) -> None:
        self.path = Path(path)
        self.wait_s = wait_s
        self.problem: str | None = None
        self._lock = threading.Lock()
        self._ready = False  # the file as it is now has been opened and its schema checked
        with contextlib.suppress(StoreUnavailable):  # said by `problem`; the next call retries
            self._run(lambda db: None)

    # ------------------------------------------------------------------ plumbing

    @contextlib.contextmanager
    def _connect(self, timeout: float) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across a process crash
            db.execute("PRAGMA foreign_keys=ON")
            yield db
        finally:
            db.close()

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise sqlite3.DatabaseError(
                f"the database is schema version {version}, newer than this program knows"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
        db.execute("PRAGMA quick_check").fetchone()

    def _run(self, work: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        """`work(db)` on a fresh connection, in one transaction when `write`. A locked or
        unopenable file (sqlite's OperationalError) is retried with doubling pauses until
        `wait_s` has passed; then, or at once for a corrupt file or a newer schema, this call
        raises StoreUnavailable. Nothing is remembered of the failure but `problem`."""
        deadline = time.monotonic() + self.wait_s
        pause = 0.02
        while True:
            try:
                result = self._attempt(work, write, deadline)
            except sqlite3.OperationalError as exc:  # locked, busy, cannot open: may pass
                self._ready = False
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._unavailable(exc) from exc
                time.sleep(min(pause, remaining))
                pause = min(pause * 2, 1.0)
                continue
            except (sqlite3.Error, OSError) as exc:  # corrupt, newer schema, no folder
                self._ready = False
                raise self._unavailable(exc) from exc
            if self.problem:
                log.warning("the conversation store %s works again", self.path)
            self.problem = None
            return result

    def _attempt(self, work: Callable[[sqlite3.Connection], T], write: bool, deadline: float) -> T:
        # sqlite's own busy wait within one attempt, so a short lock costs no pause
        timeout = max(0.0, min(ATTEMPT_WAIT_S, deadline - time.monotonic()))
        with self._lock if write else contextlib.nullcontext():
            if not self._ready:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect(timeout) as db:
                if not self._ready:
                    self._migrate(db)
                    self._ready = True
                if not write:
                    return work(db)
                db.execute("BEGIN IMMEDIATE")
                try:
                    result = work(db)
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
                return result

    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        self.problem = f"the conversation store {self.path} is unavailable: {exc}"
        log.error("%s; answers go on without being remembered", self.problem)
        return StoreUnavailable(self.problem)

    def _read(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return self._run(lambda db: db.execute(sql, params).fetchall())

    @property
    def available(self) -> bool:
        """Whether the last call worked (`problem` says why not)."""
        return self.problem is None

    def check(self) -> str | None:
        """After a failure, try the file once more (briefly); the problem, or None."""
        if self.problem is not None:
            try:
                self._attempt(lambda db: None, False, time.monotonic() + ATTEMPT_WAIT_S)
            except (sqlite3.Error, OSError):
                self._ready = False
            else:
                self.problem = None
        return self.problem

    # ------------------------------------------------------------------ writes

    def create_conversation(self, channel: str, owner: str | None = None) -> str:
        """A new conversation; with `owner` (a client's secret key) only it may write to it."""
        conversation_id = new_id("c")
        self._run(
            lambda db: db.execute(
                "INSERT INTO conversations (id, created, channel, owner) VALUES (?, ?, ?, ?)",
                (conversation_id, time.time(), channel, owner_hash(owner)),
            ),
            write=True,
        )
        return conversation_id

    def add_turn(self, turn: Turn) -> Turn:
        """Store a turn at the end of its conversation (its position is set here)."""

        def insert(db: sqlite3.Connection) -> None:
            row = db.execute(
                "SELECT COALESCE(MAX(position), 0) FROM turns WHERE conversation_id = ?",
                (turn.conversation_id,),
            ).fetchone()
            turn.position = row[0] + 1
            db.execute(
                "INSERT INTO turns (id, conversation_id, position, created, question, resolved,"
                " resolved_by, answer, refused, outcome, mode, citations, verification, timings,"
                " latency_ms, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    turn.turn_id,
                    turn.conversation_id,
                    turn.position,
                    turn.created,
                    turn.question,
                    turn.resolved,
                    turn.resolved_by,
                    turn.answer,
                    int(turn.refused),
                    turn.outcome,
                    turn.mode,
                    json.dumps(turn.citations, ensure_ascii=False),
                    json.dumps(turn.verification, ensure_ascii=False),
                    json.dumps(turn.timings),
                    turn.latency_ms,
                    turn.error,
                ),
            )

        self._run(insert, write=True)
        return turn

    def set_feedback(
        self, turn_id: str, rating: str, comment: str = "", *, owner: str | None = None
    ) -> None:
        """👍/👎 and a comment on one turn (a second rating replaces the first), by the
        owner of its conversation (ReadOnlyError for anyone else)."""

        def rate(db: sqlite3.Connection) -> None:
            row = db.execute(
                "SELECT c.owner FROM turns t JOIN conversations c ON c.id = t.conversation_id"
                " WHERE t.id = ?",
                (turn_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no answer with id '{turn_id}'")
            if not _may_write(row["owner"], owner):
                raise ReadOnlyError(READ_ONLY)
            db.execute(
                "INSERT INTO feedback (turn_id, rating, comment, created) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (turn_id) DO UPDATE SET rating = excluded.rating,"
                " comment = excluded.comment, created = excluded.created",
                (turn_id, rating, comment, time.time()),
            )

        self._run(rate, write=True)

    # ------------------------------------------------------------------ reads

    def conversation(self, conversation_id: str) -> Conversation:
        rows = self._read(
            "SELECT id, created, channel FROM conversations WHERE id = ?", (conversation_id,)
        )
        if not rows:
            raise NotFoundError(f"no conversation with id '{conversation_id}'")
        turns = self._turns("WHERE t.conversation_id = ? ORDER BY t.position", (conversation_id,))
        row = rows[0]
        return Conversation(row["id"], row["created"], row["channel"], turns)

    def writable(self, conversation_id: str, owner: str | None) -> bool:
        """Whether `owner` (a client's key, or None) may add turns and feedback to it."""
        rows = self._read("SELECT owner FROM conversations WHERE id = ?", (conversation_id,))
        if not rows:
            raise NotFoundError(f"no conversation with id '{conversation_id}'")
        return _may_write(rows[0]["owner"], owner)

    def check_writable(self, conversation_id: str, owner: str | None) -> None:
        """ReadOnlyError unless `owner` may write to the conversation (NotFoundError if none)."""
        if not self.writable(conversation_id, owner):
            raise ReadOnlyError(READ_ONLY)

    def turn(self, turn_id: str) -> Turn:
        turns = self._turns("WHERE t.id = ?", (turn_id,))
        if not turns:
            raise NotFoundError(f"no answer with id '{turn_id}'")
        return turns[0]

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
        where, params = [], []
        if outcome:
            where.append("t.outcome = ?")
            params.append(outcome)
        if rating == "none":
            where.append("f.rating IS NULL")
        elif rating:
            where.append("f.rating = ?")
            params.append(rating)
        if text:
            where.append("(t.question LIKE ? OR t.resolved LIKE ? OR f.comment LIKE ?)")
            params += [f"%{text}%"] * 3
        if since is not None:
            where.append("t.created >= ?")
            params.append(since)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        return self._turns(f"{clause} ORDER BY t.created DESC LIMIT ?", (*params, limit))

    def _turns(self, clause: str, params: tuple) -> list[Turn]:
        rows = self._read(
            "SELECT t.*, f.rating, f.comment FROM turns t"
            f" LEFT JOIN feedback f ON f.turn_id = t.id {clause}",
            params,
        )
        return [
            Turn(
                turn_id=r["id"],
                conversation_id=r["conversation_id"],
                position=r["position"],
                created=r["created"],
                question=r["question"],
                resolved=r["resolved"],
                resolved_by=r["resolved_by"],
                answer=r["answer"],
                refused=bool(r["refused"]),
                outcome=r["outcome"],
                mode=r["mode"],
                citations=json.loads(r["citations"]),
                verification=json.loads(r["verification"]),
                timings=json.loads(r["timings"]),
                latency_ms=r["latency_ms"],
                error=r["error"],
                rating=r["rating"],
                comment=r["comment"] or "",
            )
            for r in rows
        ]


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
