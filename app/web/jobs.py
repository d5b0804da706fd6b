"""Background indexing jobs: one at a time, with progress the UI can poll, seen by every
replica of the service.

The service keeps answering from the old index until the new one is complete and
swapped in; a failed job leaves the old index serving and its error on record.

A job runs on this process's worker thread; its state is recorded in the store (its
creation, its progress at most every `write_every_s`, its end), so any replica shows
any replica's jobs. The writes are made by a writer thread, never by the job: a store
that is down neither slows a job nor fails it, and what it missed is written once the
store is back. This process's own jobs are answered from memory (fresher than the store
between writes, and all there is while the store is down).

A job is running only while its process says so: the writer rewrites every unfinished
job at least every `heartbeat_s`, and a queued or running job not heard of for `stale_s`
(its process died or its machine went away) is shown as failed, "interrupted". That
needs no clean-up at start-up and holds across machines; it does assume their clocks
agree to well within `stale_s`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable

from app.converse.store import ConversationStore, Job
from app.errors import NotFoundError, StoreUnavailable

__all__ = ["Job", "JobRunner"]

log = logging.getLogger(__name__)
WRITE_EVERY_S = 0.25  # a job's progress is written at most four times a second
HEARTBEAT_S = 10.0
STALE_S = 60.0


class JobRunner:
    """Runs jobs on one worker thread, in order, and records them in the store `store()`
    returns (None: no store yet, memory only). Remembers every unfinished job of its own
    and the `keep` most recent; the store keeps every unfinished one and the `keep` most
    recently finished."""

    def __init__(
        self,
        store: Callable[[], ConversationStore | None] = lambda: None,
        *,
        keep: int = 20,
        write_every_s: float = WRITE_EVERY_S,
        heartbeat_s: float = HEARTBEAT_S,
        stale_s: float = STALE_S,
    ) -> None:
        self.jobs: dict[str, Job] = {}
        self.keep = keep
        self.write_every_s = write_every_s
        self.heartbeat_s = heartbeat_s
        self.stale_s = stale_s
        self._store = store
        self._lock = threading.Lock()
        self._worker = threading.Lock()
        self._unwritten: set[str] = set()  # own jobs whose state the store has not got
        self._written: dict[str, float] = {}  # when each own unfinished job was last written
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None

    def submit(self, kind: str, work: Callable[[Callable[[float, str], None]], str]) -> Job:
        """Start `work(progress)` in the background; it returns a summary message."""
        job = Job(job_id=uuid.uuid4().hex[:12], kind=kind)
        with self._lock:
            self.jobs[job.job_id] = job
            self._forget_finished()
        self._changed(job, now=True)

        def progress(fraction: float, message: str) -> None:
            job.progress = max(0.0, min(1.0, fraction))
            job.message = message
            self._changed(job)

        def run() -> None:
            with self._worker:
                job.status = "running"
                self._changed(job, now=True)
                try:
                    job.message = work(progress)
                    job.progress = 1.0
                    job.status = "done"
                except Exception as exc:  # a failed job is reported, never raised
                    job.status = "failed"
                    job.message = f"{type(exc).__name__}: {exc}"
                    traceback.print_exc()
                finally:
                    job.finished_at = time.time()
                    self._changed(job, now=True)

        threading.Thread(target=run, name=f"job-{job.job_id}", daemon=True).start()
        return job

    def _forget_finished(self) -> None:
        """Past `keep` jobs, forget finished ones, the oldest finished first: a job still
        queued or running is never forgotten (its progress would be a 404)."""
        finished = sorted(
            (j for j in self.jobs.values() if j.finished_at is not None),
            key=lambda j: j.finished_at,
        )
        for job in finished[: max(0, len(self.jobs) - self.keep)]:
            del self.jobs[job.job_id]

    # ------------------------------------------------------------------ writing

    def _changed(self, job: Job, *, now: bool = False) -> None:
        """Note that the store should have the job's new state; `now`: without waiting for
        the next round (a start or an end, not every step of progress)."""
        with self._lock:
            self._unwritten.add(job.job_id)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write, name="jobs-writer", daemon=True)
                self._writer.start()
        if now:
            self._wake.set()

    def _write(self) -> None:
        """The writer: every `write_every_s`, what changed and what is due a heartbeat; it
        ends when every own job is finished and written."""
        while True:
            self._wake.wait(self.write_every_s)
            self._wake.clear()
            store = self._store()
            with self._lock:
                if store is None:  # memory only
                    self._unwritten.clear()
                due = self._due(time.monotonic()) if store is not None else []
                running = any(not job.finished for job in self.jobs.values())
                if not (due or self._unwritten or running):
                    self._writer = None
                    return
            if due:
                self._save(store, due)

    def _due(self, now: float) -> list[Job]:
        """Snapshots of the own jobs to write now (under the lock)."""
        due = []
        for job in self.jobs.values():
            unwritten = job.job_id in self._unwritten
            heartbeat = not job.finished and now - self._written.get(job.job_id, 0) >= (
                self.heartbeat_s
            )
            if unwritten or heartbeat:
                due.append(dataclasses.replace(job, updated_at=time.time()))
        # Taken as written with the snapshot, under the same lock: a change after it (a job
        # that ends meanwhile) is noted again and written on the next round.
        self._unwritten.clear()
        return due

    def _save(self, store: ConversationStore, due: list[Job]) -> None:
        for n, job in enumerate(due):
            try:
                store.save_job(job)
            except StoreUnavailable:  # said by the store; tried again on the next round
                with self._lock:
                    self._unwritten.update(j.job_id for j in due[n:] if j.job_id in self.jobs)
                return
            except Exception:  # a fault of this write, not of the store: not tried again
                log.exception("the state of job %s could not be recorded", job.job_id)
            with self._lock:
                if job.finished:
                    self._written.pop(job.job_id, None)
                else:
                    self._written[job.job_id] = time.monotonic()
        if any(job.finished for job in due):
            with contextlib.suppress(StoreUnavailable):  # forgotten on a later end
                store.forget_jobs(self.keep)

    # ------------------------------------------------------------------ reading

    def _seen(self, job: Job) -> Job:
        """Another process's job as the store has it, or failed if it stopped giving word."""
        if job.finished or time.time() - job.updated_at <= self.stale_s:
            return job
        return dataclasses.replace(
            job,
            status="failed",
            finished_at=job.updated_at,
            message=f"interrupted: its process (pid {job.pid} on {job.host}) stopped giving "
            f"word {time.time() - job.updated_at:.0f} s ago; last: {job.message}",
        )

    def _recorded(self, *, unfinished: bool = False) -> list[Job]:
        """Every process's jobs from the store, as seen here, with this process's own as it
        knows them; only its own while the store cannot be used (it is not waited for)."""
        with self._lock:
            own = dict(self.jobs)
        store = self._store()
        seen: dict[str, Job] = {}
        if store is not None and store.available:
            try:
                recorded = store.jobs(unfinished=unfinished, limit=self.keep)
            except StoreUnavailable:
                recorded = []
            seen = {job.job_id: self._seen(job) for job in recorded}
        seen.update(own)
        jobs = sorted(seen.values(), key=lambda j: j.started_at, reverse=True)
        return [j for j in jobs if not (unfinished and j.finished)]

    def recent(self) -> list[Job]:
        """The most recent jobs of every replica, newest first."""
        return self._recorded()

    def latest_failure(self) -> Job | None:
        """The newest finished job, if it failed: the index it was to build is not serving."""
        for job in self.recent():
            if job.finished:
                return job if job.status == "failed" else None
        return None

    def active(self) -> bool:
        """Whether a job of any replica is queued or running."""
        return bool(self._recorded(unfinished=True))

    def get(self, job_id: str) -> Job | None:
        """A job of any replica (StoreUnavailable when only the store would know it)."""
        with self._lock:
            own = self.jobs.get(job_id)
        store = self._store()
        if own is not None or store is None:
            return own
        try:
            return self._seen(store.job(job_id))
        except NotFoundError:
            return None
