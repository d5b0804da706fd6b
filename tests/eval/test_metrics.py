import pytest

from app.eval.metrics import by_type, covers, latency_summary, recall_at_k

pytestmark = pytest.mark.unit


def test_covers_ignores_whitespace_and_accepts_a_long_common_substring():
    assert covers("新增跨国公司地区总部 11家、外资研发中心1家", "新增跨国公司地区总部11家")
    assert covers(
        "社会消费品零售总额完成1210亿元, 同比增长14.5%",
        "社会消费品零售总额完成1210亿元，同比增长14.5%",
    )
    assert not covers("全年收储土地560亩,10幅地块完成出让", "全年收储土地560亩，10幅地块完成出让")
    assert not covers("新增绿地8公顷", "新增跨国公司地区总部11家")


def test_recall_counts_a_question_only_when_every_span_is_covered():
    items = [
        {"evidence": "甲乙丙丁戊己庚辛壬癸"},
        {"evidence": ["子丑寅卯辰巳午未申酉", "一二三四五六七八九十"]},
        {"evidence": None},
    ]
    retrieved = [["无关", "甲乙丙丁戊己庚辛壬癸"], ["子丑寅卯辰巳午未申酉", "无关"], []]
    at1 = recall_at_k(items, retrieved, 1)
    assert at1["individual_scores"] == [0.0, 0.0, None] and at1["score"] == 0.0
    at2 = recall_at_k(items, retrieved, 2)
    assert at2["individual_scores"] == [1.0, 0.0, None] and at2["score"] == 0.5


def test_by_type_and_latency():
    items = [{"type": "a"}, {"type": "a"}, {"type": "b"}]
    assert by_type(items, [1.0, 0.0, None]) == {"a": 0.5}
    assert latency_summary([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]) == {
        "median_ms": 55.0,
        "p90_ms": 90,
    }


def test_resolution_is_right_with_the_years_and_every_topic_word():
    from app.eval.metrics import resolution_correct

    expect = {"years": [2024], "terms": ["跨国公司地区总部"]}
    assert resolution_correct("2024年新增多少跨国公司地区总部", [2024], expect)
    assert not resolution_correct("2023年新增多少跨国公司地区总部", [2023], expect)
    assert not resolution_correct("2024年新增多少外资研发中心", [2024], expect)
    again = {"years": [2019], "terms": ["出口"]}  # "出口" is also inside "进出口"
    previous = "2019年徐汇完成进出口总额多少？"
    assert not resolution_correct(previous, [2019], again, previous)


def test_followup_scores_count_a_refused_unanswerable_follow_up_as_right():
    from app.eval.metrics import followup_scores

    items = [
        {
            "history": ["2025年引进多少亿元级项目"],
            "expect": {"years": [2023], "terms": ["亿元级项目"]},
            "must_include": [["12"]],
        },
        {
            "history": ["2023年新增几家上市企业"],
            "expect": {"years": [2025], "terms": ["上市企业"]},
            "unanswerable": True,
        },
    ]
    rows = [
        {
            "resolved": "2023年引进多少亿元级项目",
            "resolved_years": [2023],
            "answer": "12个[1]",
            "refused": False,
        },
        {
            "resolved": "2025年新增几家企业",
            "resolved_years": [2025],
            "answer": "未提及",
            "refused": True,
        },
    ]
    scores = followup_scores(items, rows)
    assert scores["resolved"]["individual_scores"] == [1.0, 0.0]
    assert scores["answer"]["individual_scores"] == [1.0, 1.0]
