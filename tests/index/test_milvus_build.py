"""Builds whose vectors live in Milvus (Milvus Lite): built, loaded, checked, updated."""

from __future__ import annotations

import pytest

from app.index import Opening, build_index, load_index
from app.index.store import (
    IndexDamagedError,
    claimed_versions,
    forget_unused_versions,
    load_build,
)
from app.retrieve.retriever import Retriever

pytestmark = pytest.mark.unit


@pytest.fixture
def milvus_settings(settings, tmp_path):
    return settings.model_copy(
        update={"index_backend": "milvus", "milvus_uri": str(tmp_path / "milvus.db")}
    )


def top_chunks(index, settings, embedder, question: str) -> list[str]:
    return [
        p.chunk.chunk_id for p in Retriever(index, embedder, settings).search(question).passages
    ]


def test_a_milvus_build_loads_and_retrieves_what_the_in_process_one_does(
    settings, milvus_settings, fake_embedder
):
    in_process = build_index(settings, fake_embedder)
    build_index(milvus_settings, fake_embedder)
    loaded = load_index(milvus_settings.index_dir, Opening.of(milvus_settings))
    assert loaded.backend.kind == "milvus" and loaded.manifest.backend == "milvus"
    assert loaded.backend.counts() == (len(loaded.chunks), len(loaded.sentence_spans))
    assert not (milvus_settings.index_dir / "current" / "dense.faiss").exists()
    for question in ("2023年新增多少跨国公司地区总部", "人工智能", "What about green space?"):
        assert top_chunks(loaded, milvus_settings, fake_embedder, question) == top_chunks(
            in_process, settings, fake_embedder, question
        )


def test_a_rebuild_writes_only_the_changed_document_and_keeps_what_older_builds_use(
    milvus_settings, fake_embedder
):
    first = build_index(milvus_settings, fake_embedder)
    before = first.backend.stored_versions()
    (milvus_settings.corpus_dir / "news.txt").write_text(
        "徐汇区10个重点项目集中开工,总投资规模超300亿元。\n2022-01-19\n", encoding="utf-8"
    )
    second = build_index(milvus_settings, fake_embedder)
    after = second.backend.stored_versions()
    assert before < after and len(after - before) == 1
    assert set(second.manifest.versions.values()) <= after
    # the earlier build, still on disk, still loads whole (its rows were kept)
    older = sorted((milvus_settings.index_dir / "builds").iterdir())[0]

    assert load_build(older, Opening.of(milvus_settings)).manifest.n_documents == 1


def test_a_build_whose_rows_are_gone_from_milvus_is_not_served(milvus_settings, fake_embedder):
    index = build_index(milvus_settings, fake_embedder)
    index.backend.remove(index.manifest.versions.values())
    with pytest.raises(IndexDamagedError, match="milvus backend holds 0 chunks"):
        load_index(milvus_settings.index_dir, Opening.of(milvus_settings))


def test_a_build_for_the_other_backend_is_not_served(settings, milvus_settings, fake_embedder):
    build_index(settings, fake_embedder)
    with pytest.raises(IndexDamagedError, match="faiss backend, the settings say milvus"):
        load_index(milvus_settings.index_dir, Opening.of(milvus_settings))


def test_versions_a_build_under_way_has_claimed_are_not_dropped(milvus_settings, fake_embedder):
    index = build_index(milvus_settings, fake_embedder)
    versions = set(index.manifest.versions.values())
    for build in (milvus_settings.index_dir / "builds").iterdir():
        (build / "manifest.json").unlink()  # as if no build on disk listed them
    with claimed_versions(milvus_settings.index_dir, versions):
        forget_unused_versions(index.backend, milvus_settings.index_dir)
        assert versions <= index.backend.stored_versions()
    forget_unused_versions(index.backend, milvus_settings.index_dir)
    assert not versions & index.backend.stored_versions()
