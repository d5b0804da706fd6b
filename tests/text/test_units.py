import pytest

from app.text.units import asked_kind, figure_kinds, wrong_kind

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("去年全区新建了多少公顷的口袋公园？", "area"),
        ("老旧小区一共改造了几万平方米", "area"),
        ("轨道交通新开通了多少公里", "length"),
        ("这个项目总投资几亿元？", "money"),
        ("实到外资多少亿美元", "money"),
        ("全年处置了多少万吨建筑垃圾", "mass"),
        ("研发投入占比是百分之几", "percent"),
        ("优良率提高了多少个百分点", "percentage points"),
        ("How many hectares of parkland were added?", "area"),
        ("How many kilometres of cycle lanes are planned?", "length"),
        ("How many new parks were opened?", "count"),
        ("How many person-times of assistance were given?", "count"),
        ("新增多少个养老床位", "count"),
        ("全年服务了多少万人次", "count"),
        ("优良率提高了几个百分点", "percentage points"),  # 个 here belongs to the unit
        ("增速排第几个", None),  # an ordinal, not a count
        ("全区常住人口是多少", None),  # no unit named: nothing is assumed
    ],
)
def test_the_kind_a_question_asks_for_is_read_from_the_unit_it_names(question, kind):
    assert asked_kind(question) == kind


def test_each_figure_gets_the_kind_of_its_unit():
    kinds = figure_kinds("改造口袋公园8处、面积3.5万平方米，投资1.2亿元，增长6%，1500余家，共320")
    assert kinds == {
        "8": "count",
        "3.5": "area",
        "1.2": "money",
        "6": "percent",
        "1500": "count",
        "320": None,
    }


def test_an_answer_is_the_wrong_kind_only_when_every_figure_is_known_to_be_another_kind():
    assert wrong_kind("area", ["8"], "新建口袋公园8处。") == ["8"]
    assert wrong_kind("money", ["12"], "营业收入增长12%。") == ["12"]
    assert wrong_kind("area", ["8", "3.5"], "新建口袋公园8处，面积3.5公顷。") == []
    assert wrong_kind("area", ["3.5"], "新增绿地3.5万平方米。") == []  # another unit, same kind
    assert wrong_kind("area", ["320"], "新增绿地共320。") == []  # unknown unit: no judgement
    assert wrong_kind(None, ["8"], "新建口袋公园8处。") == []
    assert wrong_kind("count", ["3.7"], "全年发放救助金3.7亿元。") == ["3.7"]
    assert wrong_kind("count", ["12"], "引进亿元级项目12项。") == []  # any counting word
    assert wrong_kind("percentage points", ["87.7"], "优良率87.7%。") == []  # a part of a change
