import pytest

from app.text.years import chinese_numeral_years, mentioned_years, plan_period

pytestmark = pytest.mark.unit


def test_plan_periods_in_chinese_and_english():
    assert plan_period("十四五期间") == (2021, 2025)
    assert plan_period("14th Five-Year Plan") == (2021, 2025)
    assert plan_period("今年") is None


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("“十一五”时期", (2006, 2010)),
        ('展望"十五五"', (2026, 2030)),
        ("第十四个五年规划", (2021, 2025)),
        ("“十七五”", (2036, 2040)),
        ("the 13th Five-Year Plan", (2016, 2020)),
        ("增长十五%", None),
        ("二〇一五年", None),
        ("共十五家", None),
    ],
)
def test_any_five_year_plan_is_read_by_its_number(text, years):
    assert plan_period(text) == years


def test_chinese_numeral_years():
    assert chinese_numeral_years("二〇二四年主要任务") == "2024年主要任务"


def test_mentioned_years_reads_chinese_numerals():
    assert mentioned_years("二〇二四年主要任务;2023年完成") == [2023, 2024]


def test_relative_years_in_a_passage_follow_its_delivery():
    assert mentioned_years("去年开工501台，今年再开工100台", "2022-01") == [2021, 2022]
    assert mentioned_years("去年开工501台") == []
    assert mentioned_years("截至1月10日24时,累计报告本地确诊病例28例", "2021-01-13") == [2021]
    assert mentioned_years("12月举办论坛", "2021-01-13") == []
