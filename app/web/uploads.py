"""Accept an uploaded document safely: size, type by content, a name inside the corpus."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

from app.errors import (
    BadInputError,
    ConflictError,
    DocumentTooLargeError,
    NotFoundError,
    StorageError,
    UnreadableDocumentError,
)
from app.index.journal import Journal, Op
from app.ingest import loaders, worker
from app.ingest.loaders import check_unpacked
from app.ingest.pipeline import ParseLimits, corpus_files, file_ids
from app.text.cjk import HAN

_SAFE_NAME = re.compile(f"[^\\w.\\-{HAN}]+")
PROTECTED = {"manifest.toml"}


def detect_type(
    data: bytes, max_unpacked_bytes: int = 100_000_000, max_chars: int | None = None
) -> str:
    """The document type judged by content, not by the file's name; a zip container is
    checked for its unpacked size (and the text its XML can hold) before anything reads it."""
    head = data[:2048]
    if head.startswith(b"%PDF-"):
        return ".pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            names = archive.namelist()
        except zipfile.BadZipFile as exc:
            raise BadInputError("a damaged zip file: not a .docx") from exc
        if "word/document.xml" not in names:
            raise BadInputError("a zip file that is not a Word document")
        check_unpacked(archive, max_unpacked_bytes, max_chars)
        return ".docx"
    if b"\x00" in head:
        raise BadInputError("a binary file that is not PDF or Word")
    lowered = head.lower().lstrip()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<body" in lowered:
        return ".html"
    return ".txt"


def safe_name(filename: str, detected: str) -> str:
    """A plain file name for the corpus folder, with the extension the content deserves."""
    base = os.path.basename(filename.replace("\\", "/")).strip()
    stem = _SAFE_NAME.sub("_", Path(base).stem).strip("._") or "document"
    suffix = Path(base).suffix.lower()
    if detected == ".txt" and suffix == ".md":
        return f"{stem[:80]}.md"
    if detected == ".html" and suffix == ".htm":
        return f"{stem[:80]}.htm"
    return f"{stem[:80]}{detected}"


def check_ids(corpus_dir: Path, name: str, held: Mapping[str, str]) -> None:
    """ConflictError when placing `name` in the corpus would give a document an id another
    file's document holds (`held`: id → file, the index's documents and sub-documents):
    the upload's own id, or the new id of a file whose id the upload changes."""
    names = [p.name for p in corpus_files(corpus_dir)] if corpus_dir.is_dir() else []
    before, after = file_ids(names), file_ids([*names, name])
    changed = [name] + [n for n in names if n != name and after[n] != before[n]]
    for file in changed:
        others = {i: n for n, i in after.items() if n != file}
        others.update({i: n for i, n in held.items() if n != file})  # the index's ids win
        holder = others.get(after[file])
        if holder is not None:
            whose = "its" if file == name else f"the id of {file} would then be"
            raise ConflictError(
                f"'{name}' cannot be added: {whose} document id '{after[file]}' is that of a "
                f"document from {holder}; rename the file before uploading it"
            )


def store_upload(
    corpus_dir: Path,
    filename: str,
    data: bytes,
    *,
    max_bytes: int,
    max_unpacked_bytes: int = 100_000_000,
    limits: ParseLimits | None = None,
    held_ids: Mapping[str, str] | None = None,
    journal: Journal | None = None,
) -> Path:
    """Check an upload and place it in the corpus folder; on any problem nothing is written.

    `held_ids` (document id → its file) are the ids the library's documents hold: an
    upload that would take one of them, or the name of a file they come from, is refused
    (ConflictError); a file in the corpus that no document comes from (a crash left it
    unindexed) is replaced. Its text may be no longer than `limits.max_chars`
    (DocumentTooLargeError). The change is written to `journal` before it is made."""
    if not data.strip():
        raise BadInputError("the file is empty")
    if len(data) > max_bytes:
        raise BadInputError(f"the file is larger than {max_bytes / 1e6:.0f} MB")
    max_chars = limits.max_chars if limits is not None else None
    detected = detect_type(data, max_unpacked_bytes, max_chars)
    name = safe_name(filename, detected)
    if name in PROTECTED:
        raise BadInputError(f"'{name}' is reserved")
    target = corpus_dir / name
    op = "replace" if target.exists() else "upload"
    if op == "replace" and (held_ids is None or name in set(held_ids.values())):
        raise ConflictError(f"a document named '{name}' already exists; delete it first")
    check_ids(corpus_dir, name, held_ids or {})
    tmp: Path | None = None
    try:
        corpus_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=corpus_dir, prefix=".upload-", suffix=detected)
        tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        _check_text(tmp, limits)
        _place(tmp, target, journal, op, hashlib.sha256(data).hexdigest())
    except DocumentTooLargeError as exc:
        raise DocumentTooLargeError(str(exc).replace(tmp.name if tmp else name, name)) from exc
    except UnreadableDocumentError as exc:
        raise BadInputError(str(exc).replace(tmp.name if tmp else name, name)) from exc
    except OSError as exc:  # a full disk, a read-only folder: nothing half-written stays
        raise StorageError(
            f"cannot store '{name}' in the corpus folder ({exc.strerror or exc}); "
            "the corpus and the index are unchanged"
        ) from exc
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    return target


def _place(tmp: Path, target: Path, journal: Journal | None, op: Op, digest: str) -> None:
    """Move the checked file into the corpus, its intent journaled first (and closed as
    abandoned when the move fails, so a restart does not look for it)."""
    intent = journal.begin(op, target.name, digest) if journal is not None else None
    try:
        os.replace(tmp, target)
    except OSError:
        if intent is not None:
            journal.finish(intent.intent_id, "abandoned")
        raise


def _check_text(path: Path, limits: ParseLimits | None) -> None:
    """It must yield text (no more than `limits.max_chars`), or the upload is refused; PDF,
    Word and HTML are opened in a child process with a memory and a time limit (a hostile
    file costs only that)."""
    if limits is not None and worker.parsed_apart(path):
        timeout_s = min(limits.timeout_s, 120)
        worker.run(
            "check",
            path,
            memory_mb=limits.memory_mb,
            timeout_s=timeout_s,
            max_chars=limits.max_chars,
        )
    else:
        loaders.check(path, limits.max_chars if limits is not None else None)


def corpus_path(corpus_dir: Path, name: str, *, must_exist: bool = True) -> Path:
    """The path of a document in the corpus folder; names cannot leave the folder."""
    if name != os.path.basename(name) or name in ("", ".", "..") or name in PROTECTED:
        raise BadInputError(f"'{name}' is not a document name")
    path = corpus_dir / name
    try:
        inside = path.resolve().parent == corpus_dir.resolve()
        inside = inside and (path.is_file() or not must_exist)
    except (OSError, ValueError):  # a name too long, or with a NUL, names no file
        inside = False
    if not inside:
        raise NotFoundError(f"no document file named '{name[:80]}'")
    return path


def remove_file(corpus_dir: Path, name: str, indexed: set[str], journal: Journal) -> None:
    """Remove a document file, its intent journaled first. A file the index still holds
    documents of but that is already gone (a delete a crash interrupted) is no error: the
    re-index that follows removes its documents. 404 for a name neither holds."""
    path = corpus_path(corpus_dir, name, must_exist=name not in indexed)
    intent = journal.begin("delete", name)
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        journal.finish(intent.intent_id, "abandoned")
        raise StorageError(f"cannot remove '{name}' ({exc.strerror or exc})") from exc
