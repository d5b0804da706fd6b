import pytest

from app.figures.extract import Context, figures_in

pytestmark = pytest.mark.unit

REVIEW_2025 = Context("r2026", "work_report", (2025,), "review", 2026)
PLAN_2026 = Context("r2026", "work_report", (2026,), "plan", 2026)
FIVE_YEARS = Context("f2022", "feature", (2017, 2018, 2019, 2020, 2021), "review", 2022)


def _by_value(rows):
    return {row.value: row for row in rows}


def test_a_level_and_its_growth_rate_are_two_rows_of_one_indicator():
    rows = figures_in(
        "完成区级一般公共预算收入309.25亿元,同比增长9.71%,增速位居中心城区第一。", REVIEW_2025
    )
    level, rate, rank = rows
    assert (level.indicator, level.value, level.unit, level.kind) == (
        "区级一般公共预算收入",
        "309.25",
        "亿元",
        "money",
    )
    assert (level.span, level.phase) == ("2025", "actual")
    assert (rate.indicator, rate.value, rate.unit, rate.kind, rate.qualifier) == (
        "区级一般公共预算收入",
        "9.71",
        "%",
        "rate",
        "增长",
    )
    assert rank.kind == "rank" and rank.value == "第一"
    sentence = rows[0].sentence
    assert sentence[level.start : level.end] == "309.25亿元"


def test_a_list_of_figures_names_each_by_its_own_words():
    rows = figures_in("全年新增公共泊位6720个、错峰泊位645个、公共充电桩865个。", REVIEW_2025)
    assert [(r.indicator, r.value, r.unit) for r in rows] == [
        ("公共泊位", "6720", "个"),
        ("错峰泊位", "645", "个"),
        ("公共充电桩", "865", "个"),
    ]
    assert rows[0].qualifier == "新增"


def test_a_figure_before_its_name_is_named_by_what_follows_its_measure_word():
    (row,) = figures_in("帮助4178名就业困难人员实现就业。", REVIEW_2025)
    assert row.indicator.startswith("就业困难人员") and row.value == "4178" and row.kind == "count"


def test_a_list_of_figures_before_their_names_names_each_by_its_own_words():
    rows = figures_in("新增4家生鲜便利菜店、5家生鲜超市和4个社区智慧微菜场。", REVIEW_2025)
    assert [(r.indicator, r.written) for r in rows] == [
        ("生鲜便利菜店", "4家"),
        ("生鲜超市", "5家"),  # 超市 is tagged a verb: it ends the item, it opens no predicate
        ("社区智慧微菜场", "4个"),  # not 生鲜超市和, the name of the figure before
    ]
    # a name between two figures is the second's too
    rows = figures_in("累计为28.1万人次发放各类保障救助金2.34亿元。", REVIEW_2025)
    assert rows[-1].indicator.endswith("救助金") and rows[-1].value == "2.34"


def test_a_change_from_one_level_to_another_names_both_and_marks_where_it_starts():
    start, end = figures_in("外资总部机构从86家增加到113家。", REVIEW_2025)
    assert (start.indicator, start.value, start.qualifier) == ("外资总部机构", "86", "起点")
    assert (end.indicator, end.value, end.qualifier) == ("外资总部机构", "113", "达到")


def test_a_five_year_plan_named_as_the_period_makes_the_figure_the_plans_not_the_years():
    (row,) = figures_in("“十三五”期间,单位增加值能耗累计下降15%。", REVIEW_2025)
    assert (row.start_year, row.end_year) == (2016, 2020)
    # named as the base of a comparison, it is not the figure's period
    (row,) = figures_in("实际利用外资预计较“十三五”期间增长79.2%。", REVIEW_2025)
    assert (row.start_year, row.end_year) == (2025, 2025)


def test_a_one_year_reviews_sentence_about_its_five_years_gives_them_its_figures():
    rows = figures_in("PM2.5年平均浓度五年累计下降42.6%,单位增加值能耗累计下降15%。", REVIEW_2025)
    assert [(r.start_year, r.end_year) for r in rows] == [(2021, 2025), (2021, 2025)]


def test_the_phase_is_expected_after_yuji_and_a_target_in_a_plan_section():
    (expected,) = figures_in("预计全年实到外资17.1亿美元。", REVIEW_2025)
    assert expected.phase == "expected" and expected.unit == "亿美元" and expected.kind == "money"
    (target,) = figures_in("新增供应5000套保障性租赁住房。", PLAN_2026)
    assert target.phase == "target" and target.span == "2026"


def test_a_year_the_clause_names_and_a_span_the_sentence_speaks_of():
    (named,) = figures_in("2021年完成现代服务业营业收入超4000亿元。", FIVE_YEARS)
    assert named.span == "2021" and named.written == "超4000亿元" and named.value == "4000"
    (span,) = figures_in("地区生产总值五年年均增长6%。", FIVE_YEARS)
    assert span.span == "2017-2021" and span.kind == "rate"


def test_years_plan_numbers_and_names_with_numbers_are_not_figures():
    rows = figures_in(
        "2025年是“十四五”规划收官之年,建成15分钟社区生活圈,举办第二届进博会。", REVIEW_2025
    )
    assert rows == []


def test_chinese_numerals_before_a_measure_word_are_figures():
    rows = _by_value(figures_in("新增跨国公司地区总部十一家。", REVIEW_2025))
    assert rows["11"].indicator == "跨国公司地区总部" and rows["11"].written == "十一家"
