import pytest

from app.text.years import chinese_numeral_years, mentioned_years, plan_period, stated_span

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


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("“十三五”期间累计下降15%", (2016, 2020)),
        ("到“十四五”期末,新增跨国公司地区总部20家", (2021, 2025)),
        ("这是城区综合实力全面提升的五年。", (2016, 2020)),
        ("五年累计完成旧住房综合改造424万平方米", (2016, 2020)),
        ("近三年政府执行力指数逐年提升", (2018, 2020)),
        ("2018年以来累计新增", (2018, 2020)),
        # a plan as the base of a comparison, or the one year that closes it, is no span
        ("实际利用外资较“十三五”期间增长79.2%", None),
        ("2020年是“十三五”收官之年。", None),
        ("新增绿地23.37公顷。", None),
    ],
)
def test_the_span_a_sentence_speaks_of(text, span):
    assert stated_span(text, 2020) == span


def test_years_counted_back_need_the_year_they_count_from():
    assert stated_span("五年来累计新增", None) is None
    assert stated_span("“十四五”期间", None) == (2021, 2025)
