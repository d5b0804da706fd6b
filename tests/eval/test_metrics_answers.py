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
