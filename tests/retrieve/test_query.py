import pytest

from app.retrieve.query import analyse_question, part_question

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


def test_award_edition_is_not_the_year_asked_about():
    assert analyse_question("获得2022年度上海市科学技术奖的共有多少项", 2026).years == []


def test_plan_questions_are_told_from_outcome_questions():
    assert analyse_question("2021年加装电梯的目标是多少台", 2026).wants_plan
    assert analyse_question("What growth target was set for 2024?", 2026).wants_plan
    assert not analyse_question("2020年商品销售总额比上一年增长了吗", 2026).wants_plan


@pytest.mark.parametrize(
    ("question", "plan"),
    [
        ("What were the expected total retail sales in 2025?", False),  # not "expected to"
        ("What is Xuhui expected to achieve in 2026?", True),
        ("How many roads were planned for 2024?", True),
        ("Give an explanation of the 2023 figures", False),  # "plan" inside a word
        ("What share of corporate tax came from private firms in 2023?", False),
    ],
)
def test_english_cues_are_whole_words(question, plan):
    assert analyse_question(question, 2026).wants_plan is plan


@pytest.mark.parametrize(
    "question",
    [
        "2023年新增多少跨国公司地区总部",
        "2023年引进的跨国公司地区总部有几家",
        "How many regional headquarters of multinationals were added in 2023?",
    ],
)
def test_a_figure_is_asked_however_it_is_worded(question):
    query = analyse_question(question, 2026)
    assert query.asks_figure and query.years == [2023] and not query.wants_plan


def test_language_and_key_terms():
    zh = analyse_question("2023年新增多少跨国公司地区总部", 2026)
    assert zh.language == "zh" and not zh.english
    assert "跨国公司" in zh.terms and "多少" not in zh.terms and "徐汇" not in zh.terms
    assert set(zh.term_weights) == set(zh.terms)
    en = analyse_question("How many talent apartments were added in 2023?", 2026)
    assert en.english and en.chinese_share == 0.0


def test_idf_weights_rare_terms_above_common_ones():
    query = analyse_question("跨国公司地区总部新增多少", 2026, idf={"跨国公司": 4.0, "新增": 0.5})
    assert query.term_weights["跨国公司"] > query.term_weights["新增"]


def test_comparisons_need_two_named_years():
    assert analyse_question("2025年优良率比2023年提高了多少", 2026).compares_years
    one_year = analyse_question("2025年优良率比上一年提高了多少", 2026)
    assert one_year.comparison_cue and not one_year.compares_years


def test_gdp_abbreviation_brings_the_reports_term():
    assert "地区生产总值" in analyse_question("2024年GDP增长目标", 2026).terms


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "2025年优良率比2023年提高了多少个百分点？",
            ("2023年优良率是多少？", "2025年优良率是多少？"),
        ),
        (
            "徐汇2023年和2025年的社会消费品零售总额，哪一年更高？",
            ("2023年徐汇的社会消费品零售总额是多少？", None),
        ),
        ("2023年和2025年新增的公共泊位，哪一年更多？", ("2023年新增的公共泊位是多少？", None)),
    ],
)
def test_a_comparison_is_split_into_one_question_per_year(question, parts):
    query = analyse_question(question, 2026)
    assert query.compares_years
    assert part_question(query, query.years[0]) == parts[0]
    if parts[1]:
        assert part_question(query, query.years[1]) == parts[1]


def test_a_share_is_not_a_comparison():
    assert not analyse_question("研发经费支出占地区生产总值的比重是多少", 2026).comparison_cue


@pytest.mark.parametrize(
    ("question", "years", "span"),
    [
        # a list of years is each of them, not a span between the last two
        (
            "What was the number of new enterprises in 2019, 2020 and 2021?",
            [2019, 2020, 2021],
            None,
        ),
        ("Between 2019 and 2021, how many parks opened?", [2019, 2020, 2021], (2019, 2021)),
        # the change between a range's two ends is asked about those two years
        ("By how much did retail sales grow from 2021 to 2024?", [2021, 2024], None),
        ("2021年到2024年，社会消费品零售总额增加了多少？", [2021, 2024], None),
        # a total over the range is about every year of it
        ("2021年到2024年累计增加了多少家企业？", [2021, 2022, 2023, 2024], (2021, 2024)),
    ],
)
def test_a_range_of_years_is_read_for_what_is_asked_of_it(question, years, span):
    query = analyse_question(question, 2026)
    assert query.years == years
    assert query.span == span
