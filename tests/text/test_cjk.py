import pytest

from app.text.cjk import chinese_share, han_count, has_han, reads_as_english

pytestmark = pytest.mark.unit


def test_chinese_share():
    assert chinese_share("2023年新增多少跨国公司地区总部") == 1.0
    assert chinese_share("How many talent apartments were added in 2023?") == 0.0
    assert 0.0 < chinese_share("GDP增长目标是多少") < 1.0
    assert chinese_share("2023") == 0.0


def test_han():
    assert has_han("GDP增长") and not has_han("GDP 2023")
    assert han_count("徐汇区2023年") == 4


def test_an_english_answer_may_keep_the_reports_units_and_nothing_else_chinese():
    assert reads_as_english("Xuhui attracted 300亿元 of investment in 2022.")
    assert reads_as_english("It helped 26.99万 person-times in 2025.")
    assert not reads_as_english("17.1亿美元")  # a figure alone is no sentence
    assert not reads_as_english("Xuhui的项目带来了4.8亿美元")
    assert not reads_as_english("2023年新增绿地23.37公顷。")
