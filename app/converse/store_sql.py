"""What the store's SQLite and PostgreSQL back ends share: the schema's migrations, the
retry loop, and every query, written once with `?` placeholders.

A back end supplies `_attempt` (one connection, and one transaction when it writes), the
errors that may pass with time (`_passing`: retried until `wait_s`) and those that will
not (`_failing`), and the few words its dialect says otherwise.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

from app.converse.store import (
    READ_ONLY,
    Conversation,
    Job,
    Turn,
    may_write,
    new_id,
    owner_hash,
)
from app.errors import NotFoundError, ReadOnlyError, StoreUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPT_WAIT_S = 0.5  # the longest one attempt waits (a lock, a connection) between pauses

# Each entry moves the schema one version up, on either back end; never edit one that has
# shipped. Written in the SQL both read, but for one word: PostgreSQL's REAL is 4 bytes, too
# coarse for a timestamp, so its copy says DOUBLE PRECISION (`store_postgres`).
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
    # conversation without an owner (the terminal, MCP, or made before owners): `may_write`.
    """
    ALTER TABLE conversations ADD COLUMN owner TEXT;
    """,
    # The index jobs, so that every replica sees every replica's: which process runs each
    # (host, pid), and when it last said the job goes on (updated_at).
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,            -- queued | running | done | failed
        progress REAL NOT NULL DEFAULT 0,
        message TEXT NOT NULL DEFAULT '',
        started_at REAL NOT NULL,
        finished_at REAL,
        updated_at REAL NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL
    );
    CREATE INDEX jobs_by_start ON jobs (started_at);
    """,
]
JOB_COLUMNS = "id, kind, status, progress, message, started_at, finished_at, updated_at, host, pid"


class Rows(Protocol):
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Db(Protocol):
    """One connection as the queries see it: `?` placeholders, rows read by column name."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows: ...


class SqlStore:
    """The store's queries and its retry loop, over a back end's `_attempt`."""

    _passing: ClassVar[tuple[type[Exception], ...]]  # may pass: retried until `wait_s`
    _failing: ClassVar[tuple[type[Exception], ...]]  # will not pass: that call fails at once
    LIKE: ClassVar[str] = "LIKE"  # how the log matches words, ignoring (ASCII) case
    # Taken before a turn's position is counted, where a write does not lock the database.
    LOCK_CONVERSATION: ClassVar[str | None] = None

    def __init__(self, where: str, wait_s: float) -> None:
        self.where = where  # what `problem` names: the file, or the server without password
        self.wait_s = wait_s
        self.problem: str | None = None
        self._ready = False  # the database as it is now has been reached and its schema checked

    def _attempt(self, work: Callable[[Db], T], write: bool, deadline: float) -> T:
        raise NotImplementedError

    def _reason(self, exc: Exception) -> str:
        """What `problem` says of a failure (a back end may take secrets out of it)."""
        return str(exc)

    # ------------------------------------------------------------------ plumbing

    def _run(self, work: Callable[[Db], T], *, write: bool = False) -> T:
        """`work(db)` in one attempt, in one transaction when `write`. A failure that may pass
        (a lock, a connection refused) is retried with doubling pauses until `wait_s` has
        passed; then, or at once for one that will not (a corrupt file, a newer schema), this
        call raises StoreUnavailable. Nothing is remembered of the failure but `problem`."""
        deadline = time.monotonic() + self.wait_s
        pause = 0.02
        while True:
            try:
                result = self._attempt(work, write, deadline)
            except self._passing as exc:
                self._ready = False
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise self._unavailable(exc) from exc
                time.sleep(min(pause, remaining))
                pause = min(pause * 2, 1.0)
                continue
            except self._failing as exc:
                self._ready = False
                raise self._unavailable(exc) from exc
            if self.problem:
                log.warning("the conversation store %s works again", self.where)
            self.problem = None
            return result

    def _unavailable(self, exc: Exception) -> StoreUnavailable:
        self.problem = f"the conversation store {self.where} is unavailable: {self._reason(exc)}"
        log.error("%s; answers go on without being remembered", self.problem)
        return StoreUnavailable(self.problem)

    def _read(self, sql: str, params: tuple = ()) -> list[Any]:
        return self._run(lambda db: db.execute(sql, params).fetchall())

    @property
    def available(self) -> bool:
        """Whether the last call worked (`problem` says why not)."""
        return self.problem is None

    def check(self) -> str | None:
        """After a failure, try the database once more (briefly); the problem, or None."""
        if self.problem is not None:
            try:
                self._attempt(lambda db: None, False, time.monotonic() + ATTEMPT_WAIT_S)
            except self._failing:
                self._ready = False
            else:
                self.problem = None
        return self.problem

    def close(self) -> None:
        """Nothing is held between calls (a back end with connections lets them go)."""

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

        def insert(db: Db) -> None:
            if self.LOCK_CONVERSATION:
                db.execute(self.LOCK_CONVERSATION, (turn.conversation_id,))
            row = db.execute(
                "SELECT COALESCE(MAX(position), 0) AS last FROM turns WHERE conversation_id = ?",
                (turn.conversation_id,),
            ).fetchone()
            turn.position = row["last"] + 1
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
        owner of its conversation (ReadOnlyError for anyone else). A turn of a conversation
        without an owner (an MCP answer's id is given out for this) takes one rating from
        anyone, which only a caller without a key may replace."""

        def rate(db: Db) -> None:
            row = db.execute(
                "SELECT c.owner, f.rating FROM turns t"
                " JOIN conversations c ON c.id = t.conversation_id"
                " LEFT JOIN feedback f ON f.turn_id = t.id WHERE t.id = ?",
                (turn_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no answer with id '{turn_id}'")
            first_of_ownerless = row["owner"] is None and row["rating"] is None
            if not (may_write(row["owner"], owner) or first_of_ownerless):
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
        return may_write(rows[0]["owner"], owner)

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
            like = self.LIKE
            where.append(f"(t.question {like} ? OR t.resolved {like} ? OR f.comment {like} ?)")
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

    # ------------------------------------------------------------------ index jobs

    def save_job(self, job: Job) -> None:
        """Record a job as it is now (the first time: add it)."""
        self._run(
            lambda db: db.execute(
                f"INSERT INTO jobs ({JOB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET status = excluded.status,"
                " progress = excluded.progress, message = excluded.message,"
                " finished_at = excluded.finished_at, updated_at = excluded.updated_at",
                (
                    job.job_id,
                    job.kind,
                    job.status,
                    job.progress,
                    job.message,
                    job.started_at,
                    job.finished_at,
                    job.updated_at,
                    job.host,
                    job.pid,
                ),
            ),
            write=True,
        )

    def job(self, job_id: str) -> Job:
        """The job as last recorded (NotFoundError if none)."""
        jobs = self._jobs("WHERE id = ?", (job_id,))
        if not jobs:
            raise NotFoundError(f"no job with id '{job_id}'")
        return jobs[0]

    def jobs(self, *, unfinished: bool = False, limit: int = 20) -> list[Job]:
        """The jobs recorded by every process, newest first; `unfinished`: only those queued
        or running."""
        clause = "WHERE finished_at IS NULL" if unfinished else ""
        return self._jobs(f"{clause} ORDER BY started_at DESC LIMIT ?", (limit,))

    def forget_jobs(self, keep: int) -> None:
        """Forget finished jobs past the `keep` most recently finished."""
        self._run(
            lambda db: db.execute(
                "DELETE FROM jobs WHERE finished_at IS NOT NULL AND id NOT IN (SELECT id FROM"
                " jobs WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT ?)",
                (keep,),
            ),
            write=True,
        )

    def _jobs(self, clause: str, params: tuple) -> list[Job]:
        rows = self._read(f"SELECT {JOB_COLUMNS} FROM jobs {clause}", params)
        return [Job(job_id=r["id"], **{k: r[k] for k in JOB_COLUMNS.split(", ")[1:]}) for r in rows]
