"""The conversation store on both back ends (SQLite and PostgreSQL): turns, feedback, the
log, owners, two stores on one database; then the SQLite file's own faults.
(PostgreSQL's own faults: test_store_postgres.py.)"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.converse.store import StoreUnavailable, Turn, log_csv, log_jsonl, new_id
from app.converse.store_sqlite import MIGRATIONS, SqliteStore
from app.errors import NotFoundError

pytestmark = pytest.mark.unit


def turn(conversation_id: str, question: str, outcome: str = "answered", **fields) -> Turn:
    return Turn(
        turn_id=new_id("t"),
        conversation_id=conversation_id,
        position=0,
        created=time.time(),
        question=question,
        resolved=fields.pop("resolved", question),
        resolved_by="standalone",
        outcome=outcome,
        **fields,
    )


@pytest.fixture
def store(open_test_store):
    """A store on each back end in turn (the `database` fixture)."""
    return open_test_store()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "data" / "qa.sqlite3")


def test_a_new_sqlite_store_is_migrated_and_in_wal_mode(sqlite_store):
    store = sqlite_store
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.available and store.problem is None


def test_turns_are_kept_in_order_with_their_answers(store):
    cid = store.create_conversation("web")
    citations = [{"n": 1, "quote": "新增跨国公司地区总部11家", "title": "2024年报告"}]
    store.add_turn(
        turn(cid, "2023年新增多少跨国公司地区总部", answer="11家[1]。", citations=citations)
    )
    store.add_turn(turn(cid, "那2024年呢？", "refused", resolved="2024年新增多少跨国公司地区总部"))
    found = store.conversation(cid)
    assert [t.position for t in found.turns] == [1, 2]
    assert found.turns[0].citations == citations and found.turns[0].answer == "11家[1]。"
    assert found.turns[1].resolved == "2024年新增多少跨国公司地区总部"


def test_feedback_is_stored_with_its_turn_and_a_second_rating_replaces_the_first(store):
    cid = store.create_conversation("api")
    t = store.add_turn(turn(cid, "问题一"))
    store.set_feedback(t.turn_id, "up")
    store.set_feedback(t.turn_id, "down", "年份错了")
    again = store.turn(t.turn_id)
    assert again.rating == "down" and again.comment == "年份错了"


def test_unknown_ids_are_not_found(store):
    with pytest.raises(NotFoundError):
        store.conversation("c_nothing")
    with pytest.raises(NotFoundError):
        store.set_feedback("t_nothing", "up")


def test_the_log_filters_by_outcome_feedback_and_words(store):
    cid = store.create_conversation("api")
    answered = store.add_turn(turn(cid, "2025年收储土地多少亩"))
    refused = store.add_turn(turn(cid, "2025年人均可支配收入是多少", "refused"))
    store.add_turn(turn(cid, "2020年进出口总额", "error", error="LLMError: down"))
    store.set_feedback(answered.turn_id, "down", "少了地块数")
    assert [t.turn_id for t in store.log(outcome="refused")] == [refused.turn_id]
    assert [t.turn_id for t in store.log(rating="down")] == [answered.turn_id]
    assert len(store.log(rating="none")) == 2
    assert [t.turn_id for t in store.log(text="地块")] == [answered.turn_id]  # in the comment
    assert len(store.log(limit=2)) == 2 and store.log()[0].question == "2020年进出口总额"


def test_the_log_matches_words_whatever_their_ascii_case(store):
    cid = store.create_conversation("api")
    t = store.add_turn(turn(cid, "How many PM2.5 days in 2023?"))
    assert [x.turn_id for x in store.log(text="pm2.5")] == [t.turn_id]


def test_the_log_exports_as_csv_and_jsonl(store):
    cid = store.create_conversation("api")
    t = store.add_turn(turn(cid, "2023年PM2.5平均浓度, 是多少", latency_ms=812.5))
    store.set_feedback(t.turn_id, "down", "单位不对")
    text = log_csv(store.log())
    assert text.startswith("\ufeff")  # spreadsheet programs then read the Chinese
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0]["question"] == "2023年PM2.5平均浓度, 是多少" and rows[0]["comment"] == "单位不对"
    assert rows[0]["latency_ms"] == "812.5" and rows[0]["outcome"] == "answered"
    record = json.loads(log_jsonl(store.log()).splitlines()[0])
    assert record["rating"] == "down" and record["turn_id"] == t.turn_id


def test_the_csv_log_neutralises_cells_a_spreadsheet_would_run_as_formulas(store):
    cid = store.create_conversation("api")
    formula = '=HYPERLINK("http://evil.example","点我")'
    t = store.add_turn(
        turn(cid, formula, answer="+1+1", resolved="-2+3", error="@SUM(A1)", latency_ms=-1.5)
    )
    store.set_feedback(t.turn_id, "down", "\t=1")
    store.add_turn(turn(cid, "\r=cmd", answer="2023年新增11家"))
    rows = list(csv.DictReader(io.StringIO(log_csv(store.log()).lstrip("\ufeff"))))
    first, second = rows[1], rows[0]  # newest first
    assert first["question"] == "'" + formula and first["answer"] == "'+1+1"
    assert first["resolved"] == "'-2+3" and first["error"] == "'@SUM(A1)"
    assert first["comment"] == "'\t=1" and second["question"] == "'\r=cmd"
    assert second["answer"] == "2023年新增11家"  # ordinary text is left as it is
    assert first["latency_ms"] == "-1.5"  # a number is not a formula


def test_a_conversation_is_written_only_by_its_owner(store):
    from app.errors import ReadOnlyError

    cid = store.create_conversation("web", owner="owner-secret-1")
    t = store.add_turn(turn(cid, "2023年新增多少跨国公司地区总部"))
    assert store.writable(cid, "owner-secret-1") and not store.writable(cid, "someone-else")
    assert not store.writable(cid, None)
    with pytest.raises(ReadOnlyError):
        store.check_writable(cid, "someone-else")
    with pytest.raises(ReadOnlyError):
        store.set_feedback(t.turn_id, "down", "改掉", owner="someone-else")
    store.set_feedback(t.turn_id, "up", owner="owner-secret-1")
    assert store.turn(t.turn_id).rating == "up"
    assert "owner" not in store.conversation(cid).to_dict()  # the secret is never shown
    raw = store._read("SELECT owner FROM conversations")[0]["owner"]
    assert "owner-secret-1" not in raw  # only its hash is kept


def test_a_conversation_without_an_owner_is_written_only_where_it_was_made(store):
    from app.errors import ReadOnlyError

    cid = store.create_conversation("cli")  # the terminal, MCP and conversations made before owners
    t = store.add_turn(turn(cid, "问题一"))
    assert store.writable(cid, None)  # the local process that made it: it holds no key
    assert not store.writable(cid, "anyone")  # a web client always holds one
    with pytest.raises(ReadOnlyError):
        store.check_writable(cid, "anyone")
    store.set_feedback(t.turn_id, "up", owner="anyone")  # an MCP answer's id takes a rating
    with pytest.raises(ReadOnlyError):
        store.set_feedback(t.turn_id, "down", "改掉", owner="someone-else")  # never overwritten
    assert store.turn(t.turn_id).rating == "up"
    store.set_feedback(t.turn_id, "down", owner=None)
    assert store.turn(t.turn_id).rating == "down"


def test_two_stores_on_one_database_see_each_others_conversations(open_test_store):
    one, other = open_test_store(), open_test_store()  # two replicas of the service
    cid = one.create_conversation("web", owner="owner-secret-1")
    t = other.add_turn(turn(cid, "2023年新增多少跨国公司地区总部"))
    one.set_feedback(t.turn_id, "up", owner="owner-secret-1")
    assert [x.question for x in one.conversation(cid).turns] == ["2023年新增多少跨国公司地区总部"]
    assert other.turn(t.turn_id).rating == "up" and not other.writable(cid, "someone-else")
    assert [x.turn_id for x in other.log()] == [t.turn_id]


def test_turns_added_at_once_by_two_stores_get_one_position_each(open_test_store):
    stores = [open_test_store(), open_test_store()]
    cid = stores[0].create_conversation("api")
    start = threading.Barrier(len(stores))

    def ask(store, n: int) -> None:
        start.wait()
        for i in range(n):
            store.add_turn(turn(cid, f"问题{i}"))

    threads = [threading.Thread(target=ask, args=(store, 15)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    positions = [t.position for t in stores[1].conversation(cid).turns]
    assert positions == list(range(1, 31))


# ------------------------------------------------------------------ the SQLite file's faults


def test_a_corrupt_file_turns_the_store_off_and_says_why(tmp_path):
    path = tmp_path / "qa.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = SqliteStore(path)
    assert not store.available and str(path) in store.problem
    with pytest.raises(StoreUnavailable):
        store.create_conversation("api")
    assert path.read_bytes().startswith(b"this is not a database")  # left for a person to look at


def test_a_folder_that_cannot_be_written_turns_the_store_off(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    store = SqliteStore(blocker / "qa.sqlite3")
    assert not store.available and "unavailable" in store.problem


def test_a_database_from_a_newer_program_is_not_touched(tmp_path):
    path = tmp_path / "qa.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.commit()
    db.close()
    store = SqliteStore(path)
    assert not store.available and "newer" in store.problem


WRITER = """
import sys, time
from app.converse.store import Turn, new_id
from app.converse.store_sqlite import SqliteStore
store = SqliteStore(sys.argv[1])
cid = store.create_conversation("cli")
print(cid, flush=True)
n = 0
while True:
    n += 1
    store.add_turn(Turn(new_id("t"), cid, 0, time.time(), f"问题{n}", f"问题{n}", "standalone",
                        answer="答" * 2000, citations=[{"n": 1, "quote": "引" * 500}]))
"""


def test_the_file_survives_a_sigkill_in_the_middle_of_writing(tmp_path):
    path = tmp_path / "qa.sqlite3"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    cid = writer.stdout.readline().strip()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # wait until it has written a good number of turns
        time.sleep(0.2)
        db = sqlite3.connect(path, timeout=5)
        written = db.execute("SELECT COUNT(*) FROM turns").fetchone()[0]
        db.close()
        if written >= 50:
            break
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    store = SqliteStore(path)
    assert store.available, store.problem
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    turns = store.conversation(cid).turns
    assert len(turns) >= 50
    assert [t.position for t in turns] == list(range(1, len(turns) + 1))  # no gap, no half turn
    assert all(len(t.answer) == 2000 and t.citations[0]["quote"] == "引" * 500 for t in turns)
    store.add_turn(turn(cid, "after the crash"))  # and it goes on being written
    assert store.conversation(cid).turns[-1].question == "after the crash"


@contextlib.contextmanager
def outside_lock(path: Path, seconds: float, *, readers_too: bool = False):
    """A second sqlite3 connection holding BEGIN EXCLUSIVE on the file for `seconds`, then
    releasing it; `readers_too` takes it in exclusive locking mode, which in WAL mode shuts
    out readers as well (as a backup tool or a `sqlite3` shell set so does)."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        db = sqlite3.connect(path, isolation_level=None, timeout=5)
        if readers_too:
            db.execute("PRAGMA locking_mode=EXCLUSIVE")
        db.execute("BEGIN EXCLUSIVE")
        if readers_too:
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        locked.set()
        release.wait(seconds)
        db.execute("ROLLBACK")
        db.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(5), "the outside connection did not get its lock"
    try:
        yield holder
    finally:
        release.set()
        holder.join(10)


def test_a_store_locked_past_its_wait_gives_up_that_call_and_recovers_on_the_next(tmp_path):
    path = tmp_path / "qa.sqlite3"
    store = SqliteStore(path, wait_s=0.3)
    cid = store.create_conversation("api")
    with outside_lock(path, 1.5) as holder:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="locked"):
            store.add_turn(turn(cid, "问题一"))
        assert time.monotonic() - started < 1.2  # bounded: the call does not hang
        assert not store.available and "locked" in store.problem
        holder.join(5)  # the outside lock is released
    store.add_turn(turn(cid, "问题二"))  # the store was never turned off for good
    assert store.available and store.problem is None
    assert [t.question for t in store.conversation(cid).turns] == ["问题二"]


def test_a_write_waits_with_backoff_for_a_lock_released_within_its_wait(tmp_path):
    path = tmp_path / "qa.sqlite3"
    store = SqliteStore(path, wait_s=3.0)
    cid = store.create_conversation("api")
    with outside_lock(path, 0.8):
        started = time.monotonic()
        store.add_turn(turn(cid, "问题一"))
        waited = time.monotonic() - started
    assert 0.5 < waited < 3.0 and store.available
    assert [t.question for t in store.conversation(cid).turns] == ["问题一"]


def test_a_store_that_could_not_be_opened_at_start_is_opened_on_a_later_call(tmp_path):
    path = tmp_path / "qa.sqlite3"
    SqliteStore(path).create_conversation("api")  # the file exists, with its schema
    with outside_lock(path, 1.0, readers_too=True) as holder:
        store = SqliteStore(path, wait_s=0.2)
        assert not store.available and "locked" in store.problem
        with pytest.raises(StoreUnavailable):
            store.conversation("c_anything")
        holder.join(5)
    cid = store.create_conversation("web")
    assert store.conversation(cid).channel == "web" and store.available


def test_conversations_from_before_owners_are_migrated_and_read_only_on_the_web(tmp_path):
    path = tmp_path / "qa.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(f"BEGIN; {MIGRATIONS[0]}; PRAGMA user_version = 1; COMMIT;")
    db.execute("INSERT INTO conversations (id, created, channel) VALUES ('c_old', 0, 'web')")
    db.commit()
    db.close()
    store = SqliteStore(path)
    assert store.available and store.writable("c_old", None)
    assert not store.writable("c_old", "anyone")  # nobody can prove they started it
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_an_owner_check_the_store_cannot_answer_refuses_the_follow_up_not_a_new_question(
    tmp_path,
):
    from app.converse.chat import check_writer
    from app.errors import ContextUnreadableError, ReadOnlyError

    path = tmp_path / "qa.sqlite3"
    store = SqliteStore(path, wait_s=0.2)
    cid = store.create_conversation("web", owner="owner-secret-1")
    with outside_lock(path, 3.0, readers_too=True):
        for owner in ("owner-secret-1", "someone-else", None):  # no one passes unchecked
            with pytest.raises(ContextUnreadableError, match="could not be read"):
                check_writer(store, cid, owner)
        check_writer(store, None, "someone-else")  # a new conversation needs no check
    check_writer(store, cid, "owner-secret-1")
    with pytest.raises(ReadOnlyError):
        check_writer(store, cid, "someone-else")
    with pytest.raises(NotFoundError):
        check_writer(store, "c_unknown", "owner-secret-1")
