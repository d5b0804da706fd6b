import pytest

from app.errors import BadInputError
from app.index import build_index
from app.retrieve.retriever import Retriever

pytestmark = pytest.mark.unit


def retriever(settings, fake_embedder):
    return Retriever(build_index(settings, fake_embedder), fake_embedder, settings)


def test_lexical_match_finds_the_figure(settings, fake_embedder):
    result = retriever(settings, fake_embedder).search("新增跨国公司地区总部多少家", k=1)
    assert "11家" in result.passages[0].chunk.text


def test_year_decides_between_review_and_plan(settings, fake_embedder):
    r = retriever(settings, fake_embedder)
    plan = r.search("2024年固定资产投资总额增长目标", k=1).passages[0]
    assert plan.chunk.years == [2024] and "10%" in plan.chunk.text
    review = r.search("2023年人工智能企业集聚多少家", k=1).passages[0]
    assert review.chunk.years == [2023] and "1500" in review.chunk.text


def test_year_filter_keeps_only_that_year(settings, fake_embedder):
    result = retriever(settings, fake_embedder).search("增长", k=10, year=2024)
    assert result.passages and all(
        2024 in p.chunk.years or 2024 in p.chunk.mentioned_years for p in result.passages
    )


def test_empty_question_is_rejected(settings, fake_embedder):
    with pytest.raises(BadInputError):
        retriever(settings, fake_embedder).search("   ")


def test_a_year_no_document_reviews_yet_is_asked_as_a_target(settings, fake_embedder):
    r = retriever(settings, fake_embedder)  # the sample report reviews 2023, plans 2024
    assert r.index.last_reviewed_year == 2023
    future = r.search("2024年新增各类绿地多少公顷", k=1)
    assert future.query.wants_plan and "8公顷" in future.passages[0].chunk.text
    assert not r.search("2023年新增多少跨国公司地区总部").query.wants_plan
    english = r.search("How many hectares of green space were added in 2024?")
    assert english.query.wants_plan
    # The question's own reading stays as asked (a follow-up's rewrite is built from it).
    assert not r.analyse("2024年新增各类绿地多少公顷").wants_plan


def test_a_question_is_read_with_the_indicator_names_of_the_indexed_reports(
    settings, fake_embedder
):
    r = retriever(settings, fake_embedder)
    assert "跨国公司地区总部" in r.indicator_names  # "新增跨国公司地区总部11家" in the sample
    assert r.analyse("2023年新增多少跨国公司地区总部？").indicators == ["跨国公司地区总部"]
    assert r.analyse("去年来了几家外国大公司的总部？").indicators == []


def test_a_new_report_brings_its_indicator_names_when_it_is_indexed(settings, fake_embedder):
    from app.service import build_service
    from tests.fakes import ScriptedLLM

    service = build_service(
        settings, embedder=fake_embedder, llm=ScriptedLLM([]), build_if_missing=True
    )
    assert "口袋公园" not in service.search("新建了多少口袋公园").query.indicators
    (settings.corpus_dir / "extra.txt").write_text("全年新建口袋公园27座。", encoding="utf-8")
    service.reindex()
    assert service.search("新建了多少口袋公园").query.indicators == ["口袋公园"]
