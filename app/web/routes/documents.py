"""The library: every document's metadata, and one document with its text and sections."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.service import QAService
from app.web.deps import PROBLEMS, AppState, get_state

router = APIRouter(tags=["documents"], responses=PROBLEMS)


def document_sections(service: QAService, doc_id: str) -> list[dict]:
    """A document's sections with their character span and years, in text order."""
    sections: dict[str, dict] = {}
    for chunk in service.index.chunks:
        if chunk.doc_id != doc_id:
            continue
        entry = sections.setdefault(
            chunk.section,
            {
                "section": chunk.section,
                "start": chunk.start,
                "end": chunk.end,
                "years": chunk.years,
            },
        )
        entry["start"] = min(entry["start"], chunk.start)
        entry["end"] = max(entry["end"], chunk.end)
    return sorted(sections.values(), key=lambda s: s["start"])


@router.get("/api/documents")
def documents(state: AppState = Depends(get_state)) -> dict:
    """The library: metadata and quality notes of every document."""
    service = state.require_service()
    failure = state.jobs.latest_failure()
    return {
        "documents": [d.to_dict() for d in service.documents()],
        "dropped_duplicates": service.index.manifest.dropped_duplicates,
        "skipped": service.index.manifest.errors,  # files read but not indexed, and why
        "last_failure": failure.to_dict() if failure else None,
    }


@router.get("/api/documents/{doc_id}")
def document(doc_id: str, state: AppState = Depends(get_state)) -> dict:
    """One document: metadata, quality report, cleaned text and its section anchors."""
    service = state.require_service()
    doc = service.document(doc_id)  # NotFoundError: 404
    return {**doc.to_dict(with_text=True), "sections": document_sections(service, doc_id)}
