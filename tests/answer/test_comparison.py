import pytest

from app.answer.comparison import compare, is_comparison
from tests.answer.test_checks import context_passage, q

pytestmark = pytest.mark.unit

CONTEXT = [
    context_passage(1, "PM2.5平均浓度29微克/立方米，空气质量指数优良率达到87.7%。", [2023]),
    context_passage(2, "环境空气质量AQI优良率89.3%,排名全市第一。", [2025]),
]
TERMS = {"空气质量": 2.0, "优良率": 3.0, "提高": 0.5}
YEARS = [2023, 2025]


def test_each_years_figure_and_the_computed_difference():
    query = q("2025年空气质量优良率比2023年提高了多少个百分点", YEARS)
    text, figures = compare(query, CONTEXT, TERMS)
    assert figures == ["87.7", "89.3", "1.6"]
    assert text.startswith("2023年：") and "87.7%[1]" in text and "排名全市第一[2]" in text
    assert text.endswith("2025年较高，相差1.6个百分点。")


def test_no_comparison_without_two_years_or_a_figure_for_each():
    assert not is_comparison(q("2025年空气质量优良率是多少", [2025]))
    assert compare(q("2025年空气质量优良率比2023年提高了多少", YEARS), CONTEXT[1:], TERMS) is None
