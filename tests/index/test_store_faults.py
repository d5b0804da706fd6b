"""A damaged index is never served: checked on load, the previous whole build or a rebuild."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from app.errors import IndexMissingError
from app.index import Opening, build_index, load_index
from app.index.store import IndexDamagedError
from app.service import build_service
from tests.conftest import REPO
from tests.fakes import HashEmbedder, ScriptedLLM

pytestmark = pytest.mark.unit


def current_build(settings):
    return (settings.index_dir / "current").resolve()


@pytest.fixture
def two_builds(settings, fake_embedder):
    """Two whole builds of the sample corpus; the second is in service."""
    first = build_index(settings, fake_embedder)
    first_dir = current_build(settings)
    time.sleep(1.1)  # build folders are named by the second
    build_index(settings, fake_embedder)
    assert current_build(settings) != first_dir
    return first_dir, first


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (
            lambda b: (b / "chunks.jsonl").write_text(
                "".join((b / "chunks.jsonl").read_text().splitlines(True)[:-1])
            ),
            "chunks.jsonl is damaged",
        ),
        (lambda b: (b / "sentences.faiss").unlink(), "sentences.faiss is missing"),
        (lambda b: (b / "dense.faiss").write_bytes(b"not an index"), "dense.faiss is damaged"),
        (lambda b: (b / "manifest.json").write_text("{broken"), "unreadable manifest"),
    ],
)
def test_a_damaged_build_is_passed_over_for_the_previous_whole_one(
    settings, two_builds, damage, reason, caplog
):
    first_dir, _ = two_builds
    damage(current_build(settings))
    loaded = load_index(settings.index_dir)
    assert loaded.manifest.n_chunks > 0
    assert reason in caplog.text
    assert (settings.index_dir / "builds" / first_dir.name).is_dir()


def test_with_no_whole_build_the_service_rebuilds_instead_of_serving_it(settings, fake_embedder):
    build_index(settings, fake_embedder)
    (current_build(settings) / "dense.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexDamagedError, match="dense.faiss is damaged"):
        load_index(settings.index_dir)
    service = build_service(
        settings, embedder=fake_embedder, llm=ScriptedLLM(), build_if_missing=True
    )
    assert service.search("跨国公司地区总部").passages


def test_an_index_of_another_embedder_is_rebuilt_not_served(settings):
    build_index(settings, HashEmbedder(dim=32))
    other = HashEmbedder(dim=16)
    with pytest.raises(IndexDamagedError, match="16"):
        load_index(settings.index_dir, Opening(model_id=other.model_id, dim=other.dim))
    service = build_service(settings, embedder=other, llm=ScriptedLLM(), build_if_missing=True)
    assert service.index.manifest.dim == 16
    assert service.search("跨国公司地区总部").passages


def test_no_index_at_all_is_a_clear_error(tmp_path):
    with pytest.raises(IndexMissingError, match="xuhui-qa index"):
        load_index(tmp_path / "nothing")


SLOW_BUILD = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from app.index import build_index
    from app.settings import Settings
    from tests.fakes import HashEmbedder

    class Slow(HashEmbedder):
        def embed_batch(self, texts, *, kind):
            print("embedding", flush=True)
            time.sleep(30)
            return super().embed_batch(texts, kind=kind)

    settings = Settings(corpus_dir={corpus!r}, index_dir={index!r}, show_progress=False,
                        chunk_size=120, chunk_overlap=10)
    build_index(settings, Slow())
    """
)


def test_a_rebuild_killed_midway_leaves_the_previous_index_in_service(settings, fake_embedder):
    build_index(settings, fake_embedder)
    before = current_build(settings)
    (settings.corpus_dir / "more.txt").write_text(
        "2024年徐汇区新建口袋公园27座。", encoding="utf-8"
    )
    script = SLOW_BUILD.format(
        repo=str(REPO), corpus=str(settings.corpus_dir), index=str(settings.index_dir)
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "embedding"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    # Nothing half-written is in service; the next start removes what the crash left.
    assert current_build(settings) == before
    (settings.index_dir / "builds" / ".crashed.partial").mkdir()
    service = build_service(settings, embedder=fake_embedder, llm=ScriptedLLM())
    assert service.index.manifest.n_documents == 1
    assert not list((settings.index_dir / "builds").glob(".*.partial"))


def test_a_build_another_live_process_is_writing_is_left_alone(settings, fake_embedder):
    import os

    from app.index.store import clean_partial_builds

    build_index(settings, fake_embedder)
    builds = settings.index_dir / "builds"
    live = builds / ".live.partial"
    live.mkdir()
    (live / "builder.pid").write_text(str(os.getpid()))
    dead = builds / ".dead.partial"
    dead.mkdir()
    assert clean_partial_builds(settings.index_dir) == [".dead.partial"]
    assert live.is_dir() and not dead.exists()
