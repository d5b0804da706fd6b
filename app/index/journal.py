"""The library journal: every change to the corpus folder, written before it happens.

A change (an upload, a replacement, a delete) touches the corpus folder first and the
index afterwards, in a background job; a process killed between the two would leave a
file nobody indexes, or a document served whose file is gone. So each change is first
appended to `journal.jsonl` beside the index as an intent (and fsynced), and closed once a
build that reflects it is in service. At start-up the service finishes what is still open
(`QAService.reconcile`), and `/readyz` is not ready while the corpus and the index
disagree (`corpus_drift`).

Lines: {"intent": id, "op", "file", "sha256", "at"}, then {"done": id, "outcome", "at"}
with outcome done | abandoned (the file never reached the corpus) | superseded (a newer
change of the same file). A line torn by a crash is skipped.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from app.errors import BadInputError
from app.ingest.pipeline import corpus_files

log = logging.getLogger(__name__)
FILE = "journal.jsonl"
Op = Literal["upload", "replace", "delete"]


@dataclass(frozen=True)
class Intent:
    """One change of one corpus file, not yet known to be in the index in service."""

    intent_id: str
    op: Op
    file: str
    sha256: str | None = None  # the bytes an upload or a replacement placed
    at: float = 0.0

    def describe(self) -> str:
        return f"the {self.op} of {self.file} is not finished"


class Journal:
    """Intents of corpus changes, appended to one JSON-lines file; safe across threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @classmethod
    def of_index(cls, index_dir: Path) -> Journal:
        return cls(Path(index_dir) / FILE)

    def begin(self, op: Op, file: str, sha256: str | None = None) -> Intent:
        """Record (durably) that `file` is about to change; an older open change of the same
        file is closed as superseded, so a restart never replays it over this one."""
        intent = Intent(uuid.uuid4().hex[:12], op, file, sha256, time.time())
        for older in self.pending():
            if older.file == file:
                self.finish(older.intent_id, "superseded")
        record = asdict(intent)
        record["intent"] = record.pop("intent_id")
        self._append(record)
        return intent

    def finish(self, intent_id: str, outcome: str = "done") -> None:
        self._append({"done": intent_id, "outcome": outcome, "at": time.time()})

    def pending(self) -> list[Intent]:
        """The changes begun and not finished, oldest first."""
        opened: dict[str, Intent] = {}
        for record in self._records():
            if "intent" in record:
                opened[record["intent"]] = Intent(
                    record["intent"],
                    record["op"],
                    record["file"],
                    record.get("sha256"),
                    record.get("at", 0.0),
                )
            elif "done" in record:
                opened.pop(record["done"], None)
        return list(opened.values())

    def settle(self, sources: dict[str, dict], corpus_dir: Path) -> list[Intent]:
        """Close every open change that the build of `sources` (file → sha256, bytes) shows
        done, and every upload whose file is in neither (it never arrived, or was removed
        since); the others stay open. Returns those closed as done."""
        closed = []
        for intent in self.pending():
            if _reflected(intent, sources, corpus_dir):
                self.finish(intent.intent_id)
                closed.append(intent)
            elif intent.op != "delete" and not _anywhere(intent.file, sources, corpus_dir):
                self.finish(intent.intent_id, "abandoned")
        return closed

    def _records(self) -> list[dict]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except ValueError:  # a line a crash cut short
                log.warning("skipping a torn line of %s", self.path)
        return records

    def _append(self, record: dict) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            new = not self.path.exists()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as out:
                if not new and out.tell() and not _ends_with_newline(self.path):
                    out.write(b"\n")  # never glue a record onto a torn line
                out.write(line.encode("utf-8"))
                out.flush()
                os.fsync(out.fileno())
            if new:  # the file's own entry in its folder must survive a crash too
                folder = os.open(self.path.parent, os.O_RDONLY)
                try:
                    os.fsync(folder)
                finally:
                    os.close(folder)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _anywhere(file: str, sources: dict[str, dict], corpus_dir: Path) -> bool:
    return file in sources or (corpus_dir / file).exists()


def _reflected(intent: Intent, sources: dict[str, dict], corpus_dir: Path) -> bool:
    """Whether a build that read `sources` holds the change: a deleted file neither in the
    corpus nor read; an added one read with the bytes the change placed."""
    if intent.op == "delete":
        return intent.file not in sources and not (corpus_dir / intent.file).exists()
    read = sources.get(intent.file)
    return read is not None and intent.sha256 in (None, read.get("sha256"))


def corpus_drift(corpus_dir: Path, sources: dict[str, dict] | None) -> list[str]:
    """How the corpus folder now differs from what the index in service was built from
    (`sources`, the build's files with their sizes): files it never read, files gone since,
    files changed since. Nothing when the build did not record its sources."""
    if sources is None:
        return []
    try:
        present = {p.name: p.stat().st_size for p in corpus_files(corpus_dir)}
    except (BadInputError, OSError) as exc:  # no folder, or a file gone while listed
        return [f"the corpus folder cannot be read ({exc})"]
    problems = [
        f"{name} is in the corpus but not in the index" for name in present.keys() - sources.keys()
    ]
    problems += [
        f"{name} is in the index but gone from the corpus"
        for name in sources.keys() - present.keys()
    ]
    problems += [
        f"{name} changed since it was indexed"
        for name in present.keys() & sources.keys()
        if present[name] != sources[name].get("bytes")
    ]
    return sorted(problems)
