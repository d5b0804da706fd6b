import pytest

from app.answer.decision import Form
from app.answer.router import route
from app.retrieve.query import analyse_question

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("question", "form"),
    [
        ("2022年徐汇新开工保障房多少套", Form.VALUE),
        ("2024年徐汇新增口袋公园和绿道各有多少？", Form.VALUES),
        ("2025年新建养老床位多少张？占全年目标的比例是多少？", Form.VALUES),
        ("2024年的实到外资比2022年多了多少", Form.COMPARISON),
        ("2023年徐汇财政收入的年度目标最终完成了没有？", Form.TARGET_ACTUAL),
        ("Did Xuhui reach the retail sales growth target it set for 2022?", Form.TARGET_ACTUAL),
        ("2021年徐汇的税收收入是否超过300亿元？", Form.THRESHOLD),
        ("2019年至2024年徐汇新增绿地各是多少？", Form.SERIES),
        ("2019年和2020年徐汇新增绿地各是多少？", Form.SERIES),
        # a period and no years: "各是多少" is asked of the indicators it names
        ("“十四五”期间徐汇人工智能和生命健康产业的年均增长目标各是多少？", Form.VALUES),
        ("“十四五”期间徐汇每年新增多少公园绿地？", Form.SERIES),
        ("How did Xuhui's fiscal revenue change from 2019 to 2023?", Form.SERIES),
        ("2018年至2022年，徐汇新建公共绿地面积是如何变化的？", Form.SERIES),
        ("近三年徐汇每年新增多少家孵化器", Form.SERIES),
        ("Xuhui's good air quality rate in 2021, 2022 and 2023", Form.SERIES),
        ("By how much did the number of listed firms rise from 2020 to 2024?", Form.COMPARISON),
        ("Was the employment target for 2023 actually met in the end?", Form.TARGET_ACTUAL),
        ("What was the 2023 fiscal revenue and the district's tax revenue?", Form.VALUES),
        ("How many jobs did Xuhui add in 2024 and Shanghai's share of them?", Form.VALUES),
        ("2026年徐汇在养老服务方面有哪些举措？", Form.OPEN),
        ("What are the main measures to support start-ups in the 2025 plan?", Form.OPEN),
    ],
)
def test_the_form_shows_in_the_question_s_words_and_periods(question, form):
    assert route(analyse_question(question, 2026)) is form


def test_a_short_list_with_a_count_is_a_value_not_an_open_question():
    assert route(analyse_question("2023年新建的三座口袋公园叫什么？", 2026)) is Form.VALUE


def test_a_recent_span_counts_back_from_the_latest_report():
    query = analyse_question("近三年徐汇每年加装多少台电梯", 2026)
    assert query.span == (2023, 2025) and query.years == []
    assert analyse_question("过去五年徐汇新增多少绿地", 2022).span == (2017, 2021)
