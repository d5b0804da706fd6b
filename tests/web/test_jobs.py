"""Background indexing jobs: one at a time, every unfinished one kept."""

from __future__ import annotations

import threading
import time

import pytest

from app.web.jobs import JobRunner

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
    assert kept == oldest_finished_first[-len(kept) :] and len(kept) <= 4
