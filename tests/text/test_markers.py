import pytest

from app.text.markers import citation_numbers, strip_markers

pytestmark = pytest.mark.unit


def test_citation_numbers_in_order_of_first_use():
    assert citation_numbers("11家[1]，另见[2, 1]与[3，4]。") == [1, 2, 3, 4]
    assert citation_numbers("没有引用") == []


def test_strip_markers():
    assert strip_markers("11家[1]，另见[2, 1]。") == "11家，另见。"
