"""Conversations over HTTP with the fake models: follow-ups, feedback, the log, exports,
the OpenAI-compatible endpoint's shape, and what happens when the store is broken."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from app.index import build_index
from app.service import QAService
from app.web.app import create_app
from tests.fakes import ChoosingLLM

pytestmark = pytest.mark.unit
TOKEN = "test-admin-token-123"
ADMIN = {"X-Admin-Token": TOKEN}
FIRST = "2023年新增多少跨国公司地区总部"


def make_client(settings, embedder, **overrides):
    settings = settings.model_copy(update={"admin_token": TOKEN, **overrides})
    llm = ChoosingLLM(*[("11家", "2023年新增跨国公司地区总部11家。", 0.9)] * 10)
    service = QAService(settings, build_index(settings, embedder), embedder, llm)
    return TestClient(create_app(settings, service=service))


@pytest.fixture
def client(settings, fake_embedder):
    with make_client(settings, fake_embedder) as client:
        yield client


def ask(client, question, **fields):
    response = client.post("/api/ask", json={"question": question, **fields})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_follow_up_is_read_against_the_earlier_turn_and_both_are_stored(client):
    first = ask(client, FIRST)
    assert first["conversation_id"] and first["turn_id"]
    assert first["resolution"]["how"] == "standalone"
    second = ask(client, "那2024年呢？", conversation_id=first["conversation_id"])
    assert second["conversation_id"] == first["conversation_id"]
    assert second["resolution"] == {
        "question": "2024年新增多少跨国公司地区总部",
        "original": "那2024年呢？",
        "how": "code",
        "carried": {"topic": FIRST, "years": [2024]},
    }
    assert second["question"] == "2024年新增多少跨国公司地区总部"  # what was answered
    stored = client.get(f"/api/conversations/{first['conversation_id']}").json()
    assert [t["question"] for t in stored["turns"]] == [FIRST, "那2024年呢？"]
    assert stored["turns"][0]["answer"] == first["answer"]
    assert stored["turns"][0]["citations"][0]["quote"] == first["citations"][0]["quote"]
    assert stored["turns"][1]["resolved"] == "2024年新增多少跨国公司地区总部"
    assert stored["turns"][0]["timings"]["total_ms"] >= stored["turns"][0]["timings"]["resolve_ms"]


def test_an_unknown_conversation_is_404(client):
    assert (
        client.post(
            "/api/ask", json={"question": "那2024年呢？", "conversation_id": "c_x"}
        ).status_code
        == 404
    )
    assert client.get("/api/conversations/c_nothing").status_code == 404
    assert client.get("/api/conversations/c_nothing/export.md").status_code == 404


def test_a_full_conversation_is_refused_with_a_clear_422(settings, fake_embedder):
    with make_client(settings, fake_embedder, max_turns=2) as client:
        cid = ask(client, FIRST)["conversation_id"]
        ask(client, "那2024年呢？", conversation_id=cid)
        response = client.post("/api/ask", json={"question": "2023年呢", "conversation_id": cid})
        assert response.status_code == 422 and "start a new one" in response.json()["detail"]


def test_feedback_reaches_the_admin_log_and_its_exports(client):
    answer = ask(client, FIRST)
    response = client.post(
        f"/api/answers/{answer['turn_id']}/feedback", json={"rating": "down", "comment": "要分年份"}
    )
    assert response.status_code == 200
    assert (
        client.post(
            f"/api/answers/{answer['turn_id']}/feedback", json={"rating": "meh"}
        ).status_code
        == 422
    )
    assert client.post("/api/answers/t_nothing/feedback", json={"rating": "up"}).status_code == 404
    assert client.get("/api/admin/log").status_code in (401, 403)
    log = client.get("/api/admin/log", params={"rating": "down"}, headers=ADMIN).json()
    assert [(r["question"], r["comment"], r["outcome"]) for r in log["turns"]] == [
        (FIRST, "要分年份", "answered")
    ]
    assert log["turns"][0]["latency_ms"] > 0
    exported = client.get("/api/admin/log", params={"format": "csv"}, headers=ADMIN)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert rows[0]["comment"] == "要分年份" and rows[0]["rating"] == "down"
    lines = client.get(
        "/api/admin/log", params={"format": "jsonl"}, headers=ADMIN
    ).text.splitlines()
    assert json.loads(lines[0])["turn_id"] == answer["turn_id"]


def as_someone_else(client) -> None:
    """The same server, another browser: its owner cookie is not the first one's."""
    client.cookies.clear()


def test_a_shared_conversation_is_read_only_for_everyone_but_its_owner(client):
    first = ask(client, FIRST)
    cid, tid = first["conversation_id"], first["turn_id"]
    owner = client.cookies["xuhui_owner"]
    assert client.get(f"/api/conversations/{cid}").json()["writable"] is True
    as_someone_else(client)
    shared = client.get(f"/api/conversations/{cid}")  # the link still reads
    assert shared.status_code == 200 and shared.json()["writable"] is False
    follow = {"question": "那2024年呢？", "conversation_id": cid}
    chat_body = {"messages": [{"role": "user", "content": "那2024年呢？"}], "conversation_id": cid}
    for response in (
        client.post("/api/ask", json=follow),
        client.post("/api/ask/stream", json=follow),
        client.get("/api/ask/stream", params=follow),
        client.post("/v1/chat/completions", json=chat_body),
        client.post(f"/api/answers/{tid}/feedback", json={"rating": "down", "comment": "x"}),
    ):
        assert response.status_code == 403, response.text
        assert "read-only" in response.json()["detail"]
    stored = client.get(f"/api/conversations/{cid}").json()["turns"]
    assert len(stored) == 1 and stored[0]["rating"] is None
    client.cookies.clear()
    client.cookies.set("xuhui_owner", owner)
    assert ask(client, "那2024年呢？", conversation_id=cid)["conversation_id"] == cid
    assert client.post(f"/api/answers/{tid}/feedback", json={"rating": "up"}).status_code == 200


def test_a_conversation_made_in_the_terminal_is_read_only_on_the_web(settings, fake_embedder):
    with make_client(settings, fake_embedder) as client:
        service = client.app.state.qa.require_service()
        answer = service.converse(FIRST, channel="cli")  # no owner: the terminal holds no key
        cid, tid = answer.conversation_id, answer.turn_id
        assert client.get(f"/api/conversations/{cid}").json()["writable"] is False
        follow = {"question": "那2024年呢？", "conversation_id": cid}
        assert client.post("/api/ask", json=follow).status_code == 403
        rate = f"/api/answers/{tid}/feedback"
        assert client.post(rate, json={"rating": "up"}).status_code == 200  # one rating
        assert client.post(rate, json={"rating": "down"}).status_code == 403  # not replaced
        assert len(client.get(f"/api/conversations/{cid}").json()["turns"]) == 1


def test_a_client_without_cookies_proves_ownership_with_its_key(client):
    created = client.post("/api/conversations")
    key, cid = created.headers["X-Owner-Key"], created.json()["conversation_id"]
    as_someone_else(client)
    body = {"question": FIRST, "conversation_id": cid}
    assert client.post("/api/ask", json=body).status_code == 403
    client.cookies.clear()
    answered = client.post("/api/ask", json=body, headers={"X-Owner-Key": key})
    assert answered.status_code == 200 and answered.json()["conversation_id"] == cid


def test_refusals_are_logged_as_refused(client):
    ask(client, "2030年徐汇区人均可支配收入是多少")  # no document covers 2030
    log = client.get("/api/admin/log", params={"outcome": "refused"}, headers=ADMIN).json()
    assert [r["question"] for r in log["turns"]] == ["2030年徐汇区人均可支配收入是多少"]


def test_an_answer_and_a_conversation_export_as_markdown_with_citations(client):
    first = ask(client, FIRST)
    ask(client, "那2024年呢？", conversation_id=first["conversation_id"])
    one = client.get(f"/api/answers/{first['turn_id']}/export.md")
    assert one.headers["content-type"].startswith("text/markdown")
    assert f"# {FIRST}" in one.text and f"> {first['citations'][0]['quote']}" in one.text
    whole = client.get(f"/api/conversations/{first['conversation_id']}/export.md").text
    assert whole.index(FIRST) < whole.index("那2024年呢？")
    assert "2024年新增多少跨国公司地区总部" in whole  # how the follow-up was read


def test_a_broken_store_leaves_answering_working_and_says_so(settings, fake_embedder, tmp_path):
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"not a database at all" * 50)
    with make_client(settings, fake_embedder, database=broken) as client:
        answer = ask(client, FIRST)
        assert "11家" in answer["answer"] and answer["turn_id"] is None
        ready = client.get("/readyz")
        assert ready.status_code == 200 and "unavailable" in ready.json()["conversations"]
        assert client.get("/api/admin/log", headers=ADMIN).status_code == 503
        assert client.post("/api/conversations").status_code == 503


@pytest.mark.postgres
@pytest.mark.slow
def test_a_postgresql_server_that_stops_leaves_answering_working_and_is_used_when_back(
    settings, fake_embedder, postgres_server, postgres_url
):
    with make_client(settings, fake_embedder, database=postgres_url, database_wait_s=0.5) as client:
        first = ask(client, FIRST)
        assert first["turn_id"] is not None
        postgres_server.stop()
        try:
            answer = ask(client, FIRST)  # a new question: answered, not remembered
            assert "11家" in answer["answer"] and answer["turn_id"] is None
            ready = client.get("/readyz")
            assert ready.status_code == 200 and "unavailable" in ready.json()["conversations"]
            assert postgres_server.password not in ready.text
            assert client.get("/api/admin/log", headers=ADMIN).status_code == 503
        finally:
            postgres_server.start()
        assert client.get("/readyz").json()["conversations"] == "ok"
        again = ask(client, "那2024年呢？", conversation_id=first["conversation_id"])
        assert again["resolution"]["question"] == "2024年新增多少跨国公司地区总部"
        log = client.get("/api/admin/log", headers=ADMIN).json()
        assert [t["question"] for t in log["turns"]] == ["那2024年呢？", FIRST]


def test_the_stream_names_its_conversation_for_the_next_question(client):
    with client.stream("GET", "/api/ask/stream", params={"question": FIRST}) as response:
        text = "".join(response.iter_text())
    final = json.loads(text.strip().split("\n\n")[-1].split("data: ", 1)[1])
    with client.stream(
        "GET",
        "/api/ask/stream",
        params={"question": "那2024年呢？", "conversation_id": final["conversation_id"]},
    ) as response:
        text = "".join(response.iter_text())
    resolved = json.loads(text.split("event: resolved\ndata: ", 1)[1].split("\n\n")[0])
    assert resolved["question"] == "2024年新增多少跨国公司地区总部" and resolved["how"] == "code"


# ------------------------------------------------------------------ OpenAI-compatible shape


def chat(client, *messages, **fields):
    body = {
        "model": "xuhui-qa",
        "messages": [{"role": r, "content": c} for r, c in messages],
        **fields,
    }
    return client.post("/v1/chat/completions", json=body)


def test_chat_completion_carries_markers_sources_and_structured_citations(client):
    body = chat(client, ("system", "You are helpful."), ("user", FIRST)).json()
    text = body["choices"][0]["message"]["content"]
    assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-t_")
    assert "11家[1]" in text and "\n[1] " in text and "/documents/" in text
    assert body["citations"][0]["n"] == 1 and body["refused"] is False
    # its id takes feedback like any answer
    assert (
        client.post(f"/api/answers/{body['id']}/feedback", json={"rating": "up"}).status_code == 200
    )


def test_chat_messages_are_the_conversation(client):
    body = chat(
        client,
        ("user", FIRST),
        ("assistant", "2023年新增跨国公司地区总部11家[1]。"),
        ("user", "那2024年呢？"),
    ).json()
    assert body["resolved_question"] == "2024年新增多少跨国公司地区总部"


def _streamed_chat(client) -> list[str]:
    """The data lines of a streamed /v1 reply to FIRST."""
    with client.stream(
        "POST",
        "/v1/chat/completions",
        json={"model": "x", "stream": True, "messages": [{"role": "user", "content": FIRST}]},
    ) as response:
        text = "".join(response.iter_text())
    return [b.removeprefix("data: ") for b in text.strip().split("\n\n")]


def test_chat_stream_sends_the_verified_answer_then_done(client):
    datas = _streamed_chat(client)
    assert datas[-1] == "[DONE]"
    chunks = [json.loads(d) for d in datas[:-1]]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert content.startswith("2023年新增跨国公司地区总部11家[1]。")
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]


def test_every_chunk_of_a_streamed_reply_carries_the_id_that_takes_feedback(client):
    chunks = [json.loads(d) for d in _streamed_chat(client)[:-1]]
    assert len(chunks) > 2 and {c["id"] for c in chunks} == {chunks[-1]["id"]}
    assert chunks[0]["id"] == f"chatcmpl-{chunks[-1]['answer_id']}"
    feedback = client.post(f"/api/answers/{chunks[0]['id']}/feedback", json={"rating": "down"})
    assert feedback.status_code == 200, feedback.text
    assert client.get(f"/api/answers/{chunks[0]['id']}").json()["rating"] == "down"


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ([("user", FIRST), ("assistant", "11家")], "last message"),
        ([("user", "问" * 1000)] * 15 + [("user", "那2024年呢")], "characters"),
        ([("user", "   ")], "empty"),
    ],
)
def test_bad_chat_requests_get_422(client, messages, message):
    response = chat(client, *messages)
    assert response.status_code == 422 and message in response.json()["detail"]


def test_chat_keys_when_the_endpoint_is_closed(settings, fake_embedder):
    with make_client(
        settings, fake_embedder, chat_open=False, chat_keys=["team-key-0001"]
    ) as client:
        assert client.get("/v1/models").status_code == 401
        assert chat(client, ("user", FIRST)).status_code == 401
        for key in (TOKEN, "team-key-0001"):
            headers = {"Authorization": f"Bearer {key}"}
            assert client.get("/v1/models", headers=headers).json()["data"][0]["id"] == "xuhui-qa"


def test_a_follow_up_whose_earlier_turns_cannot_be_read_says_so_and_is_not_answered_alone(
    settings, fake_embedder
):
    from tests.converse.test_store import outside_lock

    with make_client(settings, fake_embedder, database_wait_s=0.3) as client:
        first = ask(client, FIRST)
        path = settings.index_dir / "conversations.sqlite3"
        with outside_lock(path, 3.0, readers_too=True):
            body = {"question": "那2024年呢？", "conversation_id": first["conversation_id"]}
            response = client.post("/api/ask", json=body)
            assert response.status_code == 503, response.text
            assert "could not be read" in response.json()["detail"]
            stream = client.post("/api/ask/stream", json=body)  # refused before it streams
            assert stream.status_code == 503 and "could not be read" in stream.json()["detail"]
            assert client.get("/readyz").json()["conversations"] != "ok"
        again = ask(client, "那2024年呢？", conversation_id=first["conversation_id"])
        assert again["resolution"]["question"] == "2024年新增多少跨国公司地区总部"
        assert client.get("/readyz").json()["conversations"] == "ok"


def test_while_the_store_cannot_be_read_no_one_writes_to_an_owned_conversation_unchecked(
    settings, fake_embedder
):
    from tests.converse.test_store import outside_lock

    with make_client(settings, fake_embedder, database_wait_s=0.3) as client:
        first = ask(client, FIRST)
        cid, tid = first["conversation_id"], first["turn_id"]
        owner = client.cookies["xuhui_owner"]
        follow = {"question": "那2024年呢？", "conversation_id": cid}
        path = settings.index_dir / "conversations.sqlite3"
        with outside_lock(path, 5.0, readers_too=True):
            as_someone_else(client)  # whose conversation it is cannot be read: not a pass
            response = client.post("/api/ask", json=follow)
            assert response.status_code == 503 and "could not be read" in response.json()["detail"]
            feedback = client.post(f"/api/answers/{tid}/feedback", json={"rating": "down"})
            assert feedback.status_code == 503
            fresh = ask(client, "2024年新增多少跨国公司地区总部")  # a new question is answered
            assert fresh["turn_id"] is None  # though not remembered
        assert client.post("/api/ask", json=follow).status_code == 403
        client.cookies.clear()
        client.cookies.set("xuhui_owner", owner)
        turns = client.get(f"/api/conversations/{cid}").json()["turns"]
        assert len(turns) == 1 and turns[0]["rating"] is None
        assert ask(client, "那2024年呢？", conversation_id=cid)["conversation_id"] == cid
