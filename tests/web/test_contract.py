"""Requests the OpenAPI schema allows get what the schema says, and what it does not
allow gets a documented error (each test here failed before its fix)."""

from __future__ import annotations

import pytest

from tests.web.test_web import TOKEN

pytestmark = pytest.mark.unit
ADMIN = {"X-Admin-Token": TOKEN}
FIRST = "2023年新增多少跨国公司地区总部"


def multipart(part_headers: str, data: bytes) -> tuple[bytes, dict]:
    body = b"--b\r\n" + part_headers.encode() + b"\r\n\r\n" + data + b"\r\n--b--\r\n"
    return body, {**ADMIN, "Content-Type": "multipart/form-data; boundary=b"}


@pytest.mark.parametrize(
    "part",
    [
        'Content-Disposition: form-data; name="file"; filename="empty.txt"',
        'Content-Disposition: form-data; name="file"',  # a part without a file name
        'Content-Disposition: form-data; name="file"; filename=""',
    ],
)
def test_an_empty_upload_is_the_documented_empty_file_error(client, part):
    body, headers = multipart(part, b"")
    response = client.post("/api/admin/documents", content=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"].startswith("the file is empty")


def test_the_schema_says_an_upload_is_a_file_that_is_not_empty(client):
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/api/admin/documents"]["post"]["requestBody"]["content"]
    ref = body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    form = schema["components"]["schemas"][ref]
    assert form["required"] == ["file"] and form["properties"]["file"]["minLength"] == 1


def test_a_file_sent_without_a_file_name_is_taken_as_the_schema_allows(client, settings):
    body, headers = multipart(
        'Content-Disposition: form-data; name="file"', "徐汇区口袋公园".encode()
    )
    response = client.post("/api/admin/documents", content=body, headers=headers)
    assert response.status_code == 202, response.text
    assert (settings.corpus_dir / response.json()["file"]).read_text() == "徐汇区口袋公园"


def chat(client, *messages):
    return client.post("/v1/chat/completions", json={"model": "xuhui-qa", "messages": messages})


def test_a_tool_result_after_the_question_leaves_the_question_to_answer(client):
    response = chat(
        client,
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "1", "type": "function"}]},
        {"role": "tool", "content": "{}", "tool_call_id": "1"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["resolved_question"] == FIRST


def test_an_answered_conversation_is_refused_as_the_schema_says(client):
    response = chat(
        client, {"role": "user", "content": FIRST}, {"role": "assistant", "content": "11家"}
    )
    assert response.status_code == 422
    assert "the last message must be the user's question" in response.json()["detail"]
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ChatRequest"]
    assert "the last user message" in schema["properties"]["messages"]["description"]


@pytest.mark.parametrize("path", ["/api/ask", "/v1/chat/completions"])
def test_a_body_that_is_not_utf8_is_a_422_as_other_invalid_bodies_are(client, path):
    response = client.post(
        path, content=b'{"question": "\xff\xfe"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "the request body is not UTF-8 JSON"


def test_a_method_a_path_does_not_take_names_every_method_it_does(client):
    response = client.options("/api/ask/stream")
    assert response.status_code == 405
    assert sorted(response.headers["allow"].split(", ")) == ["GET", "POST"]
    assert client.put("/api/ask").headers["allow"] == "POST"
