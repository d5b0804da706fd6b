"""A real `serve` process SIGKILLed at every step of an upload, a delete and a re-index
(`tests.killpoint` stops it exactly there), then a fresh `serve` over the same folders:
once it says it is ready, nothing is lost and nothing deleted or half-indexed is served.
The real packaged embedder; answers are extractive (no model)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from app.index import build_index
from app.index.journal import Journal
from tests.conftest import write_sample_corpus
from tests.servers import free_port, stop, wait_until_up
from tests.web.test_replicas import call, multipart

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TOKEN = "kill-test-admin-token-0123"
ADMIN = {"X-Admin-Token": TOKEN}
PARKS = "2024年徐汇区新建口袋公园27座,全部向市民开放。\n"


@pytest.fixture
def library(real_settings, real_embedder, tmp_path):
    """A corpus of the sample report and one news item, indexed; the environment of a
    `serve` over it."""
    corpus = write_sample_corpus(tmp_path)
    (corpus / "news.txt").write_text("徐汇滨江新闻\n2024年，滨江新建骑行道12公里。\n", "utf-8")
    settings = real_settings.model_copy(
        update={"corpus_dir": corpus, "index_dir": tmp_path / "index"}
    )
    build_index(settings, real_embedder)
    env = {
        **os.environ,
        "XUHUI_CORPUS_DIR": str(corpus),
        "XUHUI_INDEX_DIR": str(settings.index_dir),
        "XUHUI_DATABASE": str(tmp_path / "qa.sqlite3"),
        "XUHUI_ADMIN_TOKEN": TOKEN,
        "XUHUI_ANSWER_MODE": "extractive",
        "XUHUI_KILL_MARKER": str(tmp_path / "killed-at"),
    }
    return settings, env


def serve(env: dict, step: str | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    runner = ["-m", "tests.killpoint", step] if step else ["-m", "app"]
    process = subprocess.Popen(
        [sys.executable, *runner, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(f"{base}/healthz", process, 180)
    return process, base


def killed_at(step: str, env: dict, change) -> None:
    """Start a `serve` that stops at `step`, make the change (in a thread: the request may
    hang at the step), and SIGKILL the process once it is there."""
    process, base = serve(env, step)
    marker = env["XUHUI_KILL_MARKER"]
    try:
        threading.Thread(target=change, args=(base,), daemon=True).start()
        deadline = time.monotonic() + 120
        while not os.path.exists(marker):
            assert time.monotonic() < deadline, f"the change never reached the step {step}"
            assert process.poll() is None, "the process exited before its step"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
        with contextlib.suppress(FileNotFoundError):
            os.remove(marker)


def restarted(env: dict, watched: str | None = None) -> tuple[subprocess.Popen, str, dict]:
    """A fresh `serve` over the same folders, once it says it is ready; until then, the
    document `watched` must never be listed (its search and list are 503 or without it)."""
    process, base = serve(env)
    deadline = time.monotonic() + 240
    while True:
        if watched is not None:
            status, listed = call(f"{base}/api/documents")
            served = {d["doc_id"] for d in listed.get("documents", [])}
            assert status == 503 or watched not in served, f"{watched} served while reconciling"
        status, ready = call(f"{base}/readyz")
        if status == 200:
            return process, base, ready
        if time.monotonic() > deadline:
            stop(process)
            pytest.fail(f"never ready after the kill: {ready}")
        time.sleep(0.5)


def doc_ids(base: str) -> set[str]:
    return {d["doc_id"] for d in call(f"{base}/api/documents")[1]["documents"]}


def found(base: str, words: str) -> set[str]:
    status, result = call(f"{base}/api/search?q={quote(words)}&k=5")
    assert status == 200, result
    return {p["doc_id"] for p in result["passages"]}


# Each change is made in a thread the kill may leave hanging: its connection just drops.
def upload(base: str) -> None:
    with contextlib.suppress(OSError):
        call(
            f"{base}/api/admin/documents",
            headers=ADMIN,
            data=multipart("parks.txt", PARKS.encode()),
        )


def deleted(base: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/admin/documents/news.txt", headers=ADMIN, method="DELETE"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def delete(base: str) -> None:
    with contextlib.suppress(OSError):
        deleted(base)


def reindex(base: str) -> None:
    with contextlib.suppress(OSError):
        call(f"{base}/api/admin/reindex", {}, headers=ADMIN)


def wait_job(base: str, job_id: str) -> dict:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        job = call(f"{base}/api/jobs/{job_id}")[1]
        if job.get("status") in ("done", "failed"):
            return job
        time.sleep(0.5)
    raise AssertionError("the job did not finish")


@pytest.mark.parametrize("step", ["journaled", "placed", "building", "saved"])
def test_an_upload_killed_at_any_step_is_in_the_library_or_can_be_made_again(library, step):
    settings, env = library
    killed_at(step, env, upload)
    process, base, ready = restarted(env)
    try:
        placed = (settings.corpus_dir / "parks.txt").is_file()
        assert placed == (step != "journaled")  # the file is moved in after its intent
        if placed:  # in the corpus, so in the library, whole and searchable
            assert "parks" in doc_ids(base) and ready["documents"] == 3
            assert "parks" in found(base, "口袋公园")
        else:  # never arrived: nothing of it is served, and it can be uploaded again
            assert "parks" not in doc_ids(base)
            data = multipart("parks.txt", PARKS.encode())
            status, again = call(f"{base}/api/admin/documents", headers=ADMIN, data=data)
            assert status == 202, again
            assert wait_job(base, again["job"]["job_id"])["status"] == "done"
            assert "parks" in doc_ids(base)
        assert Journal.of_index(settings.index_dir).pending() == []
    finally:
        stop(process)


@pytest.mark.parametrize("step", ["journaled", "removed", "building", "saved"])
def test_a_delete_killed_at_any_step_is_carried_out_and_never_served_after(library, step):
    settings, env = library
    killed_at(step, env, delete)
    process, base, ready = restarted(env, watched="news")
    try:
        assert not (settings.corpus_dir / "news.txt").exists()
        assert doc_ids(base) == {"report2024"} and ready["documents"] == 1
        assert "news" not in found(base, "滨江骑行道")
        assert call(f"{base}/api/documents/news")[0] == 404
        assert deleted(base) == 404
        assert Journal.of_index(settings.index_dir).pending() == []
    finally:
        stop(process)


@pytest.mark.parametrize("step", ["building", "saved"])
def test_a_reindex_killed_at_any_step_leaves_the_library_whole(library, step):
    settings, env = library
    killed_at(step, env, reindex)
    process, base, ready = restarted(env)
    try:
        assert doc_ids(base) == {"report2024", "news"} and ready["documents"] == 2
        assert "news" in found(base, "滨江骑行道")
    finally:
        stop(process)
