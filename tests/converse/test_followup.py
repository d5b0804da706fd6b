"""Follow-up questions read into standalone ones. The cases are written here in other words
and on other topics than eval/conversations.jsonl, which measures the same mechanism."""

from __future__ import annotations

import pytest

from app.converse.followup import resolve
from app.retrieve.query import analyse_question

pytestmark = pytest.mark.unit


def analyse(question: str):
    return analyse_question(question, 2026)


def read(previous: str, question: str, rewrite=None):
    return resolve(question, [previous], analyse, rewrite)


def test_without_earlier_turns_a_question_stands_alone():
    r = resolve("2024年徐汇新增多少家上市企业？", [], analyse)
    assert r.how == "standalone" and r.question == "2024年徐汇新增多少家上市企业？"


@pytest.mark.parametrize(
    ("previous", "follow_up", "year", "topic"),
    [
        ("2024年徐汇完成固定资产投资多少亿元？", "那2022年的呢？", 2022, "固定资产投资"),
        ("2021年徐汇新增养老床位多少张", "二〇二〇年呢", 2020, "养老床位"),
        (
            "How many talent apartments did Xuhui add in 2023?",
            "and 2021?",
            2021,
            "talent apartments",
        ),
        ("What was the employment target for 2020?", "How about for 2022?", 2022, "employment"),
    ],
)
def test_a_follow_up_of_only_a_year_asks_the_same_for_that_year(previous, follow_up, year, topic):
    r = read(previous, follow_up)
    assert r.how == "code" and analyse(r.question).years == [year]
    assert topic in r.question


def test_the_year_before_or_after_counts_from_the_previous_turn():
    before = read("2020年徐汇新建公共绿地多少公顷？", "上一年呢？")
    after = read("2020年徐汇新建公共绿地多少公顷？", "下一年呢")
    assert analyse(before.question).years == [2019] and "公共绿地" in before.question
    assert analyse(after.question).years == [2021]


def test_asking_for_the_target_keeps_the_topic_and_asks_for_a_plan():
    r = read("2025年徐汇改造了多少公里雨污水管网？", "那目标呢？")
    query = analyse(r.question)
    assert query.wants_plan and query.years == [2025] and "雨污水管网" in r.question


def test_a_new_topic_takes_only_the_years_and_the_plan():
    r = read("2021年徐汇地区生产总值增长目标是多少？", "那商品销售总额呢？")
    query = analyse(r.question)
    assert query.years == [2021] and query.wants_plan
    assert "商品销售总额" in r.question and "地区生产总值" not in r.question


def test_another_measure_of_the_same_topic_keeps_the_topic():
    r = read("2023年徐汇社会消费品零售总额是多少？", "增速呢？")
    assert "社会消费品零售总额" in r.question and "增速" in r.question
    assert analyse(r.question).years == [2023]


def test_a_question_of_its_own_is_left_alone():
    r = read("2023年新增多少跨国公司地区总部", "2025年徐汇引进了多少家首店？")
    assert r.how == "standalone" and r.question == "2025年徐汇引进了多少家首店？"


def test_a_question_without_a_year_carries_the_previous_turns_year():
    r = read("2019年徐汇区建成多少家街镇邻里汇？", "居民区邻里小汇覆盖了多少个？")
    assert analyse(r.question).years == [2019] and "邻里小汇" in r.question


def test_a_pronoun_goes_to_the_model_and_its_rewrite_is_kept_when_it_holds_the_words():
    calls = []

    def rewrite(previous, question):
        calls.append((previous, question))
        return "2019年徐汇出口总额是多少？"

    r = read("2019年徐汇完成进出口总额多少？", "其中出口呢？", rewrite)
    assert calls and r.how == "model" and r.question == "2019年徐汇出口总额是多少？"


def test_a_rewrite_that_drops_the_years_is_not_trusted():
    r = read("2019年徐汇完成进出口总额多少？", "其中出口呢？", lambda p, q: "出口总额是多少？")
    assert r.how == "code" and analyse(r.question).years == [2019] and "出口" in r.question


def test_code_resolves_a_year_swap_without_calling_the_model():
    def rewrite(previous, question):
        raise AssertionError("the model is not needed for a year swap")

    r = read("2023年徐汇新增多少家上市企业？", "那2024年呢？", rewrite)
    assert r.how == "code" and analyse(r.question).years == [2024]


def test_a_rewrite_that_is_the_previous_question_again_is_not_trusted():
    previous = "2019年徐汇完成进出口总额多少？"
    r = read(previous, "其中出口呢？", lambda p, q: previous)
    assert r.how == "code" and r.question != previous and "出口" in r.question
