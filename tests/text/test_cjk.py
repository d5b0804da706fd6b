import pytest

from app.text.cjk import chinese_share, han_count, has_han

pytestmark = pytest.mark.unit


def test_chinese_share():
    assert chinese_share("2023年新增多少跨国公司地区总部") == 1.0
    assert chinese_share("How many talent apartments were added in 2023?") == 0.0
    assert 0.0 < chinese_share("GDP增长目标是多少") < 1.0
    assert chinese_share("2023") == 0.0


def test_han():
    assert has_han("GDP增长") and not has_han("GDP 2023")
    assert han_count("徐汇区2023年") == 4
