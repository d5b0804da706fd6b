"""The conversation store in one SQLite file: the default back end.

One file under the data folder, in WAL mode, its schema created and migrated by the
project (`MIGRATIONS`, tracked with `PRAGMA user_version`). Every write is one
transaction, so a process killed mid-write leaves the file as it was before or after. A
file that another process has locked (or that cannot be opened) is retried with backoff
for `wait_s`; a corrupt file or one from a newer program fails that call at once; the
next call opens the file afresh and checks its schema again.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from app.converse.store_sql import ATTEMPT_WAIT_S, MIGRATIONS, Db, SqlStore
from app.errors import StoreUnavailable

__all__ = ["MIGRATIONS", "SqliteStore"]

T = TypeVar("T")


class SqliteStore(SqlStore):
    """Conversations, turns and feedback in one SQLite file (WAL); safe across threads."""

    _passing = (sqlite3.OperationalError,)  # locked, busy, cannot open: may pass
    _failing = (sqlite3.Error, OSError)  # corrupt, newer schema, no folder

    def __init__(self, path: Path, *, wait_s: float = 15.0) -> None:
        super().__init__(str(path), wait_s)
        self.path = Path(path)
        self._lock = threading.Lock()
        with contextlib.suppress(StoreUnavailable):  # said by `problem`; the next call retries
            self._run(lambda db: None)

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

    def _attempt(self, work: Callable[[Db], T], write: bool, deadline: float) -> T:
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
