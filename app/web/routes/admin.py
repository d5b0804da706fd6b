"""Admin (token): upload a document, re-index, delete; background jobs and their progress."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool

from app.ingest.pipeline import ParseLimits
from app.web.deps import PROBLEMS, AppState, Problem, get_state, require_admin
from app.web.jobs import Job
from app.web.uploads import remove_file, store_upload

router = APIRouter(tags=["admin"], responses=PROBLEMS)
admin_only = [Depends(require_admin)]


def start_reindex(state: AppState, kind: str) -> Job:
    """Rebuild the index in the background; the old one serves until the new one is in."""
    service = state.require_service()

    def work(progress) -> str:
        index = service.reindex(progress=progress)
        return f"indexed {index.manifest.n_documents} documents as {index.manifest.n_chunks} chunks"

    return state.jobs.submit(kind, work)


# Any non-empty bytes, as the schema says: a part without a file name arrives as text, and
# an empty part as none at all (both 422 "the file is empty", see `validation_message`).
UPLOAD = File(
    ...,
    description="The document (.txt .md .html .pdf .docx), judged by its content, not its name.",
    json_schema_extra={"minLength": 1},
)


BROKEN_FORM = {400: {"model": Problem, "description": "a multipart body that cannot be parsed"}}


@router.post(
    "/api/admin/documents", status_code=202, dependencies=admin_only, responses=BROKEN_FORM
)
async def upload(file: UploadFile | str = UPLOAD, state: AppState = Depends(get_state)) -> dict:
    """Add a document (.txt .md .html .pdf .docx) and re-index in the background."""
    settings = state.settings
    service = state.require_service()
    documents = service.index.documents.values()
    limit = int(settings.max_upload_mb * 1e6)
    data = file.encode() if isinstance(file, str) else await file.read(limit + 1)
    path = await run_in_threadpool(
        store_upload,
        settings.corpus_dir,
        getattr(file, "filename", None) or "upload",
        data,
        max_bytes=limit,
        max_unpacked_bytes=int(settings.max_unpacked_mb * 1e6),
        limits=ParseLimits(
            settings.parse_memory_mb, settings.parse_timeout_s, settings.max_document_chars
        ),
        held_ids={d.doc_id: d.source_file for d in documents},
        journal=service.journal,
    )
    job = start_reindex(state, f"upload {path.name}")
    return {"file": path.name, "job": job.to_dict()}


@router.post("/api/admin/reindex", status_code=202, dependencies=admin_only)
def reindex(state: AppState = Depends(get_state)) -> dict:
    """Rebuild the index from the corpus folder in the background."""
    return {"job": start_reindex(state, "reindex").to_dict()}


@router.delete("/api/admin/documents/{name}", status_code=202, dependencies=admin_only)
def delete(name: str, state: AppState = Depends(get_state)) -> dict:
    """Remove a document file (by file name or document id) and re-index in the background.

    A document that shares its file with others (a scraped page holding several) is not
    deleted by its id: the answer is 409 naming the others, and the file stays. Deleting
    by the file's name removes them all. A document whose file is already gone is
    removed from the index all the same."""
    service = state.require_service()
    if name in service.index.documents:
        doc = service.index.documents[name]
        others = sorted(
            d.doc_id
            for d in service.index.documents.values()
            if d.source_file == doc.source_file and d.doc_id != doc.doc_id
        )
        if others:
            raise HTTPException(
                409,
                detail=f"'{name}' shares the file {doc.source_file} with {', '.join(others)}; "
                f"delete the file by its name to remove them all",
            )
        name = doc.source_file
    indexed = {d.source_file for d in service.index.documents.values()}
    remove_file(state.settings.corpus_dir, name, indexed, service.journal)
    return {"file": name, "job": start_reindex(state, f"delete {name}").to_dict()}


@router.get("/api/jobs/{job_id}")
def job(job_id: str, state: AppState = Depends(get_state)) -> dict:
    """Progress of a background indexing job."""
    found = state.jobs.get(job_id)
    if found is None:
        raise HTTPException(404, detail="no such job")
    return found.to_dict()
