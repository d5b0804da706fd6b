import os

import numpy as np
import pytest

from app.errors import IndexMissingError
from app.index import build_index, load_index, tokenize
from app.index.backend import Where

pytestmark = pytest.mark.unit


def test_build_persist_and_load(settings, fake_embedder):
    index = build_index(settings, fake_embedder)
    assert index.manifest.n_documents == 1 and index.manifest.n_chunks == len(index.chunks) > 1
    loaded = load_index(settings.index_dir)
    assert [c.chunk_id for c in loaded.chunks] == [c.chunk_id for c in index.chunks]
    assert loaded.backend.counts()[0] == len(index.chunks)
    assert loaded.documents["report2024"].delivered == "2024-01-10"
    assert (settings.index_dir / "current").is_symlink()


def test_reindex_after_adding_a_document_embeds_only_its_chunks(settings, fake_embedder):
    first = build_index(settings, fake_embedder)
    assert first.manifest.embedded_now == len(fake_embedder.texts) > first.manifest.n_chunks
    (settings.corpus_dir / "news.txt").write_text(
        "徐汇区10个重点项目集中开工,总投资规模超300亿元。\n2022-01-19\n", encoding="utf-8"
    )
    before = len(fake_embedder.texts)
    second = build_index(settings, fake_embedder)
    new_texts = fake_embedder.texts[before:]
    assert second.manifest.n_chunks == first.manifest.n_chunks + 1
    assert new_texts and all("重点项目" in t or "2022-01-19" in t for t in new_texts)
    assert second.manifest.embedded_now == len(new_texts)


def test_sentences_are_indexed_with_their_chunk(settings, fake_embedder):
    index = build_index(settings, fake_embedder)
    assert index.backend.counts() == (len(index.chunks), len(index.sentence_spans))
    assert len(index.sentence_spans) > len(index.chunks)
    for chunk_index, start, end in index.sentence_spans:
        assert index.chunks[chunk_index].text[start:end].strip()
    loaded = load_index(settings.index_dir)
    assert loaded.sentence_spans == index.sentence_spans


def test_a_failed_build_leaves_the_previous_index_serving(settings, fake_embedder):
    build_index(settings, fake_embedder)
    before = os.readlink(settings.index_dir / "current")

    class Broken:
        model_id = fake_embedder.model_id
        dim = fake_embedder.dim

        def embed_batch(self, texts, *, kind):
            raise RuntimeError("model crashed")

    (settings.corpus_dir / "new.txt").write_text("徐汇区新增绿地8公顷。", encoding="utf-8")
    with pytest.raises(RuntimeError):
        build_index(settings, Broken())
    assert os.readlink(settings.index_dir / "current") == before
    assert load_index(settings.index_dir).manifest.n_documents == 1


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexMissingError, match="xuhui-qa index"):
        load_index(tmp_path)


def test_tokenize_drops_punctuation_and_lowercases():
    tokens = tokenize("新增跨国公司地区总部11家，AI大厦。")
    assert "跨国公司" in tokens and "ai" in tokens and "，" not in tokens


@pytest.mark.parametrize("kind", ["txt", "docx"])
def test_a_document_over_the_character_cap_is_reported_and_not_embedded(
    settings, fake_embedder, kind
):
    from tests.ingest.test_loaders import _long_docx

    if kind == "txt":
        text = "徐汇区新建口袋公园27座。" * 400
        (settings.corpus_dir / "huge.txt").write_text(text, encoding="utf-8")
    else:  # read in the child process, which is given the cap
        _long_docx(settings.corpus_dir / "huge.docx", 60_000)
    index = build_index(settings.model_copy(update={"max_document_chars": 2000}), fake_embedder)
    assert "report2024" in index.documents and "huge" not in index.documents
    errors = index.manifest.errors
    assert any(f"huge.{kind}" in e and "2,000" in e for e in errors), errors
    assert not any("口袋公园" in text for text in fake_embedder.texts)


def test_the_in_process_backend_scores_every_chunk_whatever_the_filter(settings, fake_embedder):
    """Ranks count every chunk, as before the seam: the retriever filters afterwards."""
    index = build_index(settings, fake_embedder)
    vector = fake_embedder.embed_batch(["人工智能"], kind="query")[0]
    only = Where(years=frozenset({2030}), doc_ids=frozenset({"nothing"}))
    assert np.array_equal(index.dense_scores(vector, only), index.dense_scores(vector))
    assert np.array_equal(index.bm25_scores("人工智能", only), index.bm25_scores("人工智能"))
