"""Background indexing jobs: one at a time, with progress the UI can poll.

The service keeps answering from the old index until the new one is complete and
swapped in; a failed job leaves the old index serving and its error on record.
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Job:
    job_id: str
    kind: str
    status: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    message: str = ""
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


class JobRunner:
    """Runs jobs on one worker thread, in order, and remembers every unfinished one and the
    `keep` most recent in all."""

    def __init__(self, keep: int = 20) -> None:
        self.jobs: dict[str, Job] = {}
        self.keep = keep
        self._lock = threading.Lock()
        self._worker = threading.Lock()

    def submit(self, kind: str, work: Callable[[Callable[[float, str], None]], str]) -> Job:
        """Start `work(progress)` in the background; it returns a summary message."""
        job = Job(job_id=uuid.uuid4().hex[:12], kind=kind)
        with self._lock:
            self.jobs[job.job_id] = job
            self._forget_finished()

        def progress(fraction: float, message: str) -> None:
            job.progress = max(0.0, min(1.0, fraction))
            job.message = message

        def run() -> None:
            with self._worker:
                job.status = "running"
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

    def latest_failure(self) -> Job | None:
        failed = [j for j in self.jobs.values() if j.status == "failed"]
        done = [j for j in self.jobs.values() if j.status == "done"]
        if failed and (not done or failed[-1].started_at > done[-1].started_at):
            return failed[-1]
        return None

    def active(self) -> bool:
        """Whether a job is queued or running."""
        return any(j.status in ("queued", "running") for j in list(self.jobs.values()))

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)
