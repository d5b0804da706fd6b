"""Corpus changes killed half-way: the restarted service finishes them, and says it is not
ready until the corpus and the index agree. A crash is simulated by running the steps up
to the kill point (the re-index never finishes) and then building a fresh app over the
same corpus and index folders."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

import app.service as service_module
from app.web.app import create_app
from tests.fakes import ScriptedLLM
from tests.web.test_web import TOKEN, make_client, wait_for

pytestmark = pytest.mark.unit
ADMIN = {"X-Admin-Token": TOKEN}
PARKS = "2024年徐汇区新建口袋公园27座,全部向市民开放。"


def killed_reindex(monkeypatch) -> None:
    """Every re-index dies before its new index is in service (as if the process did)."""

    def killed(*args, **kwargs):
        raise RuntimeError("killed before the new index was in service")

    monkeypatch.setattr(service_module, "build_index", killed)


def restart(settings, fake_embedder, monkeypatch) -> tuple[TestClient, threading.Event]:
    """A fresh app over the same folders; its re-indexing waits for the returned event, so
    what it says while it reconciles can be seen."""
    monkeypatch.undo()
    real, go = service_module.build_index, threading.Event()

    def held(*args, **kwargs):
        assert go.wait(20), "the test never let the re-index go"
        return real(*args, **kwargs)

    monkeypatch.setattr(service_module, "build_index", held)
    settings = settings.model_copy(update={"admin_token": TOKEN})
    return TestClient(create_app(settings, embedder=fake_embedder, llm=ScriptedLLM())), go


def wait_ready(client) -> dict:
    for _ in range(200):
        ready = client.get("/readyz")
        if ready.status_code == 200:
            return ready.json()
        time.sleep(0.05)
    raise AssertionError(f"never ready: {ready.json()}")


def doc_ids(client) -> list[str]:
    return [d["doc_id"] for d in client.get("/api/documents").json()["documents"]]


def test_a_delete_killed_before_its_reindex_is_finished_at_restart(
    settings, fake_embedder, monkeypatch
):
    (settings.corpus_dir / "parks.txt").write_text(PARKS, encoding="utf-8")
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    killed_reindex(monkeypatch)
    with client:
        assert "parks" in doc_ids(client)
        response = client.delete("/api/admin/documents/parks", headers=ADMIN)
        assert response.status_code == 202
        assert wait_for(client, response.json()["job"]["job_id"])["status"] == "failed"
        assert not (settings.corpus_dir / "parks.txt").exists()
        again = client.delete("/api/admin/documents/parks", headers=ADMIN)  # still listed
        assert again.status_code == 202, again.text
    restarted, go = restart(settings, fake_embedder, monkeypatch)
    with restarted:
        ready = restarted.get("/readyz")
        assert ready.status_code == 503 and "parks.txt" in ready.json()["detail"]
        for path in ("/api/documents", "/api/documents/parks", "/api/search?q=口袋公园"):
            withheld = restarted.get(path)  # the old index holds it: nothing is served
            assert withheld.status_code == 503, path
            assert "finishing the removal of parks.txt" in withheld.json()["detail"]
        assert "口袋公园" not in restarted.get("/").text
        go.set()
        wait_ready(restarted)
        assert doc_ids(restarted) == ["report2024"]
        assert restarted.get("/api/documents/parks").status_code == 404
        passages = restarted.get("/api/search", params={"q": "口袋公园", "k": 5}).json()
        assert all(p["doc_id"] != "parks" for p in passages["passages"])
        gone = restarted.delete("/api/admin/documents/parks", headers=ADMIN)
        assert gone.status_code == 404


def test_an_upload_killed_during_its_reindex_is_indexed_at_restart(
    settings, fake_embedder, monkeypatch
):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    killed_reindex(monkeypatch)
    with client:
        response = client.post(
            "/api/admin/documents", files={"file": ("parks.txt", PARKS.encode())}, headers=ADMIN
        )
        assert response.status_code == 202
        assert wait_for(client, response.json()["job"]["job_id"])["status"] == "failed"
        assert "parks" not in doc_ids(client)
        ready = client.get("/readyz")  # nothing is bringing them together any more
        assert ready.status_code == 503 and "parks.txt" in ready.json()["detail"]
    restarted, go = restart(settings, fake_embedder, monkeypatch)
    with restarted:
        ready = restarted.get("/readyz")
        assert ready.status_code == 503 and "parks.txt" in ready.json()["detail"]
        go.set()
        assert wait_ready(restarted)["documents"] == 2
        assert "parks" in doc_ids(restarted)
        top = restarted.get("/api/search", params={"q": "口袋公园", "k": 1}).json()["passages"]
        assert top[0]["doc_id"] == "parks"


def test_a_file_in_the_corpus_but_not_in_the_index_can_be_uploaded_again(
    settings, fake_embedder, monkeypatch
):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    with client:
        killed_reindex(monkeypatch)
        first = client.post(
            "/api/admin/documents", files={"file": ("parks.txt", PARKS.encode())}, headers=ADMIN
        )
        assert wait_for(client, first.json()["job"]["job_id"])["status"] == "failed"
        monkeypatch.undo()
        second = client.post(
            "/api/admin/documents", files={"file": ("parks.txt", PARKS.encode())}, headers=ADMIN
        )
        assert second.status_code == 202, second.text
        assert wait_for(client, second.json()["job"]["job_id"])["status"] == "done"
        assert "parks" in doc_ids(client)
        assert client.get("/readyz").status_code == 200
        third = client.post(  # now it is in the library: delete it first
            "/api/admin/documents", files={"file": ("parks.txt", PARKS.encode())}, headers=ADMIN
        )
        assert third.status_code == 409 and "delete it first" in third.json()["detail"]


def test_a_file_dropped_in_by_hand_is_not_ready_until_it_is_indexed(settings, fake_embedder):
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    with client:
        assert client.get("/readyz").status_code == 200
        (settings.corpus_dir / "parks.txt").write_text(PARKS, encoding="utf-8")
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "parks.txt" in ready.json()["detail"]
        job = client.post("/api/admin/reindex", headers=ADMIN).json()["job"]
        assert wait_for(client, job["job_id"])["status"] == "done"
        assert client.get("/readyz").status_code == 200


def test_a_delete_killed_before_its_file_was_removed_is_carried_out_at_restart(
    settings, fake_embedder, monkeypatch
):
    from app.index.journal import Journal

    (settings.corpus_dir / "parks.txt").write_text(PARKS, encoding="utf-8")
    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    with client:
        assert "parks" in doc_ids(client)
    Journal.of_index(settings.index_dir).begin("delete", "parks.txt")  # then the kill
    restarted, go = restart(settings, fake_embedder, monkeypatch)
    go.set()
    with restarted:
        wait_ready(restarted)
        assert doc_ids(restarted) == ["report2024"]
        assert not (settings.corpus_dir / "parks.txt").exists()
    assert Journal.of_index(settings.index_dir).pending() == []


def test_an_upload_killed_before_its_file_was_placed_is_abandoned_at_restart(
    settings, fake_embedder, monkeypatch
):
    from app.index.journal import Journal

    client, _ = make_client(settings, fake_embedder, ScriptedLLM())
    with client:
        pass
    Journal.of_index(settings.index_dir).begin("upload", "parks.txt", "abc")  # then the kill
    restarted, go = restart(settings, fake_embedder, monkeypatch)
    with restarted:  # nothing to re-index: the file never reached the corpus
        assert wait_ready(restarted)["documents"] == 1
    assert Journal.of_index(settings.index_dir).pending() == []
