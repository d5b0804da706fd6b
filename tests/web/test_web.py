"""The HTTP API and pages with the fake models (FastAPI TestClient)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from fastapi.testclient import TestClient

from app.index import build_index
from app.service import QAService
from app.web.app import create_app
from tests.fakes import ChoosingLLM, ScriptedLLM

pytestmark = pytest.mark.unit
TOKEN = "test-admin-token-123"


class SlowLLM(ScriptedLLM):
    """Holds the model until released: to fill the queue or run past the time limit."""

    def __init__(self, *replies: str) -> None:
        super().__init__(*replies)
        self.release = threading.Event()

    def complete(self, messages, *, stream=False, max_tokens=160, lead=None, grammar=None):
        self.release.wait(10)
        yield from super().complete(messages, stream=stream, max_tokens=max_tokens, lead=lead)


def make_client(settings, fake_embedder, llm, **overrides):
    settings = settings.model_copy(update={"admin_token": TOKEN, **overrides})
    service = QAService(settings, build_index(settings, fake_embedder), fake_embedder, llm)
    return TestClient(create_app(settings, service=service)), service


def wait_for(client, job_id: str) -> dict:
    for _ in range(200):
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["documents"] == 1


def test_ask_returns_the_verified_answer_with_citations(client):
    body = client.post("/api/ask", json={"question": "2023年新增多少跨国公司地区总部"}).json()
    assert body["answer"] == "2023年新增跨国公司地区总部11家[1]。" and not body["refused"]
    assert body["citations"][0]["years"] == [2023] and "11家" in body["citations"][0]["text"]
    assert body["retrieved"] and body["timings"]["total_ms"] >= 0


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "empty"), ("   \n ", "empty"), ("问" * 501, "longer than 500")],
)
def test_bad_questions_get_422_with_a_clear_message(client, question, message):
    for response in (
        client.post("/api/ask", json={"question": question}),
        client.get("/api/ask/stream", params={"question": question}),
        client.get("/api/search", params={"q": question}),
    ):
        assert response.status_code == 422
        assert message in response.json()["detail"]


def test_stream_sends_tokens_then_the_final_answer(client):
    with client.stream(
        "GET", "/api/ask/stream", params={"question": "2023年新增多少跨国公司地区总部"}
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = [block for block in text.split("\n\n") if block.startswith("event:")]
    kinds = [block.split("\n")[0].removeprefix("event: ") for block in events]
    assert kinds[0] == "resolved" and kinds[1] == "token" and kinds[-1] == "answer"
    resolved = json.loads(events[0].split("data: ", 1)[1])
    assert (
        resolved["how"] == "standalone" and resolved["question"] == "2023年新增多少跨国公司地区总部"
    )
    tokens = "".join(
        json.loads(b.split("data: ", 1)[1]) for b in events if b.startswith("event: token")
    )
    final = json.loads(events[-1].split("data: ", 1)[1])
    assert tokens == "2023年新增跨国公司地区总部11家。"  # the model's words, as they came
    assert final["answer"] == "2023年新增跨国公司地区总部11家[1]。"  # grounded and cited


def test_a_streamed_answer_the_checks_refuse_is_withdrawn_before_the_second_look(
    settings, fake_embedder
):
    llm = ChoosingLLM(
        ("11家", "2023年新增跨国公司地区总部15家。", 0.9),  # a figure its sentence lacks
        ("11家", "2023年新增跨国公司地区总部11家。", 0.9),
    )
    client, _ = make_client(settings, fake_embedder, llm)
    with (
        client,
        client.stream(
            "GET", "/api/ask/stream", params={"question": "2023年新增多少跨国公司地区总部"}
        ) as response,
    ):
        text = "".join(response.iter_text())
    events = [block for block in text.split("\n\n") if block.startswith("event:")]
    kinds = [block.split("\n")[0].removeprefix("event: ") for block in events]
    checking = kinds.index("checking")
    assert "token" in kinds[:checking] and kinds[-1] == "answer"
    why = json.loads(events[checking].split("data: ", 1)[1])
    assert why == "refused: figure not in the chosen sentence"
    final = json.loads(events[-1].split("data: ", 1)[1])
    assert final["answer"] == "2023年新增跨国公司地区总部11家[1]。"
    assert final["verification"]["looks"] == 2


def test_search_and_documents(client):
    passages = client.get("/api/search", params={"q": "跨国公司地区总部", "k": 2}).json()[
        "passages"
    ]
    assert "11家" in passages[0]["text"]
    docs = client.get("/api/documents").json()["documents"]
    assert docs[0]["doc_id"] == "report2024" and docs[0]["reviewed_years"] == [2023]
    detail = client.get("/api/documents/report2024").json()
    assert "11家" in detail["text"] and detail["sections"][0]["start"] >= 0
    assert client.get("/api/documents/nope").status_code == 404


def test_admin_needs_the_token(settings, fake_embedder):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    assert client.post("/api/admin/reindex").status_code == 401
    assert (
        client.post("/api/admin/reindex", headers={"X-Admin-Token": "wrong-token-456"}).status_code
        == 401
    )
    off, _ = make_client(settings, fake_embedder, ScriptedLLM(), admin_token=None)
    assert off.post("/api/admin/reindex", headers={"X-Admin-Token": TOKEN}).status_code == 403


def test_a_weak_admin_token_is_warned_about_at_start_up(settings, fake_embedder, caplog):
    weak, _ = make_client(settings, fake_embedder, ScriptedLLM(), admin_token="aaaaaaaaaaaa")
    with caplog.at_level("WARNING"), weak:
        pass
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("admin token is weak" in w and "1 different character" in w for w in warnings)
    caplog.clear()
    strong, _ = make_client(settings, fake_embedder, ScriptedLLM())
    with caplog.at_level("WARNING"), strong:
        pass
    assert not [r for r in caplog.records if "admin token" in r.getMessage()]


def test_upload_is_indexed_and_searchable(client, settings):
    data = "2024年徐汇区新建口袋公园27座,全部向市民开放。".encode()
    response = client.post(
        "/api/admin/documents",
        files={"file": ("../../pocket parks.txt", data, "text/plain")},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 202, response.text
    assert response.json()["file"] == "pocket_parks.txt"  # the name cannot leave the corpus
    assert (settings.corpus_dir / "pocket_parks.txt").is_file()
    assert wait_for(client, response.json()["job"]["job_id"])["status"] == "done"
    passages = client.get("/api/search", params={"q": "口袋公园", "k": 1}).json()["passages"]
    assert "口袋公园27座" in passages[0]["text"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"%PDF-1.4 broken", "PDF"),
        ("empty.txt", b"  ", "empty"),
        ("tool.txt", b"\x7fELF\x00\x00binary", "binary"),
        ("fake.docx", b"PK\x03\x04not really a zip", "zip"),
    ],
)
def test_bad_uploads_are_refused_and_change_nothing(client, settings, name, data, message):
    before = client.get("/readyz").json()["chunks"]
    files_before = sorted(p.name for p in settings.corpus_dir.iterdir())
    response = client.post(
        "/api/admin/documents", files={"file": (name, data)}, headers={"X-Admin-Token": TOKEN}
    )
    assert response.status_code == 422 and message in response.json()["detail"]
    assert sorted(p.name for p in settings.corpus_dir.iterdir()) == files_before
    assert client.get("/readyz").json()["chunks"] == before


def test_oversized_upload_is_refused(settings, fake_embedder):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM(), max_upload_mb=0.001)
    response = client.post(
        "/api/admin/documents",
        files={"file": ("big.txt", "徐汇".encode() * 1000)},
        headers={"X-Admin-Token": TOKEN},
    )
    assert response.status_code == 422 and "larger than" in response.json()["detail"]


def test_delete_removes_the_document(client, settings):
    (settings.corpus_dir / "extra.txt").write_text("徐汇区新建口袋公园27座。", encoding="utf-8")
    wait_for(
        client,
        client.post("/api/admin/reindex", headers={"X-Admin-Token": TOKEN}).json()["job"]["job_id"],
    )
    assert len(client.get("/api/documents").json()["documents"]) == 2
    response = client.delete("/api/admin/documents/extra", headers={"X-Admin-Token": TOKEN})
    assert response.status_code == 202
    wait_for(client, response.json()["job"]["job_id"])
    assert [d["doc_id"] for d in client.get("/api/documents").json()["documents"]] == ["report2024"]
    escape = client.delete(
        "/api/admin/documents/..%2Fconftest.py", headers={"X-Admin-Token": TOKEN}
    )
    assert escape.status_code in (404, 422)


def test_a_failed_indexing_keeps_the_old_index_and_is_shown(client, settings, monkeypatch):
    import app.service as service_module

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service_module, "build_index", broken)
    job = wait_for(
        client,
        client.post("/api/admin/reindex", headers={"X-Admin-Token": TOKEN}).json()["job"]["job_id"],
    )
    assert job["status"] == "failed" and "disk full" in job["message"]
    assert client.get("/api/search", params={"q": "跨国公司"}).status_code == 200
    assert "disk full" in client.get("/documents").text


def test_a_full_queue_answers_503_with_retry_after(settings, fake_embedder):
    llm = SlowLLM("[1] 11家。")
    client, _ = make_client(settings, fake_embedder, llm, max_queue=0)
    with client:
        first = threading.Thread(
            target=client.post,
            args=("/api/ask",),
            kwargs={"json": {"question": "2023年新增多少跨国公司地区总部"}},
        )
        first.start()
        for _ in range(100):
            if client.app.state.qa.gate.full():
                break
            time.sleep(0.02)
        busy = client.post("/api/ask", json={"question": "2023年新增多少跨国公司地区总部"})
        assert busy.status_code == 503 and busy.headers["retry-after"]
        stream = client.get(
            "/api/ask/stream", params={"question": "2023年新增多少跨国公司地区总部"}
        )
        assert stream.status_code == 503
        # Extractive answers do not need the model and are not queued.
        assert (
            client.post(
                "/api/ask", json={"question": "跨国公司地区总部", "mode": "extractive"}
            ).status_code
            == 200
        )
        llm.release.set()
        first.join(10)


def test_a_generation_past_its_time_limit_is_stopped(settings, fake_embedder):
    llm = SlowLLM("[1] 11家。")
    client, _ = make_client(settings, fake_embedder, llm, generation_timeout_s=0.2)
    threading.Timer(0.5, llm.release.set).start()
    response = client.post("/api/ask", json={"question": "2023年新增多少跨国公司地区总部"})
    assert response.status_code == 504 and "longer than" in response.json()["detail"]


def test_pages_render_in_chinese_by_default_and_english_on_request(client):
    zh = client.get("/")
    assert zh.status_code == 200 and "徐汇区政府工作报告问答" in zh.text
    en = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Xuhui Government Work Report Q&amp;A" in en.text
    assert "Library" in client.get("/documents?lang=en").text


def test_the_library_speaks_its_readers_language(settings, fake_embedder):
    # A note with no date: the page says what to do about it in each language.
    (settings.corpus_dir / "manifest.toml").unlink()
    (settings.corpus_dir / "note.txt").write_text("徐汇区新增绿地8公顷,建成口袋公园。", "utf-8")
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    with client:
        zh = client.get("/documents?lang=zh").text
        en = client.get("/documents?lang=en").text
    assert "政府工作报告" in zh and "work_report" not in zh
    assert "章节标题：2023年工作回顾" in zh  # where the reviewed year came from
    assert "请在 corpus/manifest.toml 中为 note.txt 填写 delivered" in zh
    assert "work report" in en and "heading: 2023年工作回顾" in en
    assert "add `delivered` for note.txt to corpus/manifest.toml" in en


def test_document_text_is_escaped_and_highlighted(client, settings):
    (settings.corpus_dir / "xss.txt").write_text(
        "徐汇区<script>alert('x')</script>新增绿地8公顷。", encoding="utf-8"
    )
    wait_for(
        client,
        client.post("/api/admin/reindex", headers={"X-Admin-Token": TOKEN}).json()["job"]["job_id"],
    )
    page = client.get("/documents/xss?hl=0-3")
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    assert '<mark id="hl">徐汇区</mark>' in page.text
    assert (
        "&lt;script&gt;" in client.get("/documents").text or "xss" in client.get("/documents").text
    )


def test_openapi_schema_documents_the_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/ask",
        "/api/ask/stream",
        "/api/search",
        "/api/documents",
        "/api/admin/documents",
        "/healthz",
        "/readyz",
    ):
        assert path in paths


class PrimedLLM(ScriptedLLM):
    """A fake that can be primed, as the llama.cpp backend can."""

    def __init__(self) -> None:
        super().__init__()
        self.primed: list[list[dict]] = []

    def prime(self, messages) -> None:
        self.primed.append(messages)


def test_the_model_and_its_prompt_prefix_warm_up_in_the_background(settings, fake_embedder):
    llm = PrimedLLM()
    with TestClient(create_app(settings, embedder=fake_embedder, llm=llm)) as client:
        for _ in range(100):
            ready = client.get("/readyz").json()
            if ready.get("model") == "ready":
                break
            time.sleep(0.05)
        assert ready["status"] == "ready" and ready["model"] == "ready"
    assert len(llm.primed) == 1 and llm.primed[0][0]["role"] == "system"
    assert not llm.prompts  # priming is not a question: no scripted reply was used


def test_figures_by_indicator_as_json_and_csv(client):
    got = client.get(
        "/api/figures", params={"indicator": "跨国公司地区总部", "from": 2022, "to": 2023}
    )
    assert got.status_code == 200
    rows = got.json()["rows"]
    assert [(r["year"], r["stated"]) for r in rows] == [(2022, False), (2023, True)]
    assert rows[1]["written"] == "11家" and rows[1]["phase"] == "actual"
    csv = client.get(
        "/api/figures",
        params={"indicator": "跨国公司地区总部", "from": 2022, "to": 2023, "format": "csv"},
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[2].startswith("2023,跨国公司地区总部,11家,11.0,家,count,actual")
    bad = client.get(
        "/api/figures", params={"indicator": "跨国公司地区总部", "from": 1990, "to": 2030}
    )
    assert bad.status_code == 422 and "at most 30" in bad.json()["detail"]
    backwards = client.get(
        "/api/figures", params={"indicator": "跨国公司地区总部", "from": 2023, "to": 2022}
    )
    assert [r["year"] for r in backwards.json()["rows"]] == [2022, 2023]


def test_a_series_over_the_openai_endpoint_carries_its_table(client):
    reply = client.post(
        "/v1/chat/completions",
        json={
            "model": "xuhui-qa",
            "messages": [
                {"role": "user", "content": "2022年到2023年新增跨国公司地区总部各多少家？"}
            ],
        },
    ).json()
    assert reply["table"]["rows"][1]["written"] == "11家"
    content = reply["choices"][0]["message"]["content"]
    assert "| 2023 | 11家 | 实际 | [1] 2024年报告 |" in content and "| 2022 | 未载 |" in content
