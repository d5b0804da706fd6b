"""Background indexing jobs: one at a time, every unfinished one kept, and recorded in the
store (on each back end) so that every replica sees them."""

from __future__ import annotations

import threading
import time

import pytest

from app.errors import StoreUnavailable
from app.web.jobs import Job, JobRunner

pytestmark = pytest.mark.unit


def wait_until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_queued_and_running_jobs_are_never_evicted_and_finished_ones_go_oldest_first():
    runner = JobRunner(keep=5)
    release = threading.Event()

    def work(progress) -> str:
        release.wait(10)
        return "indexed"

    jobs = [runner.submit(f"upload {i}", work) for i in range(30)]
    wait_until(lambda: any(j.status == "running" for j in jobs))
    assert all(runner.get(j.job_id) is j for j in jobs)  # 30 unfinished: all kept
    release.set()
    wait_until(lambda: all(j.status == "done" for j in jobs))
    late = runner.submit("reindex", lambda progress: "indexed")  # evicts only finished ones
    wait_until(lambda: late.status == "done")
    runner.submit("reindex", lambda progress: "indexed")
    kept = [j for j in jobs if runner.get(j.job_id) is not None]
    oldest_finished_first = sorted(jobs, key=lambda j: j.finished_at)
    assert runner.get(late.job_id) is late
    # the newest finished are kept (compared as sets: two workers may finish out of order)
    newest = oldest_finished_first[-len(kept) :]
    assert {j.job_id for j in kept} == {j.job_id for j in newest} and len(kept) <= 4


# ------------------------------------------------------------------ jobs in the store


class FlakyStore:
    """A store that can be made to fail (as one that is down does) and counts job writes."""

    def __init__(self, store) -> None:
        self.store = store
        self.down = False
        self.saves = 0

    def __getattr__(self, name):
        return getattr(self.store, name)

    @property
    def available(self) -> bool:
        return not self.down and self.store.available

    def save_job(self, job) -> None:
        if self.down:
            raise StoreUnavailable("the store is down")
        self.saves += 1
        self.store.save_job(job)


def runner_on(store, **options) -> JobRunner:
    """A runner recording in `store`: one replica of the service."""
    return JobRunner(lambda: store, **options)


def status(runner: JobRunner, job_id: str) -> str | None:
    """The job's status as `runner` sees it (None: it knows no such job)."""
    job = runner.get(job_id)
    return job.status if job else None


def test_every_runner_on_one_store_sees_the_jobs_of_the_others(open_test_store):
    here, there = runner_on(open_test_store()), runner_on(open_test_store())
    release = threading.Event()

    def work(progress) -> str:
        progress(0.5, "embedding 10/20")
        release.wait(10)
        return "indexed 3 documents"

    job = here.submit("reindex", work)
    wait_until(lambda: status(there, job.job_id) == "running")
    wait_until(lambda: there.get(job.job_id).progress == 0.5)
    seen = there.get(job.job_id)
    assert seen.status == "running" and seen.message == "embedding 10/20" and there.active()
    release.set()
    wait_until(lambda: there.get(job.job_id).status == "done")
    assert there.get(job.job_id).message == "indexed 3 documents" and not there.active()
    failed = here.submit("upload x.pdf", lambda progress: 1 / 0)
    wait_until(lambda: there.latest_failure() is not None)
    assert there.latest_failure().job_id == failed.job_id
    assert [j.job_id for j in there.recent()] == [failed.job_id, job.job_id]
    assert there.get("nothing") is None


def test_progress_is_written_a_few_times_a_second_not_at_every_step(open_test_store):
    store = FlakyStore(open_test_store())
    runner = runner_on(store)

    def work(progress) -> str:
        for step in range(400):
            progress(step / 400, f"chunk {step}")
            time.sleep(0.002)
        return "indexed"

    job = runner.submit("reindex", work)
    wait_until(lambda: status(runner_on(store.store), job.job_id) == "done")
    assert store.saves <= 12  # about a second of work: ~4 writes a second, start and end


def test_a_job_runs_to_its_end_while_the_store_is_down_and_is_written_when_it_is_back(
    open_test_store,
):
    store = FlakyStore(open_test_store())
    runner, other = runner_on(store), runner_on(open_test_store())
    store.down = True
    job = runner.submit("reindex", lambda progress: progress(0.5, "half") or "indexed")
    wait_until(lambda: job.status == "done")  # never failed by its record
    assert runner.get(job.job_id) is job and not runner.active()
    assert runner.latest_failure() is None and runner.recent() == [job]
    assert other.get(job.job_id) is None  # nothing reached the store
    store.down = False
    wait_until(lambda: other.get(job.job_id) is not None)
    assert other.get(job.job_id).status == "done" and other.get(job.job_id).message == "indexed"


def test_a_job_whose_process_stopped_giving_word_is_shown_interrupted(open_test_store):
    store = open_test_store()
    long_ago = time.time() - 600
    store.save_job(
        Job("a1b2c3", "reindex", "running", 0.4, "embedding", long_ago, None, long_ago, "gone", 7)
    )
    runner = runner_on(store, stale_s=60)
    seen = runner.get("a1b2c3")
    assert seen.status == "failed" and seen.message.startswith("interrupted:")
    assert "pid 7 on gone" in seen.message and not runner.active()
    assert runner.latest_failure().job_id == "a1b2c3"


def test_a_long_silent_job_stays_running_for_the_others_by_its_heartbeat(open_test_store):
    runner = runner_on(open_test_store(), heartbeat_s=0.1, stale_s=0.6)
    other = runner_on(open_test_store(), stale_s=0.6)
    release = threading.Event()
    job = runner.submit("reindex", lambda progress: release.wait(10) and "indexed")
    wait_until(lambda: other.get(job.job_id) is not None)
    for _ in range(6):  # 1.5 s without a word of progress
        time.sleep(0.25)
        assert other.get(job.job_id).status in ("queued", "running") and other.active()
    release.set()
    wait_until(lambda: other.get(job.job_id).status == "done")


def test_a_replica_shows_the_progress_of_a_reindex_another_replica_started(
    settings, fake_embedder, database
):
    from tests.web.test_conversations import ADMIN, make_client

    with (
        make_client(settings, fake_embedder, database=database) as here,
        make_client(settings, fake_embedder, database=database) as there,
    ):
        job = here.post("/api/admin/reindex", headers=ADMIN).json()["job"]
        wait_until(lambda: there.get(f"/api/jobs/{job['job_id']}").status_code == 200)
        wait_until(lambda: there.get(f"/api/jobs/{job['job_id']}").json()["status"] == "done")
        shown = there.get(f"/api/jobs/{job['job_id']}").json()
        assert shown["kind"] == "reindex" and shown["progress"] == 1.0
        assert set(shown) == set(job)  # the same shape as the replica that runs it answers
