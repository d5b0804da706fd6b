"""The HTML pages: ask, the library, one document with highlighted passages."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from app.errors import BadInputError
from app.web import i18n
from app.web.deps import AppState, get_state
from app.web.i18n import STRINGS, choose_language
from app.web.routes.documents import document_sections

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
i18n.install(templates.env)
EXAMPLE_QUESTIONS = [
    "2023年新增多少跨国公司地区总部？",
    "2024年政府工作报告提出的地区生产总值增长目标是多少？",
    "2025年徐汇区全年收储土地多少亩？",
    "What growth target for total fixed-asset investment was set in the 2024 report?",
    "How many artificial intelligence companies had clustered in Xuhui by 2025?",
]


def render_page(request: Request, state: AppState, name: str, **context) -> HTMLResponse:
    """A page in the reader's language (remembered in a cookie when chosen with ?lang=)."""
    lang = choose_language(request)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "t": STRINGS[lang],
            "lang": lang,
            "admin_enabled": state.settings.admin_token is not None,
            **context,
        },
    )
    if request.query_params.get("lang") in STRINGS:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax")
    return response


def highlight(text: str, hl: str | None) -> list[tuple[str, bool]]:
    """The document text cut into (piece, highlighted) parts for a `start-end[,start-end]` range."""
    ranges = []
    for part in (hl or "").split(","):
        try:
            start, end = (int(x) for x in part.split("-"))
        except ValueError:
            continue
        if 0 <= start < end <= len(text):
            ranges.append((start, end))
    parts, cursor = [], 0
    for start, end in sorted(ranges):
        if start < cursor:
            continue
        parts.append((text[cursor:start], False))
        parts.append((text[start:end], True))
        cursor = end
    parts.append((text[cursor:], False))
    return [p for p in parts if p[0]]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, state: AppState = Depends(get_state)) -> HTMLResponse:
    docs = state.service.documents() if state.service and not state.withheld else []
    years = sorted({y for d in docs for y in d.covered_years}, reverse=True)
    return render_page(
        request, state, "index.html", examples=EXAMPLE_QUESTIONS, years=years, documents=docs
    )


@router.get("/documents", response_class=HTMLResponse)
def documents_page(request: Request, state: AppState = Depends(get_state)) -> HTMLResponse:
    service = state.require_service()
    return render_page(
        request,
        state,
        "documents.html",
        documents=service.documents(),
        dropped=service.index.manifest.dropped_duplicates,
        skipped=service.index.manifest.errors,
        failure=state.jobs.latest_failure(),
    )


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(
    request: Request, doc_id: str, hl: str | None = None, state: AppState = Depends(get_state)
) -> HTMLResponse:
    service = state.require_service()
    try:
        doc = service.document(doc_id)
    except BadInputError:
        return RedirectResponse("/documents", status_code=303)
    parts = highlight(doc.text, hl)
    first_hl = next((i for i, (_, marked) in enumerate(parts) if marked), -1)
    return render_page(
        request,
        state,
        "document.html",
        doc=doc,
        parts=parts,
        first_hl=first_hl,
        sections=document_sections(service, doc_id),
    )


@router.get("/admin/log", response_class=HTMLResponse)
def log_page(request: Request, state: AppState = Depends(get_state)) -> HTMLResponse:
    """The question log; its rows come from /api/admin/log with the admin token."""
    return render_page(request, state, "log.html")
