"""The conversation store in PostgreSQL (`XUHUI_DATABASE=postgresql://…`): one state that
several replicas of the service share.

psycopg 3 through a small `psycopg_pool.ConnectionPool`. The schema is the project's
(`store_sql.MIGRATIONS` in PostgreSQL's types), its version kept in the table
`schema_version` and brought up to date at start-up under an advisory lock, so that two
replicas starting together do not both migrate. Every write is one transaction. A server
that cannot be reached (down, restarting, a connection that broke, a statement that ran past
`wait_s`) is retried with backoff for `wait_s`; then that call fails (StoreUnavailable,
`problem` set) and the next one tries again. The password is never in `problem` or the log.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from app.converse.store_sql import MIGRATIONS, Db, Rows, SqlStore
from app.errors import StoreUnavailable

__all__ = ["POSTGRES_MIGRATIONS", "PostgresStore", "redacted"]

T = TypeVar("T")
# The key of the advisory lock held while the schema is checked and migrated.
MIGRATION_LOCK = 0x78756875_69716100  # "xuhuiqa\0"
POOL_SIZE = 4  # connections at the most: a request holds one for one short statement or two
CONNECT_WAIT_S = 2.0  # the longest one attempt waits for a connection, between pauses
PROBE_WAIT_S = 2  # libpq's connect_timeout (whole seconds, at least 2) when asking why
QUERY_PASSWORD = re.compile(r"(?i)\bpassword=([^&]*)")


def postgres_script(script: str) -> str:
    """A shared migration in PostgreSQL's words: REAL there is 4 bytes, too coarse for a
    timestamp."""
    return re.sub(r"\bREAL\b", "DOUBLE PRECISION", script)


POSTGRES_MIGRATIONS = [postgres_script(script) for script in MIGRATIONS]


def redacted(url: str) -> str:
    """The URL with its password (in the address or the query) shown as ***."""
    address, _, query = url.partition("?")
    scheme, _, rest = address.partition("://")
    netloc, slash, path = rest.partition("/")
    if urlsplit(url).password is not None:
        credentials, _, host = netloc.rpartition("@")
        netloc = f"{credentials.partition(':')[0]}:***@{host}"
    shown = f"{scheme}://{netloc}{slash}{path}"
    if not query:
        return shown
    return f"{shown}?{QUERY_PASSWORD.sub(r'password=***', query)}"


def _secrets(url: str) -> list[str]:
    """The password as the URL writes it and as it is meant, to take out of messages."""
    parts = urlsplit(url)
    found = [parts.password or ""]
    found += [m.group(1) for m in QUERY_PASSWORD.finditer(parts.query)]
    return [s for secret in found if secret for s in {secret, unquote(secret)}]


def _storable(value: Any) -> Any:
    """Text PostgreSQL can hold: it has no NUL character (SQLite keeps it; here it becomes
    U+FFFD rather than lose the turn)."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


class _Connection:
    """A psycopg connection as the shared queries see it: `?` placeholders (no query holds a
    literal `?` or `%`)."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        return self._connection.execute(sql.replace("?", "%s"), [_storable(p) for p in params])


class PostgresStore(SqlStore):
    """Conversations, turns and feedback in a PostgreSQL database; safe across threads and
    across processes and machines."""

    # refused, down, restarting, a broken connection, no connection in time, a statement
    # cancelled past its time: may pass
    _passing = (psycopg.OperationalError, psycopg.InterfaceError)
    _failing = (psycopg.Error,)  # a newer schema, no right to the tables, a bad URL
    LIKE = "ILIKE"  # as SQLite's LIKE, blind to case
    # Two replicas adding to one conversation at once must not count the same position.
    LOCK_CONVERSATION = "SELECT id FROM conversations WHERE id = ? FOR UPDATE"

    def __init__(self, url: str, *, wait_s: float = 15.0, pool_size: int = POOL_SIZE) -> None:
        super().__init__(redacted(url), wait_s)
        self.url = url
        self.pool_size = pool_size
        self._secrets = _secrets(url)
        self._pool: ConnectionPool | None = None
        self._pool_lock = threading.Lock()
        with contextlib.suppress(StoreUnavailable):  # said by `problem`; the next call retries
            self._run(lambda db: None)

    def _connections(self) -> ConnectionPool:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ConnectionPool(
                    self.url,
                    min_size=1,
                    max_size=self.pool_size,
                    kwargs={
                        "autocommit": True,  # a write's transaction is opened by `_attempt`
                        "row_factory": dict_row,
                        "connect_timeout": PROBE_WAIT_S,
                        "application_name": "xuhui-qa",
                        # a statement waits on a lock no longer than a call may
                        "options": f"-c statement_timeout={int(self.wait_s * 1000)}",
                    },
                    check=ConnectionPool.check_connection,  # a connection a restart broke
                    # Give up reconnecting soon: the next call asks for a connection afresh,
                    # so a server that is back is used at once, not after the pool's backoff.
                    reconnect_timeout=1.0,
                    name="xuhui-store",
                    open=True,
                )
            return self._pool

    def _migrate(self, connection: psycopg.Connection) -> None:
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            present = connection.execute(
                "SELECT to_regclass('schema_version') IS NOT NULL AS present"
            ).fetchone()["present"]
            if not present:
                connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                connection.execute("INSERT INTO schema_version (version) VALUES (0)")
            version = connection.execute("SELECT version FROM schema_version").fetchone()["version"]
            if version > len(POSTGRES_MIGRATIONS):
                raise psycopg.DatabaseError(
                    f"the database is schema version {version}, newer than this program knows"
                )
            for number, script in enumerate(POSTGRES_MIGRATIONS[version:], start=version + 1):
                connection.execute(script)
                connection.execute("UPDATE schema_version SET version = %s", (number,))

    def _attempt(self, work: Callable[[Db], T], write: bool, deadline: float) -> T:
        timeout = max(0.0, min(CONNECT_WAIT_S, deadline - time.monotonic()))
        with self._connections().connection(timeout=timeout) as connection:
            if not self._ready:
                self._migrate(connection)
                self._ready = True
            if not write:
                return work(_Connection(connection))
            with connection.transaction():
                return work(_Connection(connection))

    def _reason(self, exc: Exception) -> str:
        """Why, on one line and without the password: for a pool that gave no connection in
        time, what connecting says."""
        if isinstance(exc, PoolTimeout):
            try:
                psycopg.connect(self.url, connect_timeout=PROBE_WAIT_S).close()
            except psycopg.Error as probe:
                exc = probe
        reason = " ".join(str(exc).split())
        for secret in self._secrets:
            reason = reason.replace(secret, "***")
        return reason

    def close(self) -> None:
        """Close the pool's connections; a later call opens a new pool."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        self._ready = False
        if pool is not None:
            pool.close()
