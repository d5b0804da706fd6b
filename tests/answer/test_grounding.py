from dataclasses import replace

import pytest

from app.answer.grounding import (
    Commitment,
    direction,
    figure_in,
    fix_units,
    ground,
    is_refusal,
    parse_reply,
    pooled,
)
from tests.answer.helpers import candidate, passage, q

pytestmark = pytest.mark.unit

HQ = candidate(1, "新增跨国公司地区总部11家、外资研发中心1家，累计总量保持中心城区第一。", [2023])


def test_the_reply_opens_with_its_choice():
    assert parse_reply("[2] 2023年新增11家。") == (2, "2023年新增11家。")
    assert parse_reply("[0]报告中未提及。") == (0, "报告中未提及。")
    assert parse_reply("2023年新增11家。") == (None, "2023年新增11家。")


def test_confidence_is_the_probability_of_the_choice():
    commitment = Commitment(2, {0: 0.1, 1: 0.2, 2: 0.7})
    assert commitment.confidence == 0.7 and commitment.p_none == 0.1
    assert Commitment(2, {}).confidence is None  # a backend without log-probabilities
    assert Commitment(None, {0: 1.0}).confidence is None
    assert commitment.to_dict()["probs"] == {"0": 0.1, "1": 0.2, "2": 0.7}


def test_every_figure_must_stand_in_the_chosen_sentence():
    query = q("2023年新增多少跨国公司地区总部", [2023])
    assert ground("2023年新增跨国公司地区总部11家。", query, HQ) == []
    problems = ground("2023年新增跨国公司地区总部12家。", query, HQ)
    assert problems == ["the number 12 is not in the chosen sentence [1]"]
    # a figure elsewhere in the same passage is no support: only the chosen sentence counts
    two = candidate(1, "实到外资17.1亿美元。", [2023])
    assert ground("新增总部11家。", query, two) != []


def test_years_and_the_questions_own_numbers_are_not_figures():
    query = q("2023年新增多少跨国公司地区总部", [2023])
    assert ground("2023年新增跨国公司地区总部11家。", query, HQ) == []


def test_an_amount_of_another_kind_does_not_answer_a_question_naming_its_unit():
    parks = candidate(1, "新建口袋公园8处，改建街心花园5个。", [2024])
    query = q("2024年新建口袋公园多少公顷", [2024])
    (problem,) = ground("2024年新建口袋公园8处。", query, parks)
    assert "asks for an amount of area" in problem and "(8)" in problem
    assert ground("2024年新建口袋公园8处。", q("2024年新建口袋公园多少处", [2024]), parks) == []
    aid = candidate(1, "全年发放救助金2.1亿元，救助15.3万人次。", [2024])
    (problem,) = ground("救助金2.1亿元。", q("2024年救助了多少人次", [2024]), aid)
    assert problem.startswith("the question asks for a count") and "(2.1)" in problem
    assert ground("救助15.3万人次。", q("2024年救助了多少人次", [2024]), aid) == []


def test_the_figures_a_question_states_must_stand_in_the_evidence_passage():
    projects = candidate(1, "引进亿元级项目16个、千万级项目120个。", [2025])
    asked = q("2025年引进了多少个百万级项目", [2025])
    (problem,) = ground("引进百万级项目120个。", asked, projects)
    assert "百万级" in problem
    assert ground("引进亿元级项目16个。", q("2025年引进多少个亿元级项目", [2025]), projects) == []
    air = candidate(1, "PM2.5年均浓度降至27微克/立方米。", [2024])
    assert ground("27微克/立方米。", q("2024年PM2.5年均浓度是多少", [2024]), air) == []
    assert ground("27微克/立方米。", q("2024年PM10年均浓度是多少", [2024]), air) != []
    # a number a yes/no question asks about is the claim to check, not the subject
    revenue = candidate(1, "区级财政收入突破300亿元。", [2024])
    assert ground("突破300亿元。", q("2024年区级财政收入是否超过280亿元", [2024]), revenue) == []
    # a figure the passage gives in the sentence before the chosen one still counts
    before = "西岸等10个重点项目同步开工。总投资超300亿元。"
    works = replace(candidate(1, "总投资超300亿元。", [2022]), passage=passage(before, [2022]))
    english = q("What is the total investment of the 10 key projects started in 2022?", [2022])
    assert ground("总投资超300亿元。", english, works) == []


def test_a_figure_question_needs_a_figure():
    query = q("2023年新增多少跨国公司地区总部", [2023])
    assert ground("新增了一些。", query, HQ) == [
        "the question asks for a figure and the answer gives none"
    ]
    no_figure = candidate(1, "西岸美术馆与蓬皮杜中心签约。", [2023])
    assert "chosen sentence gives none" in ground("签约了。", query, no_figure)[0]


def test_the_figure_and_its_unit_as_the_sentence_writes_them():
    query = q("2025年环境空气质量优良率是多少", [2025])
    aqi = candidate(1, "环境空气质量AQI优良率89.3%,排名全市第一。", [2025])
    figure = figure_in("优良率为89.3%。", query, aqi)
    assert (figure.value, figure.written) == (89.3, "89.3%")
    money = candidate(1, "完成区级一般公共预算收入309.25亿元,同比增长9.71%。", [2025])
    assert figure_in("309.25亿元", query, money).unit == "亿元"
    assert figure_in("没有数字", query, money) is None


def test_direction_of_a_sentence():
    assert direction("预计完成商品销售总额7300亿元,同比下降4%") == -1
    assert direction("同比增长14.5%") == 1
    assert direction("西岸美术馆与蓬皮杜中心签约") == 0


def test_refusal_words_and_unit_repair():
    assert is_refusal("报告中未提及。") and is_refusal("The reports do not say.")
    assert not is_refusal("新增11家。")
    assert fix_units("about 300 billion yuan", "总投资规模超300亿元") == "about 300亿元"
    assert fix_units("300 billion yuan", "无关") == "300 billion yuan"
    # the same amount converted correctly is written back as the report gives it
    assert fix_units("5 billion yuan, done in 2025", "计划投资50亿元") == "50亿元, done in 2025"
    assert fix_units("1.71 billion US dollars", "实到外资17.1亿美元") == "17.1亿美元"
    assert fix_units("48 million dollars", "合同外资4800万美元") == "4800万美元"


def test_an_indicator_the_question_names_must_be_named_by_the_evidence_passage():
    retail = candidate(1, "预计完成社会消费品零售总额980亿元，同比增长5%。", [2024])
    sales = q("2024年商品销售总额是多少", [2024], indicators=["商品销售总额"])
    (problem,) = ground("2024年社会消费品零售总额980亿元。", sales, retail)
    assert "商品销售总额" in problem and "[1]" in problem
    # the indicator named, whole or abbreviated, or by one of several the question names
    assert ground("980亿元。", q("2024年社零总额", [2024], indicators=["社零总额"]), retail) == []
    both = q("2024年两项总额", [2024], indicators=["商品销售总额", "社会消费品零售总额"])
    assert ground("980亿元。", both, retail) == []
    # the name may stand in the sentence before the chosen one, in the same passage
    before = "社会消费品零售总额稳步回升。全年完成980亿元。"
    moved = replace(candidate(1, "全年完成980亿元。", [2024]), passage=passage(before, [2024]))
    assert ground("980亿元。", replace(sales, indicators=["社会消费品零售总额"]), moved) == []
    # or head the passage's section
    chunk = replace(retail.passage.chunk, heading_path=["商品销售总额"])
    headed = replace(retail, passage=replace(retail.passage, chunk=chunk))
    assert ground("980亿元。", sales, headed) == []


def test_a_plan_s_ordinal_names_a_period_and_is_no_figure_to_find_in_the_passage():
    headquarters = candidate(1, "跨国公司地区总部及外资研发中心累计达174家。", [2021, 2025])
    asked = q(
        "By the end of the 14th Five-Year Plan, how many regional headquarters had Xuhui?",
        translation="到“十四五”期末，徐汇累计有多少家跨国公司地区总部？",
    )
    assert ground("累计达174家。", asked, headquarters) == []
    # an ordinal that is not a plan's still is the question's figure
    tenth = q("How many firms did the 10th batch of projects bring?", translation="第10批项目")
    assert ground("累计达174家。", tenth, headquarters) != []


def test_a_choice_is_pooled_with_candidates_that_state_its_figures_in_its_words():
    report = candidate(1, "五年累计增加公共文化服务设施13万平方米。", [2020])
    feature = candidate(
        2, "推动文化赋能城市更新，五年累计增加公共文化 服务设施13万平方米。", [2021]
    )
    other = candidate(3, "五年累计新增绿地13万平方米。", [2021])
    query = q("十三五期间徐汇增加了多少公共文化服务设施？")
    split = Commitment(1, {0: 0.1, 1: 0.45, 2: 0.4, 3: 0.05})
    together = pooled(split, "增加公共文化服务设施13万平方米。", query, [report, feature, other])
    assert together.confidence == pytest.approx(0.85)
    assert together.probs[3] == 0.05 and 2 not in together.probs
    # an answer that states no figure, or a sentence that states it otherwise, pools nothing
    assert pooled(split, "增加了公共文化服务设施。", query, [report, feature]) == split
    assert pooled(split, "13万平方米。", query, [report, other]).confidence == 0.45


def test_a_passage_may_name_the_indicator_in_the_question_s_own_word_for_it():
    revenue = candidate(1, "完成区级一般公共预算收入198.1亿元,同比增长2%。", [2020])
    asked = q(
        "2020年区级一般公共预算收入是多少？",
        [2020],
        indicators=["区级财政收入"],
        indicator_words=["区级一般公共预算收入"],
    )
    assert ground("区级一般公共预算收入198.1亿元。", asked, revenue) == []
    # a passage naming neither is not about it
    gdp = q("2020年GDP是多少？", [2020], indicators=["地区生产总值"], indicator_words=["GDP"])
    (problem,) = ground("198.1亿元。", gdp, revenue)
    assert "地区生产总值" in problem
