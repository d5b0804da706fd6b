"""Ingest stage: corpus folder → cleaned, deduplicated documents with metadata and quality notes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from app.domain import Document, QualityNote
from app.errors import BadInputError
from app.ingest import loaders
from app.ingest.cleaning import clean_text
from app.ingest.metadata import (
    ManifestEntry,
    find_delivery_date,
    find_speaker,
    infer_kind,
    infer_title,
    load_manifest,
)
from app.ingest.quality import (
    common_characters,
    drop_near_duplicates,
    missing_character_notes,
    raw_layout_notes,
)
from app.ingest.segmentation import split_page

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    documents: list[Document]
    dropped_duplicates: list[str] = field(default_factory=list)
    dropped_boilerplate: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The supported document files in the corpus folder, in name order."""
    if not corpus_dir.is_dir():
        raise BadInputError(f"corpus folder {corpus_dir} does not exist")
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
) -> Document | None:
    """Clean one document's raw text and give it its metadata."""
    text = clean_text(raw_body)
    if not text:
        return None
    # The manifest speaks for the whole file; on a page of several documents,
    # only its source applies to each one.
    title = (entry.title if single else None) or block_title or infer_title(text)
    kind = (entry.kind if single else None) or infer_kind(title, text)
    delivered = find_delivery_date(text) or (entry.delivered if single else None) or block_date
    reviewed = list(entry.reviewed_years) if single else []
    planned = list(entry.planned_years) if single else []
    year = int(delivered[:4]) if delivered else None
    if kind == "work_report" and year and not (reviewed or planned):
        reviewed, planned = [year - 1], [year]
    elif year and not (reviewed or planned):
        reviewed = [year]
    doc = Document(
        doc_id=doc_id,
        title=title,
        kind=kind,  # type: ignore[arg-type]
        text=text,
        source_file=source_file,
        delivered=delivered,
        reviewed_years=reviewed,
        planned_years=planned,
        speaker=(entry.speaker if single else None) or find_speaker(text),
        source=entry.source,
    )
    doc.quality.extend(raw_layout_notes(raw_body))
    if not delivered:
        doc.quality.append(
            QualityNote("no_date", "no delivery or publication date: add one to manifest.toml")
        )
    return doc


def ingest_file(
    path: Path, entry: ManifestEntry, subject_terms: list[str]
) -> tuple[list[Document], list[str]]:
    """Load one file and turn it into one or more documents."""
    raw = loaders.load(path)
    blocks, dropped = split_page(raw, subject_terms)
    single = len(blocks) == 1
    documents = []
    for n, block in enumerate(blocks, start=1):
        doc_id = path.stem if single else f"{path.stem}-{n}"
        doc = build_document(
            doc_id,
            block.body,
            path.name,
            entry,
            block_title=block.title,
            block_date=block.date,
            single=single,
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
                )
            )
    return documents, dropped


def ingest(corpus_dir: Path, subject_terms: list[str]) -> IngestResult:
    """Read every document in the corpus folder; unreadable files are reported, not fatal."""
    manifest = load_manifest(corpus_dir)
    documents: list[Document] = []
    result = IngestResult(documents=[])
    for path in corpus_files(corpus_dir):
        try:
            docs, dropped = ingest_file(
                path, manifest.get(path.name, ManifestEntry()), subject_terms
            )
        except BadInputError as exc:
            log.warning("skipping %s: %s", path.name, exc)
            result.errors.append(str(exc))
            continue
        documents.extend(docs)
        result.dropped_boilerplate.extend(dropped)
    kept, dup_log = drop_near_duplicates(documents)
    reference = common_characters(kept)
    for doc in kept:
        doc.quality.extend(missing_character_notes(doc, reference))
    result.documents = kept
    result.dropped_duplicates = dup_log
    return result
