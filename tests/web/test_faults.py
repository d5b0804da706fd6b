"""Faults a hostile-but-fair tester found: each test here failed before its fix."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile

import httpx
import pytest
from fastapi.testclient import TestClient

from app.service import QAService
from app.web.app import create_app
from tests.fakes import ScriptedLLM
from tests.ingest.test_pipeline import SCRAPED_PAGE
from tests.servers import serve_in_thread
from tests.web.test_web import TOKEN, make_client

pytestmark = pytest.mark.unit


class TrickleLLM(ScriptedLLM):
    """Chooses [1] and then writes a character every 0.1 s for a minute, unless stopped."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.stopped = threading.Event()

    def complete(self, messages, *, stream=False, max_tokens=160, lead=None, grammar=None):
        if lead is None:
            yield from super().complete(messages, stream=stream, max_tokens=max_tokens)
            return
        from tests.fakes import _logprobs

        lead.record(_logprobs("[1]", None, lead.options))
        self.started.set()
        try:
            yield "[1] "
            for _ in range(600):
                time.sleep(0.1)
                yield "很"
        finally:
            self.stopped.set()


def test_a_client_that_leaves_post_ask_frees_the_model(settings, fake_embedder):
    from app.index import build_index

    llm = TrickleLLM()
    service = QAService(settings, build_index(settings, fake_embedder), fake_embedder, llm)
    app = create_app(settings.model_copy(update={"generation_timeout_s": 120}), service=service)
    with serve_in_thread(app) as base:
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(
                base + "/api/ask", json={"question": "2023年新增多少跨国公司地区总部"}, timeout=2
            )
        assert llm.started.is_set()
        left = time.monotonic()
        assert llm.stopped.wait(5), "the generation went on after its client left"
        assert time.monotonic() - left < 3
        assert app.state.qa.gate.pending == 0


@pytest.mark.parametrize("question", ["\ud800徐汇", "\u200b\u200b\u200c", "\ufeff \u2060"])
def test_a_question_that_is_not_text_is_a_422(settings, fake_embedder, question):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    with client:
        body = json.dumps({"question": question})  # a lone surrogate travels as \\ud800
        response = client.post(
            "/api/ask", content=body.encode(), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, response.text
        if "\ud800" not in question:  # a URL cannot carry a lone surrogate at all
            assert client.get("/api/search", params={"q": question}).status_code == 422


def test_an_unknown_document_is_a_404(settings, fake_embedder):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    with client:
        ask = client.post("/api/ask", json={"question": "新增多少总部", "doc_id": "no-such-doc"})
        assert ask.status_code == 404 and "no-such-doc" in ask.json()["detail"]
        search = client.get("/api/search", params={"q": "总部", "doc_id": "no-such-doc"})
        assert search.status_code == 404


def test_a_body_over_the_limit_is_refused_before_it_is_read(settings, fake_embedder):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM(), max_body_kb=64)
    with client:
        big = b'{"question": "' + b"a" * 200_000 + b'"}'
        response = client.post(
            "/api/ask", content=big, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413


def test_an_upload_without_the_token_is_refused_before_its_body_is_read(settings, fake_embedder):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM(), max_upload_mb=1)
    read = []

    def body():
        for _ in range(50):  # 50 MB, if anyone read it all
            read.append(1)
            yield b"x" * 1_000_000

    with client:
        response = client.post(
            "/api/admin/documents",
            content=body(),
            headers={"Content-Type": "multipart/form-data; boundary=x"},
        )
        assert response.status_code == 401
        assert len(read) <= 2, f"{len(read)} MB read before the 401"


def _docx_bomb(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b"\0" * size)
    return buffer.getvalue()


def test_a_zip_bomb_docx_is_refused_by_its_unpacked_size(settings, fake_embedder):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM(), max_unpacked_mb=5)
    bomb = _docx_bomb(30_000_000)
    assert len(bomb) < 100_000
    with client:
        response = client.post(
            "/api/admin/documents",
            files={"file": ("bomb.docx", bomb, "application/octet-stream")},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 422 and "unpacks to" in response.json()["detail"]
        assert not (settings.corpus_dir / "bomb.docx").exists()


def test_deleting_one_document_of_a_shared_file_keeps_the_others(settings, fake_embedder):
    (settings.corpus_dir / "page.txt").write_text(SCRAPED_PAGE, encoding="utf-8")
    client, service = make_client(settings, fake_embedder, ScriptedLLM())
    assert {"page-1", "page-2"} <= service.index.documents.keys()
    with client:
        response = client.delete(
            "/api/admin/documents/page-1", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status_code == 409 and "page-2" in response.json()["detail"]
        assert (settings.corpus_dir / "page.txt").is_file()


def test_two_files_with_one_name_are_two_documents(settings, fake_embedder):
    (settings.corpus_dir / "notes.txt").write_text("徐汇区新增绿地8公顷。", encoding="utf-8")
    (settings.corpus_dir / "notes.html").write_text(
        "<html><body><p>徐汇区新建口袋公园27座。</p></body></html>", encoding="utf-8"
    )
    _, service = make_client(settings, fake_embedder, ScriptedLLM())
    docs = service.index.documents
    assert docs["notes-txt"].source_file == "notes.txt"
    assert docs["notes-html"].source_file == "notes.html"


def test_a_missing_model_file_is_not_ready_and_search_still_works(
    settings, fake_embedder, tmp_path
):
    from app.service import llm_from_settings

    settings = settings.model_copy(update={"llm_model": str(tmp_path / "gone.gguf")})
    client, _ = make_client(settings, fake_embedder, llm_from_settings(settings))
    with client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "gone.gguf" in ready.json()["detail"]
        assert client.get("/api/search", params={"q": "跨国公司地区总部"}).status_code == 200
        extractive = client.post(
            "/api/ask", json={"question": "新增多少跨国公司地区总部", "mode": "extractive"}
        )
        assert extractive.status_code == 200
        llm = client.post("/api/ask", json={"question": "新增多少跨国公司地区总部", "mode": "llm"})
        assert llm.status_code == 503 and "gone.gguf" in llm.json()["detail"]


def test_the_api_docs_load_their_assets_from_this_service(settings, fake_embedder):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    with client:
        page = client.get("/docs").text
        assert "cdn" not in page.lower()
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
            src = next(part for part in page.split('"') if part.endswith(asset))
            assert src.startswith("/") and client.get(src).status_code == 200


def test_deleting_a_name_no_file_can_have_is_a_404(settings, fake_embedder):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    with client:
        response = client.delete(
            "/api/admin/documents/" + "x" * 300, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status_code == 404


@pytest.mark.parametrize("error", [28, 30])  # ENOSPC: disk full; EROFS: read-only
def test_an_upload_to_a_full_or_read_only_disk_is_a_clear_error_and_changes_nothing(
    settings, fake_embedder, monkeypatch, error
):
    import os

    from app.web import uploads

    client, service = make_client(settings, fake_embedder, ScriptedLLM())
    before = sorted(p.name for p in settings.corpus_dir.iterdir())
    chunks = service.index.manifest.n_chunks

    def refuse(*args, **kwargs):
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(uploads.os, "replace", refuse)
    with client:
        response = client.post(
            "/api/admin/documents",
            files={"file": ("parks.txt", "2024年徐汇区新建口袋公园27座。".encode(), "text/plain")},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 507
        assert "unchanged" in response.json()["detail"]
        assert sorted(p.name for p in settings.corpus_dir.iterdir()) == before
        assert client.get("/readyz").json()["chunks"] == chunks


def test_an_upload_whose_parse_needs_too_much_memory_is_refused_and_the_service_goes_on(
    settings, fake_embedder
):
    # A page of 100,000 table rows: within the upload limit, yet more than the parse may
    # take. The child process that opens it runs out of memory, not the service.
    client, service = make_client(settings, fake_embedder, ScriptedLLM(), parse_memory_mb=300)
    rows = "".join(f"<tr><td>徐汇区第{i}项</td><td>{i}亿元</td></tr>" for i in range(100_000))
    page = f"<html><body><article><table>{rows}</table></article></body></html>".encode()
    with client:
        response = client.post(
            "/api/admin/documents",
            files={"file": ("heavy.html", page, "text/html")},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 422, response.text
        assert "more than 300 MB of memory" in response.json()["detail"]
        assert not (settings.corpus_dir / "heavy.html").exists()
        assert client.get("/api/search", params={"q": "跨国公司"}).status_code == 200


@pytest.mark.parametrize(
    ("existing", "upload", "taken"),
    [
        (
            {"coll.txt": "徐汇区新增绿地8公顷。", "coll.md": "徐汇区新建养老床位300张。"},
            "coll-txt.txt",
            "coll-txt",
        ),
        ({"page.txt": SCRAPED_PAGE}, "page-2.txt", "page-2"),
    ],
)
def test_an_upload_whose_id_another_document_holds_is_refused_before_it_is_written(
    settings, fake_embedder, existing, upload, taken
):
    for name, text in existing.items():
        (settings.corpus_dir / name).write_text(text, encoding="utf-8")
    client, service = make_client(settings, fake_embedder, ScriptedLLM())
    assert taken in service.index.documents
    before = sorted(p.name for p in settings.corpus_dir.iterdir())
    with client:
        response = client.post(
            "/api/admin/documents",
            files={"file": (upload, "徐汇区新开工保障性租赁住房5000套。".encode(), "text/plain")},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 409, response.text
        detail = response.json()["detail"]
        assert taken in detail and service.index.documents[taken].source_file in detail
        assert sorted(p.name for p in settings.corpus_dir.iterdir()) == before


def test_an_upload_whose_id_a_file_not_yet_indexed_would_take_is_refused(settings, fake_embedder):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    for name in ("coll.txt", "coll.md"):  # dropped in by hand after the index was built
        (settings.corpus_dir / name).write_text(f"徐汇区{name}的内容。", encoding="utf-8")
    with client:
        response = client.post(
            "/api/admin/documents",
            files={"file": ("coll-txt.txt", "徐汇区新建养老床位300张。".encode(), "text/plain")},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 409 and "coll.txt" in response.json()["detail"]
        assert not (settings.corpus_dir / "coll-txt.txt").exists()


@pytest.mark.parametrize("kind", ["txt", "docx"])
def test_an_upload_with_more_text_than_a_document_may_hold_is_a_413(
    settings, fake_embedder, tmp_path, kind
):
    from tests.ingest.test_loaders import _long_docx

    client, _ = make_client(settings, fake_embedder, ScriptedLLM(), max_document_chars=2000)
    if kind == "txt":
        data, expected = ("徐汇区新建口袋公园27座。" * 400).encode(), "5,200 characters"
    else:
        data, expected = _long_docx(tmp_path / "long.docx", 60_000).read_bytes(), "unpacks to"
    before = sorted(p.name for p in settings.corpus_dir.iterdir())
    with client:
        response = client.post(
            "/api/admin/documents",
            files={"file": (f"long.{kind}", data, "application/octet-stream")},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert response.status_code == 413, response.text
        detail = response.json()["detail"]
        assert expected in detail and "2,000" in detail
        assert sorted(p.name for p in settings.corpus_dir.iterdir()) == before


def test_a_corpus_file_over_the_character_cap_is_listed_as_not_indexed(settings, fake_embedder):
    (settings.corpus_dir / "huge.txt").write_text(
        "徐汇区新建口袋公园27座。" * 400, encoding="utf-8"
    )
    client, service = make_client(settings, fake_embedder, ScriptedLLM(), max_document_chars=2000)
    with client:
        skipped = client.get("/api/documents").json()["skipped"]
        assert any("huge.txt" in line for line in skipped)
        assert "huge.txt" in client.get("/documents").text


def raw_post(client, path: str, body: dict):
    """POST `body` as JSON text, so that a lone surrogate travels as \\ud800."""
    return client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("path", ["/api/ask", "/api/ask/stream", "/v1/chat/completions"])
@pytest.mark.parametrize("field", ["doc_id", "conversation_id"])
def test_an_id_that_is_not_text_is_a_422_not_a_500(settings, fake_embedder, path, field):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    question = "2023年新增多少跨国公司地区总部"
    body = {"question": question, "messages": [{"role": "user", "content": question}]}
    with TestClient(client.app, raise_server_exceptions=False) as safe:
        response = raw_post(safe, path, {**body, field: "\ud800"})
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == f"{field}: holds characters that are not valid text"


def test_an_earlier_chat_message_that_is_not_text_is_a_422_not_a_500(settings, fake_embedder):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    earlier = {"role": "user", "content": "2023年新增多少跨国公司地区总部\ud800"}
    body = {"messages": [earlier, {"role": "user", "content": "那2024年呢？"}]}
    with TestClient(client.app, raise_server_exceptions=False) as safe:
        response = raw_post(safe, "/v1/chat/completions", body)
    assert response.status_code == 422, response.text
    assert "not valid text" in response.json()["detail"]


INVISIBLE = ["\u3164", "\u3164\u115f\u1160\uffa0", "\u200b\u3000\ufeff\u3164"]


@pytest.mark.parametrize("question", INVISIBLE)
def test_a_question_of_invisible_fillers_is_empty_on_every_endpoint(
    settings, fake_embedder, question
):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    chat = {"messages": [{"role": "user", "content": question}]}
    with client:
        for response in (
            client.post("/api/ask", json={"question": question}),
            client.post("/api/ask/stream", json={"question": question}),
            client.get("/api/ask/stream", params={"question": question}),
            client.get("/api/search", params={"q": question}),
            client.post("/v1/chat/completions", json=chat),
        ):
            assert response.status_code == 422, response.text
            assert response.json()["detail"] == "the question is empty"
