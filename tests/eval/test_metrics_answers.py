import pytest

from app.eval.metrics import (
    answer_accuracy,
    answer_correct,
    citation_accuracy,
    false_refusal_rate,
    includes,
    refusal_accuracy,
)

pytestmark = pytest.mark.unit


def test_bare_number_matches_only_as_a_whole_number():
    assert includes("新增11家[1]", "11")
    assert not includes("2011年", "11") and not includes("增长11.5%", "11")
    assert includes("1,513套", "1513") and includes("增长１０％", "10%")


def test_every_group_must_match_and_a_refusal_never_matches():
    assert answer_correct("开工501台、竣工311台", False, [["501"], ["311"]])
    assert not answer_correct("开工501台", False, [["501"], ["311"]])
    assert not answer_correct("开工501台、竣工311台", True, [["501"], ["311"]])


def test_answer_metrics():
    items = [
        {"evidence": "新增跨国公司地区总部11家", "must_include": [["11"]]},
        {"evidence": "全年开工210万平方米", "must_include": [["210"]]},
        {"evidence": None, "must_include": []},
    ]
    rows = [
        {
            "answer": "11家[1]",
            "refused": False,
            "citations": [{"text": "新增跨国公司地区总部11家、外资研发中心1家"}],
        },
        {"answer": "报告中未提及", "refused": True, "citations": []},
        {"answer": "报告中未提及", "refused": True, "citations": []},
    ]
    assert answer_accuracy(items, rows)["score"] == 0.5
    assert citation_accuracy(items, rows)["score"] == 1.0
    assert refusal_accuracy(items, rows)["score"] == 1.0
    assert false_refusal_rate(items, rows)["score"] == 0.5


def test_halves_are_fixed_by_id_and_both_used():
    from app.eval.metrics import half

    ids = [f"q{i}" for i in range(40)]
    assert [half(i) for i in ids] == [half(i) for i in ids]
    assert {half(i) for i in ids} == {"A", "B"}


def test_a_refusal_quoting_its_evidence_is_counted():
    from app.eval.metrics import refusals_quoting_evidence

    items = [
        {"id": "a", "evidence": "新增跨国公司地区总部11家", "must_include": [["11"]]},
        {"id": "b", "evidence": "新增跨国公司地区总部11家", "must_include": [["11"]]},
        {"id": "c", "evidence": None},
    ]
    rows = [
        {"answer": "报告中未提及。相关内容：新增跨国公司地区总部 11家[1]", "refused": True},
        {"answer": "报告中未提及。相关段落见2024年报告[1]。", "refused": True},
        {"answer": "报告中未提及。", "refused": True},
    ]
    result = refusals_quoting_evidence(items, rows)
    assert result["individual_scores"] == [1.0, 0.0, None] and result["score"] == 1.0


def test_figures_must_stand_in_the_cited_sentence_not_just_its_passage():
    from app.eval.metrics import figures_outside_citations

    citation = {
        "quote": "新增跨国公司地区总部11家。",
        "text": "新增跨国公司地区总部11家。实到外资17.1亿美元。",
        "years": [2023],
    }
    row = {"answer": "2023年新增11家，实到外资17.1亿美元[1]。", "citations": [citation]}
    assert figures_outside_citations(row, "2023年新增多少") == (["17.1"], [])
    compared = {
        "answer": "87.7%[1]，89.3%[2]，提高1.6个百分点。",
        "citations": [
            {"quote": "优良率达到87.7%。", "years": [2023]},
            {"quote": "优良率89.3%。", "years": [2025]},
        ],
    }
    assert figures_outside_citations(compared, "q") == ([], ["1.6"])


def test_open_scores_count_half_the_key_points_declines_and_figures_outside_a_point():
    from app.eval.metrics import key_points_covered, open_scores

    items = [
        {
            "id": "o1",
            "question": "有哪些成果？",
            "key_points": [["11家"], ["83个", "83"], ["千亿"]],
        },
        {"id": "o2", "question": "有哪些补贴？", "key_points": []},
    ]
    cited = {"n": 1, "quote": "新增跨国公司地区总部11家", "text": "…", "years": [2023]}
    rows = [
        {
            "answer": "据报告：\n1. 新增跨国公司地区总部11家[1]。\n2. 备案大模型83个[1]。",
            "refused": False,
            "citations": [cited],
            "points": [
                {"text": "新增跨国公司地区总部11家[1]。", "citations": [1]},
                {"text": "备案大模型83个[1]。", "citations": [1]},  # 83 is not in [1]
            ],
        },
        {"answer": "报告中没有关于“补贴”的内容。", "refused": True, "citations": []},
    ]
    assert key_points_covered(rows[0]["answer"], items[0]["key_points"]) == 2
    scores = open_scores(items, rows)
    assert scores["half_covered"] == 1.0 and scores["declined"] == 1.0
    assert scores["with_outside_figures"] == 1
