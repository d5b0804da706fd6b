"""Two services on one index folder (two replicas): one re-indexes, the other follows."""

from __future__ import annotations

import pytest

from app.index import Opening, build_index, load_index
from app.service import QAService

pytestmark = pytest.mark.unit

NEWS = "徐汇区10个重点项目集中开工,总投资规模超300亿元。\n2022-01-19\n"


@pytest.fixture(params=["faiss", "milvus"])
def replicas(request, settings, fake_embedder, tmp_path):
    settings = settings.model_copy(
        update={"index_backend": request.param, "milvus_uri": str(tmp_path / "milvus.db")}
    )
    index = build_index(settings, fake_embedder)
    first = QAService(settings, index, fake_embedder)
    loaded = load_index(settings.index_dir, Opening.of(settings))
    second = QAService(settings, loaded, fake_embedder)
    return settings, first, second


def test_a_replica_serves_the_build_another_swapped_in(replicas):
    settings, first, second = replicas
    assert not second.follow()  # nothing new yet
    (settings.corpus_dir / "news.txt").write_text(NEWS, encoding="utf-8")
    first.reindex()
    assert not first.follow()  # its own build
    assert "news" not in {d.doc_id for d in second.documents()}
    assert second.follow()
    assert "news" in {d.doc_id for d in second.documents()}
    passages = second.search("重点项目集中开工总投资").passages
    assert passages[0].chunk.doc_id == "news"
    assert not second.follow()


def test_a_damaged_build_swapped_in_elsewhere_is_not_served(replicas):
    settings, first, second = replicas
    (settings.corpus_dir / "news.txt").write_text(NEWS, encoding="utf-8")
    first.reindex()
    (settings.index_dir / "current" / "chunks.jsonl").write_text("{}\n", encoding="utf-8")
    assert not second.follow()
    assert "news" not in {d.doc_id for d in second.documents()}
    assert second.search("人工智能").passages  # the build it had goes on serving


def test_a_replica_building_its_own_index_does_not_swap_in_another(replicas):
    settings, first, second = replicas
    (settings.corpus_dir / "news.txt").write_text(NEWS, encoding="utf-8")
    first.reindex()
    second._building = True  # its own build under way: that one is swapped in at its end
    assert not second.follow()
    assert "news" not in {d.doc_id for d in second.documents()}
    second._building = False
    assert second.follow()
