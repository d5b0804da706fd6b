"""The conversation store on PostgreSQL, its own faults: a server that stops and comes
back, a schema from a newer program, replicas starting together, a password that must
never be shown. (What both back ends do alike: test_store.py.)"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from app.converse.store import StoreUnavailable
from app.converse.store_postgres import POSTGRES_MIGRATIONS, PostgresStore, redacted
from tests.converse.test_store import turn

pytestmark = [pytest.mark.unit, pytest.mark.postgres]


def schema_version(url: str) -> int:
    with psycopg.connect(url) as db:
        return db.execute("SELECT version FROM schema_version").fetchone()[0]


@pytest.fixture
def store(postgres_url):
    store = PostgresStore(postgres_url, wait_s=1.0)
    yield store
    store.close()


def test_a_new_database_is_migrated_and_its_timestamps_keep_their_fractions(store, postgres_url):
    assert store.available and schema_version(postgres_url) == len(POSTGRES_MIGRATIONS)
    cid = store.create_conversation("web")
    t = turn(cid, "问题一")
    t.created = 1_750_000_000.123456
    store.add_turn(t)
    assert store.turn(t.turn_id).created == 1_750_000_000.123456  # not a 4-byte REAL


def test_replicas_starting_together_migrate_once(postgres_url):
    start = threading.Barrier(4)
    stores: list[PostgresStore] = []

    def open_one() -> None:
        start.wait()
        stores.append(PostgresStore(postgres_url, wait_s=5.0))

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert len(stores) == 4 and all(s.available for s in stores), [s.problem for s in stores]
        assert schema_version(postgres_url) == len(POSTGRES_MIGRATIONS)
        cid = stores[0].create_conversation("api")
        assert stores[3].conversation(cid).channel == "api"
    finally:
        for s in stores:
            s.close()


def test_a_database_from_a_newer_program_is_not_touched(postgres_url):
    PostgresStore(postgres_url).close()
    with psycopg.connect(postgres_url) as db:
        db.execute("UPDATE schema_version SET version = %s", (len(POSTGRES_MIGRATIONS) + 1,))
    store = PostgresStore(postgres_url, wait_s=0.5)
    try:
        assert not store.available and "newer" in store.problem
        with pytest.raises(StoreUnavailable, match="newer"):
            store.create_conversation("api")
        assert schema_version(postgres_url) == len(POSTGRES_MIGRATIONS) + 1
    finally:
        store.close()


def test_a_server_that_stops_fails_each_call_within_its_wait_and_is_used_again_when_back(
    store, postgres_server
):
    cid = store.create_conversation("web")
    store.add_turn(turn(cid, "问题一"))
    postgres_server.stop()
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="refused"):
            store.add_turn(turn(cid, "问题二"))
        assert time.monotonic() - started < 4  # bounded by wait_s (1 s), plus asking why
        assert not store.available and "refused" in store.problem
        assert postgres_server.password not in store.problem and ":***@" in store.problem
        assert store.check() == store.problem  # /readyz: still down
    finally:
        postgres_server.start()
    assert store.check() is None  # /readyz sees it back
    store.add_turn(turn(cid, "问题三"))  # the pool's broken connections are not reused
    assert [t.question for t in store.conversation(cid).turns] == ["问题一", "问题三"]
    assert store.available and store.problem is None


def test_a_server_down_at_start_is_used_on_a_later_call(postgres_url, postgres_server):
    postgres_server.stop()
    try:
        store = PostgresStore(postgres_url, wait_s=0.3)
        assert not store.available
        with pytest.raises(StoreUnavailable):
            store.conversation("c_anything")
    finally:
        postgres_server.start()
    try:
        cid = store.create_conversation("web")  # and it migrates the schema then
        assert store.conversation(cid).channel == "web" and store.available
    finally:
        store.close()


def test_a_wrong_password_is_said_without_any_password(postgres_server, postgres_url):
    wrong = postgres_url.replace(postgres_server.password, "not-the-pass%2Fword")
    store = PostgresStore(wrong, wait_s=0.3)
    try:
        assert not store.available and "password authentication failed" in store.problem
        for secret in ("not-the-pass%2Fword", "not-the-pass/word", postgres_server.password):
            assert secret not in store.problem
    finally:
        store.close()


def test_redacted_urls_keep_everything_but_the_password():
    assert redacted("postgresql://qa:s3cr%40t@db:5432/qa") == "postgresql://qa:***@db:5432/qa"
    assert redacted("postgres://qa@db/qa?password=x&sslmode=require") == (
        "postgres://qa@db/qa?password=***&sslmode=require"
    )
    assert (
        redacted("postgresql:///qa?host=/run/postgresql") == "postgresql:///qa?host=/run/postgresql"
    )


def test_text_postgresql_cannot_hold_is_stored_all_the_same(store):
    cid = store.create_conversation("api")
    t = store.add_turn(turn(cid, "2023年\x00新增多少", answer="11家\x00"))
    assert store.turn(t.turn_id).question == "2023年\ufffd新增多少"  # the turn is not lost
    assert store.available
