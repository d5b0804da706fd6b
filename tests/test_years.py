import pytest

from app.retrieve.query import analyse_question
from app.text.years import mentioned_years, plan_period

pytestmark = pytest.mark.unit


def test_explicit_year():
    assert analyse_question("2023年新增多少跨国公司地区总部", 2026).years == [2023]


def test_report_named_by_its_year():
    q = analyse_question("2024年政府工作报告提出的GDP增长目标", 2026)
    assert q.report_year == 2024 and q.years == [2024]
    q = analyse_question("What target was set in Xuhui's 2024 government work report?", 2026)
    assert q.report_year == 2024


def test_last_year_is_relative_to_the_named_or_latest_report():
    assert analyse_question("去年新增多少家企业", 2026).years == [2025]
    assert analyse_question("2024年政府工作报告说去年GDP增长多少", 2026).years == [2023]
    # "比上一年" next to a named year compares with that year's predecessor, not the latest report's.
    assert analyse_question("2020年商品销售总额比上一年增长了吗", 2026).years == [2020]


def test_five_year_plan_and_ranges():
    assert analyse_question("十四五期间新建多少绿地", 2026).years == [
        2021,
        2022,
        2023,
        2024,
        2025,
    ]
    assert analyse_question("2017到2021这五年", 2026).years == [2017, 2018, 2019, 2020, 2021]
    assert plan_period("14th Five-Year Plan") == (2021, 2025)


def test_award_edition_is_not_the_year_asked_about():
    assert analyse_question("获得2022年度上海市科学技术奖的共有多少项", 2026).years == []


def test_mentioned_years_reads_chinese_numerals():
    assert mentioned_years("二〇二四年主要任务;2023年完成") == [2023, 2024]


def test_relative_years_in_a_passage_follow_its_delivery():
    assert mentioned_years("去年开工501台，今年再开工100台", "2022-01") == [2021, 2022]
    assert mentioned_years("去年开工501台") == []
    assert mentioned_years("截至1月10日24时,累计报告本地确诊病例28例", "2021-01-13") == [2021]
    assert mentioned_years("12月举办论坛", "2021-01-13") == []


def test_plan_questions_are_told_from_outcome_questions():
    assert analyse_question("2021年加装电梯的目标是多少台", 2026).wants_plan
    assert analyse_question("What growth target was set for 2024?", 2026).wants_plan
    assert not analyse_question("2020年商品销售总额比上一年增长了吗", 2026).wants_plan
