import pytest

from app.text.numbers import as_written, contains_number, derived, is_number, numbers_in, plain

pytestmark = pytest.mark.unit


def test_numbers_as_written_without_thousands_separators():
    assert numbers_in("共1,500余家，增长５.５%") == ["1500", "5.5"]
    assert plain("1,500家，2,3") == "1500家,2,3"  # NFKC: the full-width comma too


def test_whole_numbers_only():
    assert contains_number("总部11家", "11")
    assert not contains_number("增长11.5%", "11")
    assert not contains_number("2011年", "11")
    assert contains_number("共1,500余家", "1500")


def test_differences_and_sums_of_two_figures():
    assert derived("1.6", ["优良率87.7%", "优良率89.3%"])
    assert derived("30", ["新增10家", "新增20家"])
    assert not derived("5", ["新增10家", "新增20家"])


def test_is_number():
    assert is_number("11") and is_number("7.1") and not is_number("11家")


@pytest.mark.parametrize(
    ("text", "number", "found"),
    [
        ("营商环境综合评价排名全市第一", "1", True),
        ("加装电梯连续三年位列全市第一", "3", True),
        ("新增十一家跨国公司地区总部", "11", True),
        ("建成二百零五个口袋公园", "205", True),
        ("统一思想,一是经济运行向好", "1", False),  # 一 that counts nothing
        ("新增11家", "11", True),
    ],
)
def test_a_figure_may_be_written_in_counting_chinese_numerals(text, number, found):
    assert contains_number(text, number) is found


def test_an_answer_gives_counting_numerals_as_the_sentence_writes_them():
    assert as_written("增速排第1。", "增速位居中心城区第一。") == "增速排第一。"
    assert as_written("组建了2家医院", "组建两家区属医院") == "组建了两家医院"
    assert as_written("排名第1，新增11家", "排名第一，新增11家") == "排名第一，新增11家"
    # the sentence also writes the number in digits: which one was meant is unclear
    assert as_written("新增2家，第2批", "新增2家，两家为外资，第二批") == "新增2家，第2批"
    assert as_written("增长3.1%", "增速第一") == "增长3.1%"
