import pytest

from app.answer.candidates import period_tier, select_candidates, sentence_spans, span_tier
from tests.answer.helpers import candidate, passage, q

pytestmark = pytest.mark.unit


def test_an_outcome_question_sees_reviews_and_a_target_question_plans():
    review = passage("新增绿地23.37公顷。", [2023], "review")
    plan = passage("新增各类绿地8公顷。", [2024], "plan")
    outcome = q("2023年新增多少绿地", [2023])
    target = q("2024年新增绿地的目标是多少", [2024], wants_plan=True)
    assert period_tier(outcome, review, review.chunk.text) == 1
    assert period_tier(outcome, plan, plan.chunk.text) is None
    assert period_tier(target, plan, plan.chunk.text) == 1
    assert period_tier(q("2024年新增多少绿地", [2024]), plan, plan.chunk.text) == 3


def test_a_sentence_naming_the_year_fits_and_a_five_year_summary_does_not():
    summary = passage("五年新增跨国公司地区总部27家。", [2017, 2018, 2019, 2020, 2021], "other")
    named = "2019年新增总部5家。"
    query = q("2019年新增多少跨国公司地区总部", [2019])
    assert period_tier(query, summary, summary.chunk.text) is None
    assert period_tier(query, summary, named) == 2


def test_a_report_named_by_its_delivery_year():
    in_2024 = passage("新增跨国公司地区总部11家。", [2023], delivered="2024-01-10")
    in_2026 = passage("新增跨国公司地区总部和外资研发中心8家。", [2025], delivered="2026-01")
    query = q("2024年政府工作报告中新增多少跨国公司地区总部")
    assert query.report_year == 2024
    assert period_tier(query, in_2024, in_2024.chunk.text) == 1
    assert period_tier(query, in_2026, in_2026.chunk.text) is None


def test_candidates_are_numbered_labelled_and_bounded():
    passages = [
        passage("新增跨国公司地区总部11家。实到外资17.1亿美元。", [2023]),
        passage("新增绿地23.37公顷。", [2023]),
        passage("新增各类绿地8公顷。", [2024], "plan"),
    ]
    query = q("2023年新增多少跨国公司地区总部", [2023])
    chosen = select_candidates(query, passages, {}, max_chars=200, max_count=2)
    assert [c.n for c in chosen] == [1, 2]
    assert "跨国公司" in chosen[0].text
    assert chosen[0].prompt_line().startswith("[1]（2024年报告·回顾2023年）")
    assert all(c.passage.chunk.phase == "review" for c in chosen)
    tight = select_candidates(query, passages, {}, max_chars=5, max_count=6)
    assert len(tight) == 1  # the best sentence even past the budget, nothing after it


def test_a_citation_highlights_the_sentence_in_its_document():
    c = candidate(3, "新增绿地23.37公顷。", [2023])
    citation = c.to_citation(1)
    assert citation["n"] == 1 and citation["quote"] == "新增绿地23.37公顷。"
    assert citation["highlights"] == [[0, len("新增绿地23.37公顷。")]]


def test_a_sentence_carries_the_span_its_paragraph_states_until_one_names_a_year():
    text = (
        "2020年是“十三五”收官之年。这是城区综合实力全面提升的五年。"
        "外资总部机构从86家增加到113家。2020年新增总部5家。绿地新增8公顷。"
    )
    spans = sentence_spans(passage(text, [2020], "review", delivered="2021-01-13"))
    by_text = {text[s:].split("。")[0]: span for s, span in spans.items()}
    assert by_text == {
        "这是城区综合实力全面提升的五年": (2016, 2020),
        "外资总部机构从86家增加到113家": (2016, 2020),
    }
    several = passage("旧改征收54.4万平方米。2025年完成3个地块。", [2021, 2022, 2023, 2024, 2025])
    assert list(sentence_spans(several).values()) == [(2021, 2025)]


def test_a_span_question_sees_what_speaks_of_its_span_before_one_year_of_it():
    year = passage("2023年新增跨国公司地区总部11家。", [2023])
    span = passage("“十四五”期间新增跨国公司地区总部60家。", [2025], delivered="2026-01")
    query = q("“十四五”期间徐汇新增了多少家跨国公司地区总部？")
    assert query.span == (2021, 2025)
    chosen = select_candidates(query, [year, span], {}, max_chars=400, max_count=6)
    assert [c.text for c in chosen] == ["“十四五”期间新增跨国公司地区总部60家。"]
    assert chosen[0].tier == 1 and chosen[0].label == "回顾2021-2025年"
    # with nothing about the span, a year of it is shown, as such
    alone = select_candidates(query, [year], {}, max_chars=400, max_count=6)
    assert [c.tier for c in alone] == [3] and alone[0].label == "回顾2023年"


def test_a_span_target_prefers_the_plan_and_past_five_years_match_any_such_review():
    plan = passage(
        "到“十四五”期末,新增跨国公司地区总部20家。", [2021, 2022, 2023, 2024, 2025], "plan"
    )
    target = q("到“十四五”期末徐汇计划新增多少家跨国公司地区总部？", wants_plan=True)
    review = q("“十四五”期间徐汇新增多少家跨国公司地区总部？")
    assert span_tier(target, plan, plan.chunk.text, (2021, 2025)) == 1
    assert span_tier(review, plan, plan.chunk.text, (2021, 2025)) == 2
    feature = passage("五年新增跨国公司地区总部27家。", [2017, 2018, 2019, 2020, 2021], "other")
    asked_now = q("过去五年徐汇新增了多少家跨国公司地区总部？")
    assert asked_now.span == (2021, 2025) and not asked_now.years
    assert span_tier(asked_now, feature, feature.chunk.text, (2017, 2021)) == 1
    assert span_tier(review, feature, feature.chunk.text, (2017, 2021)) is None
