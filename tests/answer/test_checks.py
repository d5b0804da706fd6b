from dataclasses import replace

import pytest

from app.answer.checks import is_refusal, verify
from app.answer.context import ContextPassage
from app.domain import Chunk, Passage, Query
from app.retrieve.query import analyse_question
from app.text.sentences import Sentence

pytestmark = pytest.mark.unit


def context_passage(n: int, text: str, years: list[int], phase: str = "review") -> ContextPassage:
    chunk = Chunk(
        chunk_id=f"c{n}",
        doc_id="d",
        title="2024年报告",
        heading_path=[],
        text=text,
        start=0,
        end=len(text),
        years=years,
        phase=phase,
        mentioned_years=[],
    )
    passage = Passage(chunk=chunk, score=1.0, doc_title="2024年报告", delivered="2024-01-10")
    return ContextPassage(n=n, passage=passage, sentences=[Sentence(text, 0, len(text))])


CONTEXT = [
    context_passage(
        1,
        "新增跨国公司地区总部11家、外资研发中心1家。预计全年实到外资17.1亿美元，同比增长37.3%。",
        [2023],
    ),
    context_passage(2, "地区生产总值增长5.5%左右。", [2024], "plan"),
]


def q(question: str, years: list[int] | dict | None = None, wants_plan: bool = False) -> Query:
    """The question's analysis (its cues), with the years given explicitly."""
    if isinstance(years, dict):
        years, wants_plan = years.get("years", []), years.get("wants_plan", False)
    return replace(analyse_question(question), years=years or [], wants_plan=wants_plan)


TERMS = {"跨国公司": 3.0, "地区总部": 3.0, "新增": 1.0}


def test_a_supported_answer_passes():
    result = verify(
        "2023年新增跨国公司地区总部11家[1]。",
        q("2023年新增多少跨国公司地区总部", years=[2023]),
        CONTEXT,
        TERMS,
    )
    assert result.ok, result.problems
    assert result.cited == [1]


def test_a_number_that_no_cited_passage_holds_fails():
    result = verify("新增跨国公司地区总部12家[1]。", q("q"), CONTEXT, TERMS)
    assert not result.ok and "12" in result.problems[0]


def test_a_figure_about_something_else_fails():
    result = verify(
        "2023年GDP为17.1亿美元[1]。",
        q("2023年徐汇区GDP是多少", years=[2023]),
        CONTEXT,
        {"gdp": 5.0},
    )
    assert not result.ok and "not about what the answer says" in result.problems[0]


def test_citing_a_passage_that_was_not_given_fails():
    assert not verify("11家[3]。", q("q"), CONTEXT, {}).ok


def test_a_passage_about_another_year_fails():
    result = verify(
        "地区生产总值增长5.5%左右[2]。",
        q("2023年地区生产总值增长多少", years=[2023]),
        CONTEXT,
        {"地区生产总值": 2.0},
    )
    assert not result.ok and "about what happened in [2023]" in result.problems[-1]


def test_refusals_are_recognised():
    assert is_refusal("报告中未提及2025年的数据。")
    assert is_refusal("The reports do not say.")
    assert not is_refusal("新增11家[1]。")


def test_a_comparison_may_state_the_difference_of_cited_figures():
    context = [
        context_passage(1, "空气质量指数优良率达到87.7%。", [2023]),
        context_passage(2, "环境空气质量AQI优良率89.3%,排名全市第一。", [2025]),
    ]
    question = "2025年空气质量优良率比2023年提高了多少个百分点"
    terms = {"空气质量": 2.0, "优良率": 3.0}
    answer = "2025年优良率89.3%[2]，比2023年的87.7%[1]提高1.6个百分点。"
    assert verify(answer, q(question, years=[2023, 2025]), context, terms).ok
    # Outside a comparison, an arithmetic result is an invented number.
    assert not verify("优良率提高1.6[1][2]", q("优良率是多少"), context, terms).ok
    # Nor in a question that says 比 without naming two years.
    assert not verify(
        "提高1.6[1][2]", q("优良率比上一年提高了多少", years=[2025]), context, terms
    ).ok


def test_a_target_does_not_answer_what_happened():
    context = [context_passage(1, "商品销售总额增长6%。", [2020], "plan")]
    terms = {"商品销售总额": 3.0}
    happened = dict(years=[2020], wants_plan=False)
    assert not verify("增长6%[1]。", q("2020年商品销售总额增长了吗", happened), context, terms).ok
    target = dict(years=[2020], wants_plan=True)
    assert verify("增长6%[1]。", q("2020年商品销售总额增长目标", target), context, terms).ok


def test_recite_adds_the_passage_that_holds_the_number():
    from app.answer.repair import recite

    assert recite("新增跨国公司地区总部11家。", CONTEXT) == "新增跨国公司地区总部11家[1]。"
    assert recite("地区生产总值增长5.5%左右[1]。", CONTEXT) == "地区生产总值增长5.5%左右[1][2]。"
    assert recite("六大科创街区", CONTEXT) == "六大科创街区"  # shares nothing: left alone


def test_a_misread_chinese_unit_is_given_back_its_report_figure():
    from app.answer.repair import fix_units

    context = [context_passage(1, "总投资规模超300亿元。合计合同外资规模达到4.8亿美元。", [2022])]
    assert fix_units("The total investment exceeds 300 billion yuan [1].", context) == (
        "The total investment exceeds 300亿元 [1]."
    )
    assert (
        fix_units("It reached 4.8 billion US dollars [1].", context) == "It reached 4.8亿美元 [1]."
    )
    assert fix_units("It is 30 billion yuan [1].", context) == "It is 30 billion yuan [1]."


def test_an_english_answer_must_take_its_number_from_a_sentence_close_to_the_question():
    close = context_passage(1, "固定资产投资总额增长10%。", [2024], "plan")
    close.sentences[0].coverage = 0.9
    far = context_passage(2, "规模以上工业总产值890亿元。", [2024], "plan")
    far.sentences[0].coverage = 0.2
    years = dict(years=[2024], wants_plan=True)
    question = "What growth target for fixed-asset investment was set for 2024?"
    assert verify("A growth target of 10% [1].", q(question, years), [close, far], {}).ok
    result = verify("A target of 890 billion yuan [2].", q(question, years), [close, far], {})
    assert not result.ok and "far from the question" in result.problems[0]


def test_each_figure_must_come_from_a_passage_about_the_asked_year():
    context = [
        context_passage(1, "新增跨国公司地区总部11家、外资研发中心1家。", [2023]),
        context_passage(
            2,
            "五年新增跨国公司地区总部27家，累计总部100家。",
            [2017, 2018, 2019, 2020, 2021],
            "other",
        ),
    ]
    years = dict(years=[2023])
    result = verify(
        "2023年新增跨国公司地区总部27家[1][2]。",
        q("2023年新增多少跨国公司地区总部", years),
        context,
        TERMS,
    )
    assert not result.ok and "another period" in result.problems[0]
    assert verify("2023年新增跨国公司地区总部11家[1][2]。", q("q", years), context, TERMS).ok


def test_an_answer_that_gives_no_figure_for_a_figure_question_fails():
    question = "2023年新增多少跨国公司地区总部"
    result = verify("2023年新增跨国公司地区总部[1]。", q(question, years=[2023]), CONTEXT, TERMS)
    assert not result.ok and "gives none" in result.problems[0]


def test_a_true_figure_about_something_else_is_no_answer():
    context = [context_passage(1, "新增各类绿地10.32公顷。", [2025])]
    terms = {"新增": 0.5, "上市": 4.0, "企业": 1.0, "上市企业": 5.0}
    result = verify(
        "新增各类绿地10.32公顷[1]。",
        q("2025年新增了多少家上市企业", years=[2025]),
        context,
        terms,
    )
    assert not result.ok and "not about what the answer says" in result.problems[0]
