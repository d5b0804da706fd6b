import pytest

from app.answer.prompt import year_hint
from app.retrieve.query import analyse_question

pytestmark = pytest.mark.unit


def test_the_year_hint_names_the_asked_year_and_phase():
    assert year_hint(analyse_question("2023年新增多少绿地", 2026)) == (
        "问题问的是2023年实际完成的情况（不是目标）"
    )
    assert year_hint(analyse_question("2026年新增绿地的目标是多少", 2026)) == (
        "问题问的是2026年的目标任务"
    )


def test_a_span_is_hinted_as_one_period_as_the_candidates_are_labelled():
    hint = year_hint(
        analyse_question("到“十四五”期末，徐汇新增跨国公司地区总部的目标是多少？", 2026)
    )
    assert hint == "问题问的是2021-2025年这一整个时期的目标任务，不是其中某一年"
    assert "2022年" not in hint
    counted = year_hint(analyse_question("过去五年徐汇新建了多少个早餐网点？", 2026))
    assert counted == "问题问的是一个5年时期整体实际完成的情况（不是目标），不是其中某一年"
