"""Two `serve` processes as two replicas, with deploy/compose.yaml's replica environment
pointed at what runs here: one PostgreSQL, one Milvus (Milvus Lite run as a server), one
shared index folder and corpus. Each sees the other's conversations, jobs and uploads. The
real packaged embedder; answers are extractive (no model server)."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request

import pytest

from app.index import build_index
from tests.compose import replica_environment
from tests.conftest import write_sample_corpus
from tests.servers import free_port, start_milvus_lite, start_serve, stop, wait_until_up

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ADMIN_TOKEN = "replica-test-admin-token-0123"
NEWS = (
    "徐汇区滨江新建骑行道12公里\n\n"
    "2024年，徐汇区在西岸滨江新建骑行道12公里，沿线新增驿站8座。\n2024-11-05\n"
)


def call(url: str, body: dict | None = None, *, headers: dict | None = None, data=None):
    request = urllib.request.Request(url, headers=headers or {})
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    if data is not None:
        request.data, content_type = data
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "xuhui-replica-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def eventually(check, seconds: float = 120.0):
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


@pytest.fixture
def milvus_server(tmp_path):
    port = free_port()
    process = start_milvus_lite(tmp_path / "milvus", port)
    yield f"http://127.0.0.1:{port}", process
    stop(process)


@pytest.fixture
def replicas(real_settings, tmp_path, postgres_url, milvus_server):
    uri, milvus = milvus_server
    (tmp_path / "shared").mkdir()
    corpus = write_sample_corpus(tmp_path / "shared")
    settings = real_settings.model_copy(
        update={
            "corpus_dir": corpus,
            "index_dir": tmp_path / "shared" / "index",
            "index_backend": "milvus",
            "milvus_uri": uri,
        }
    )
    # the shared index, built once before the replicas start (as deploy/compose.yaml does)
    from app.models.embedder import embedder_from_settings

    deadline = time.monotonic() + 60
    while True:  # the Milvus server may still be starting
        try:
            build_index(settings, embedder_from_settings(settings))
            break
        except Exception:
            if milvus.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(1)
    # deploy/compose.yaml's replica environment, its addresses pointed at what runs here
    deployed = replica_environment()
    here = {
        "XUHUI_CORPUS_DIR": str(settings.corpus_dir),
        "XUHUI_INDEX_DIR": str(settings.index_dir),
        "XUHUI_MILVUS_URI": uri,
        "XUHUI_MILVUS_TOKEN": "",  # Milvus Lite asks for no login
        "XUHUI_DATABASE": postgres_url,
        # no model server: extractive answers never call one
        "XUHUI_OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "XUHUI_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    assert set(here) <= set(deployed)
    env = {
        **os.environ,
        **deployed,
        **here,
        "XUHUI_ANSWER_MODE": "extractive",
        "XUHUI_FOLLOW_INTERVAL_S": "0.5",
    }
    assert env["XUHUI_INDEX_BACKEND"] == "milvus" and env["XUHUI_LLM_BACKEND"] == "openai"
    processes, bases = [], []
    try:
        for _ in range(2):
            port = free_port()
            processes.append(start_serve(port, env))
            bases.append(f"http://127.0.0.1:{port}")
        for base, process in zip(bases, processes, strict=True):
            wait_until_up(base + "/healthz", process, 180)
        yield bases
    finally:
        for process in processes:
            stop(process)


def test_two_replicas_see_each_others_conversations_jobs_and_uploads(replicas):
    one, two = replicas
    status, answer = call(one + "/api/ask", {"question": "2023年新增多少跨国公司地区总部"})
    assert status == 200, answer
    assert "11" in answer["answer"]
    status, stored = call(f"{two}/api/conversations/{answer['conversation_id']}")
    assert status == 200
    assert [t["question"] for t in stored["turns"]] == ["2023年新增多少跨国公司地区总部"]
    assert stored["turns"][0]["answer"] == answer["answer"]

    status, upload = call(
        two + "/api/admin/documents",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        data=multipart("riding.txt", NEWS.encode()),
    )
    assert status == 202, upload
    job_id = upload["job"]["job_id"]
    # the job replica two runs is seen, to its end, from replica one
    finished = eventually(lambda: call(f"{one}/api/jobs/{job_id}")[1].get("status") == "done")
    assert finished, call(f"{one}/api/jobs/{job_id}")

    def one_finds_it() -> bool:
        status, found = call(one + "/api/search?q=" + urllib.request.quote("滨江骑行道驿站"))
        return status == 200 and any("骑行道" in p["text"] for p in found["passages"][:3])

    assert eventually(one_finds_it, 30), "replica one never served the upload's build"
    status, documents = call(one + "/api/documents")
    assert any(d["source_file"] == "riding.txt" for d in documents["documents"])
