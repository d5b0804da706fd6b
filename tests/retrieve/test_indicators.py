import pytest

from app.retrieve.indicators import indicator_names, named, names_in, stand_ins

pytestmark = pytest.mark.unit

# Sentences of an imagined report, in other words than the shipped ones.
REPORT = [
    "全年实现口岸进出口总额512亿元，同比增长3%；预计完成社会消费品零售总额980亿元。",
    "新建口袋公园12处，完成燃气管道改造40公里。",
    "区级一般公共预算收入达到210.5亿元，人均公共绿地面积增长8%。",
    "加强城市管理，提升服务水平，推进重点项目建设。",
    "二、2027年主要任务2027年是收官之年。",  # a heading run into its text: a year, no figure
]


def test_a_name_is_the_noun_compound_a_report_writes_right_before_a_figure():
    names = indicator_names(REPORT)
    # joined to the figure directly, or through a linking verb (完成, 达到, 增长)
    assert {"进出口总额", "社会消费品零售总额", "口袋公园", "公共绿地面积"} <= names
    assert "消费品零售总额" in names  # the trailing parts of a longer name too
    # a single word before a figure, or words in a sentence without figures, give none
    assert not {"燃气管", "燃气管道", "重点项目", "城市管理", "服务水平", "主要任务"} & names
    assert all(not any(ch.isdigit() for ch in name) for name in names)


def test_a_question_names_the_longest_names_it_holds_in_its_order():
    names = indicator_names(REPORT)
    asked = named("去年口岸进出口总额和社会消费品零售总额分别是多少？", names)
    assert asked == ["进出口总额", "社会消费品零售总额"]
    # a question in its own words names no indicator, and is not checked
    assert named("去年完成了多少公里燃气管道改造？", names) == []


def test_a_name_the_reports_do_not_use_stands_for_its_synonyms_they_do():
    names = indicator_names(REPORT)
    groups = [("社会消费品零售总额", "社零总额", "retail sales"), ("地区生产总值", "GDP")]
    asked = named("去年社零总额和进出口总额各是多少？", names, groups)
    assert asked == ["进出口总额", "社会消费品零售总额"]  # the reports' name, after their own
    assert named("去年GDP是多少？", names, groups) == []  # no name of its group is the reports'
    # a name the question holds already is not added twice
    assert named("社会消费品零售总额即社零总额是多少？", names, groups) == ["社会消费品零售总额"]


def test_a_passage_names_an_indicator_whole_or_abbreviated():
    assert names_in("社会消费品零售总额", "预计完成社会消费品零售总额980亿元")
    # either side may abbreviate: 社零总额 / 社会消费品零售总额, 规上 / 规模以上
    assert names_in("社零总额", "预计完成社会消费品零售总额980亿元")
    assert names_in("规模以上工业总产值", "属地规上工业总产值居中心城区第一")
    # a neighbouring indicator of the same kind is not the one asked
    assert not names_in("商品销售总额", "预计完成社会消费品零售总额980亿元")
    assert not names_in("进出口总额", "实到外资总额13亿美元")
    # characters scattered over a long stretch are no abbreviation
    assert not names_in("社零总额", "社区服务" + "。" * 20 + "零星改造总体完成，金额不详")


def test_the_question_s_own_word_for_a_grouped_indicator_is_kept_beside_the_reports_name():
    names = indicator_names(REPORT)
    groups = [("地区生产总值", "GDP"), ("区级一般公共预算收入", "区级财政收入")]
    names = names | {"地区生产总值", "区级财政收入"}
    question = "2020年区级一般公共预算收入是多少？"
    assert named(question, names, groups) == ["区级财政收入"]
    assert stand_ins(question, names, groups) == ["区级一般公共预算收入"]
    assert stand_ins("去年GDP是多少？", names, groups) == ["GDP"]
    assert stand_ins("去年区级财政收入是多少？", names, groups) == []
