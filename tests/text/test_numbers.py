import pytest

from app.text.numbers import contains_number, derived, is_number, numbers_in, plain

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
