"""Files from outside are parsed in a child process with a memory and a time limit.

A PDF, Word or HTML file is parsed by libraries that trust their input: a file built to
make one balloon (a zip bomb, a PDF with a billion-pixel image) or spin must cost its
own parse, never the service. So `load` and `check` of those formats run in a child
process (`python -m app.ingest.worker`, started fresh, never forked from the
service's threads) whose address space is
capped (`RLIMIT_AS`) and which is killed past its time limit; page progress comes back
as JSON lines on its output, then the text. Plain text is read in the service's own process: reading
it is bounded by its size, which the upload limit bounds.
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from app.errors import DocumentTooLargeError, UnreadableDocumentError

PARSED_APART = {".pdf", ".docx", ".html", ".htm"}
PagesCallback = Callable[[int, int, int], None]


def _child(task: str, path: str, memory_bytes: int, max_chars: int | None = None) -> None:
    """In the child: cap memory, parse, write JSON lines: {"pages": […]}*, then {"ok": text}
    or {"error": kind, "message": …}. `max_chars` is the most text a document may hold."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    out = sys.stdout

    def send(record: dict) -> None:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()

    try:
        from app.ingest import loaders

        if task == "check":
            loaders.check(Path(path), max_chars)
            send({"ok": ""})
        else:

            def pages(page: int, total: int, ocr_pages: int) -> None:
                send({"pages": [page, total, ocr_pages]})

            send({"ok": loaders.load(Path(path), pages, max_chars)})
    except MemoryError:
        send({"error": "memory", "message": ""})
    except Exception as exc:  # reported to the parent, which raises it as unreadable
        send({"error": type(exc).__name__, "message": str(exc)})


def run(
    task: str,
    path: Path,
    *,
    memory_mb: int,
    timeout_s: float,
    pages: PagesCallback | None = None,
    max_chars: int | None = None,
) -> str:
    """`loaders.load` ("load") or `loaders.check` ("check") of `path` in a limited child."""
    command = [sys.executable, "-m", "app.ingest.worker", task, str(path), str(memory_mb * 2**20)]
    child = subprocess.Popen(
        command + ([str(max_chars)] if max_chars is not None else []),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout_s
    buffer = b""
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(child.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise UnreadableDocumentError(
                        f"{path.name}: reading it took longer than {timeout_s:g} s; "
                        "the file was set aside"
                    )
                if not selector.select(min(remaining, 0.5)):
                    continue
                data = os.read(child.stdout.fileno(), 1 << 20)
                if not data:  # the child is gone
                    break
                buffer += data
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    record = json.loads(line)
                    if "pages" in record and pages is not None:
                        pages(*record["pages"])
                    elif "ok" in record:
                        return record["ok"]
                    elif "error" in record:
                        raise _error(path, record["error"], record["message"], memory_mb)
        child.wait(5)
        code = child.returncode
        reason = "it was killed (out of memory?)" if code and code < 0 else f"exit code {code}"
        raise _error(path, "exit", f"the reader stopped: {reason}", memory_mb)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(5)
        child.stdout.close()


def _error(path: Path, kind: str, message: str, memory_mb: int) -> UnreadableDocumentError:
    if kind == "memory":
        return UnreadableDocumentError(
            f"{path.name}: reading it needed more than {memory_mb} MB of memory; "
            "the file was set aside"
        )
    if kind == "exit":
        return UnreadableDocumentError(f"{path.name}: {message}")
    if kind == DocumentTooLargeError.__name__:
        return DocumentTooLargeError(message if path.name in message else f"{path.name}: {message}")
    # The child's own error (already a sentence about the file when it is ours).
    return UnreadableDocumentError(message if path.name in message else f"{path.name}: {message}")


def parsed_apart(path: Path) -> bool:
    return path.suffix.lower() in PARSED_APART


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:5]))
