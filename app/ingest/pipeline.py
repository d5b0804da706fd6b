"""Ingest stage: corpus folder → cleaned, deduplicated documents with metadata and quality notes."""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from app.domain import Document, QualityNote
from app.errors import BadInputError
from app.ingest import loaders, worker
from app.ingest.chrome import repeated_lines, strip_chrome
from app.ingest.cleaning import clean_text
from app.ingest.metadata import ManifestEntry, infer_metadata, load_manifest
from app.ingest.quality import (
    chrome_note,
    common_characters,
    drop_near_duplicates,
    instruction_note,
    missing_character_notes,
    raw_layout_notes,
)
from app.ingest.segmentation import split_page

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]


@dataclass
class IngestResult:
    documents: list[Document]
    dropped_duplicates: list[str] = field(default_factory=list)
    dropped_boilerplate: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # every corpus file read, by name: {"sha256", "bytes"} (what the index was built from)
    sources: dict[str, dict] = field(default_factory=dict)


MISSING_CORPUS_FIX = (
    "create the folder with the documents in it, or point XUHUI_CORPUS_DIR (or --corpus) at "
    "the folder that holds them"
)


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The supported document files in the corpus folder, in name order."""
    if not corpus_dir.is_dir():
        raise BadInputError(f"the corpus folder {corpus_dir} does not exist: {MISSING_CORPUS_FIX}")
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file() and p.suffix.lower() in loaders.SUPPORTED_SUFFIXES and p.name[0] != "."
    )


def build_document(
    doc_id: str,
    raw_body: str,
    source_file: str,
    entry: ManifestEntry,
    *,
    block_title: str | None = None,
    block_date: str | None = None,
    single: bool = True,
    repeated: frozenset[str] = frozenset(),
) -> Document | None:
    """Strip the page chrome, clean the text and read its metadata (the manifest last)."""
    chrome = strip_chrome(raw_body, repeated)
    text = clean_text(chrome.text)
    if not text:
        return None
    # The manifest speaks for the whole file; on a page of several documents,
    # only its source applies to each one.
    found, overridden = infer_metadata(
        raw_body,
        text,
        page_title=block_title,
        page_date=block_date,
        manifest=entry if single else None,
    )

    def value(name: str, default=None):
        return found[name].value if name in found else default

    doc = Document(
        doc_id=doc_id,
        title=value("title"),
        kind=value("kind"),
        text=text,
        source_file=source_file,
        delivered=value("delivered"),
        reviewed_years=list(value("reviewed_years", [])),
        planned_years=list(value("planned_years", [])),
        speaker=value("speaker"),
        source=entry.source,
        provenance={name: {"how": f.how, "evidence": f.evidence} for name, f in found.items()},
    )
    doc.quality.extend(_quality_notes(doc, raw_body, chrome.dropped, overridden))
    return doc


def _quality_notes(
    doc: Document, raw_body: str, dropped_chrome: list[str], overridden: list[tuple]
) -> list[QualityNote]:
    """What a reader of the document should know of its text: its raw layout, the page
    chrome dropped, the manifest's values the text disagrees with, a missing date."""
    notes = list(raw_layout_notes(raw_body))
    if dropped_chrome:
        notes.append(chrome_note(dropped_chrome))
    instructions = instruction_note(doc.text)
    if instructions is not None:
        notes.append(instructions)
    for name, text_value, manifest_value in overridden:
        notes.append(
            QualityNote(
                "manifest_overrides",
                f"manifest.toml sets {name} to {manifest_value}; the text says {text_value}",
                "info",
                {"field": name, "text": str(text_value), "manifest": str(manifest_value)},
            )
        )
    if not doc.delivered:
        notes.append(
            QualityNote(
                "no_date",
                "no delivery or publication date in the text: add `delivered` for "
                f"{doc.source_file} to corpus/manifest.toml",
                "warning",
                {"file": doc.source_file},
            )
        )
    return notes


def ingest_file(
    path: Path,
    entry: ManifestEntry,
    subject_terms: list[str],
    *,
    raw: str | None = None,
    shared_lines: frozenset[str] = frozenset(),
    stems: dict[str, int] | None = None,
) -> tuple[list[Document], list[str]]:
    """Load one file and turn it into one or more documents.

    `shared_lines` are short lines that recur across the corpus's files (a site's header
    and footer); lines that recur on the pages of this file (a PDF's running head) are
    found here. Both are dropped as chrome.
    """
    raw = loaders.load(path) if raw is None else raw
    pages = raw.split(loaders.PAGE_BREAK)
    repeated = frozenset(repeated_lines(pages)) | shared_lines if len(pages) > 2 else shared_lines
    raw = raw.replace(loaders.PAGE_BREAK, "\n")
    blocks, dropped = split_page(raw, subject_terms)
    single = len(blocks) == 1
    documents = []
    for n, block in enumerate(blocks, start=1):
        stem = doc_stem(path, stems)
        doc_id = stem if single else f"{stem}-{n}"
        doc = build_document(
            doc_id,
            block.body,
            path.name,
            entry,
            block_title=block.title,
            block_date=block.date,
            single=single,
            repeated=repeated,
        )
        if doc is not None:
            documents.append(doc)
    if dropped:
        for doc in documents[:1]:
            doc.quality.append(
                QualityNote(
                    "boilerplate_dropped",
                    f"{len(dropped)} block(s) of page text that never mention "
                    f"{'/'.join(subject_terms)} were dropped as site boilerplate",
                    "info",
                    {"blocks": len(dropped), "subject": "/".join(subject_terms)},
                )
            )
    return documents, dropped


EXTRACTOR_VERSION = "2"  # bump when a loader's output changes: cached texts are redone


def doc_stem(path: Path, stems: dict[str, int] | None) -> str:
    """A document id from its file name: the stem, with the extension when two files share
    the stem (report.pdf and report.docx are two documents)."""
    if stems and stems.get(path.stem, 0) > 1:
        return f"{path.stem}-{path.suffix.lstrip('.').lower()}"
    return path.stem


def unique_ids(documents: list[Document]) -> None:
    """Give every document an id no other holds, in place, before anything is keyed by it.

    A file's own stem (coll-txt.txt → coll-txt) keeps its id over an id derived from
    another file's name (coll.txt beside coll.md → coll-txt; page.txt of two documents →
    page-1, page-2); the one that yields gets the first free `<id>~<n>` and a note."""
    taken = {doc.doc_id for doc in documents}
    claims: dict[str, list[Document]] = {}
    for doc in documents:
        claims.setdefault(doc.doc_id, []).append(doc)
    for doc_id, claimants in claims.items():
        if len(claimants) < 2:
            continue
        ranked = sorted(
            claimants, key=lambda d: (doc_id != Path(d.source_file).stem, d.source_file)
        )
        for doc in ranked[1:]:
            n = 2
            while f"{doc_id}~{n}" in taken:
                n += 1
            doc.doc_id = f"{doc_id}~{n}"
            taken.add(doc.doc_id)
            doc.quality.append(
                QualityNote(
                    "id_renamed",
                    f"the id {doc_id} is also that of a document from {ranked[0].source_file}; "
                    f"this one from {doc.source_file} is {doc.doc_id}",
                    "warning",
                    {"id": doc_id, "other": ranked[0].source_file, "new_id": doc.doc_id},
                )
            )


def file_ids(names: Iterable[str]) -> dict[str, str]:
    """The id of each file's document when the file holds one (`doc_stem` over these names)."""
    names = list(dict.fromkeys(names))
    stems = Counter(Path(name).stem for name in names)
    return {name: doc_stem(Path(name), stems) for name in names}


@dataclass(frozen=True)
class ParseLimits:
    """What the child process parsing one PDF, Word or HTML file may take, and the most
    characters of text one document may hold (`max_chars`; None: no cap)."""

    memory_mb: int
    timeout_s: float
    max_chars: int | None = None


def extract(path: Path, limits: ParseLimits | None, progress: Progress | None = None) -> str:
    """A file's text: PDF, Word and HTML in a limited child process (when `limits`)."""
    pages = _page_progress(path, progress)
    max_chars = limits.max_chars if limits is not None else None
    if limits is not None and worker.parsed_apart(path):
        return worker.run(
            "load",
            path,
            memory_mb=limits.memory_mb,
            timeout_s=limits.timeout_s,
            pages=pages,
            max_chars=max_chars,
        )
    return loaders.load(path, pages, max_chars)


def load_cached(
    path: Path,
    cache_dir: Path | None,
    progress: Progress | None = None,
    limits: ParseLimits | None = None,
    digest: str | None = None,
) -> str:
    """A file's extracted text, from the cache when the same bytes (`digest`, their
    sha256) were read before.

    OCR takes seconds a page: a scanned PDF is read once, not on every re-index."""
    if cache_dir is None:
        return extract(path, limits, progress)
    digest = digest or hashlib.sha256(path.read_bytes()).hexdigest()
    cached = cache_dir / f"{digest}-{EXTRACTOR_VERSION}.txt"
    if cached.is_file():
        return cached.read_text(encoding="utf-8")
    text = extract(path, limits, progress)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, cached)
    return text


def _page_progress(path: Path, progress: Progress | None):
    if progress is None:
        return None

    def pages(page: int, total: int, ocr_pages: int) -> None:
        ocr = f", {ocr_pages} by OCR" if ocr_pages else ""
        progress(page / max(total, 1), f"{path.name}: page {page}/{total}{ocr}")

    return pages


def _read_files(
    files: list[Path],
    result: IngestResult,
    cache_dir: Path | None,
    progress: Progress | None,
    limits: ParseLimits | None,
) -> dict[Path, str]:
    """Each file's extracted text. What was read goes to `result.sources` with its hash and
    size; what cannot be read, or is longer than `limits.max_chars`, to `result.errors`."""
    raws: dict[Path, str] = {}
    for n, path in enumerate(files):
        step = None
        if progress is not None:
            progress(n / len(files), f"reading {path.name}")

            def step(fraction: float, message: str, n: int = n) -> None:
                progress((n + fraction) / len(files), message)

        try:
            data = path.read_bytes()
        except OSError as exc:  # removed since the folder was listed
            log.warning("skipping %s: %s", path.name, exc)
            continue
        digest = hashlib.sha256(data).hexdigest()
        result.sources[path.name] = {"sha256": digest, "bytes": len(data)}
        try:
            raw = load_cached(path, cache_dir, step, limits, digest)
            if limits is not None and limits.max_chars is not None and len(raw) > limits.max_chars:
                raise loaders.too_large(path.name, len(raw), limits.max_chars)
            raws[path] = raw
        except BadInputError as exc:
            log.warning("skipping %s: %s", path.name, exc)
            result.errors.append(str(exc))
    return raws


def ingest(
    corpus_dir: Path,
    subject_terms: list[str],
    *,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    limits: ParseLimits | None = None,
) -> IngestResult:
    """Read every document in the corpus folder; unreadable files are reported, not fatal.

    `progress(fraction, message)` follows the reading file by file (and a PDF page by
    page); `cache_dir` keeps extracted texts by content hash; with `limits`, PDF, Word and
    HTML files are parsed in a child process that may take only so much memory and time."""
    manifest = load_manifest(corpus_dir)
    documents: list[Document] = []
    result = IngestResult(documents=[])
    files = corpus_files(corpus_dir)
    raws = _read_files(files, result, cache_dir, progress, limits)
    shared = frozenset(repeated_lines(list(raws.values())))
    stems = Counter(path.stem for path in files)
    for path, raw in raws.items():
        docs, dropped = ingest_file(
            path,
            manifest.get(path.name, ManifestEntry()),
            subject_terms,
            raw=raw,
            shared_lines=shared,
            stems=stems,
        )
        documents.extend(docs)
        result.dropped_boilerplate.extend(dropped)
    unique_ids(documents)
    kept, dup_log = drop_near_duplicates(documents)
    reference = common_characters(kept)
    for doc in kept:
        doc.quality.extend(missing_character_notes(doc, reference))
    result.documents = kept
    result.dropped_duplicates = dup_log
    return result
