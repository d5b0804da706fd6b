import pytest

from app.retrieve.glossary import load_glossary, parse_glossary
from app.settings import Settings

pytestmark = pytest.mark.unit

SAMPLE = """# comment
GDP|gross domestic product\t地区生产总值
charging piles|charging points\t充电桩
regional headquarters of multinationals|regional headquarters\t跨国公司地区总部
headquarters\t总部
"""


def test_the_longest_variant_wins_and_each_term_is_found_once():
    glossary = parse_glossary(SAMPLE)
    found = glossary.find("How many regional headquarters of multinationals, and what GDP?")
    assert found == [
        ("regional headquarters of multinationals", "跨国公司地区总部"),
        ("GDP", "地区生产总值"),
    ]


def test_case_and_plurals_are_ignored_but_words_must_be_whole():
    glossary = parse_glossary(SAMPLE)
    assert glossary.find("new Charging Point in 2025") == [("Charging Point", "充电桩")]
    assert glossary.find("the gdps") == [("gdps", "地区生产总值")]
    assert glossary.find("GDPR rules") == []


def test_a_malformed_line_is_named():
    with pytest.raises(ValueError, match="line 2"):
        parse_glossary("# ok\nGDP 地区生产总值\n")


def test_the_shipped_glossary_loads_and_a_missing_one_is_empty(tmp_path):
    shipped = load_glossary(Settings().prompts_dir / "glossary.tsv")
    assert ("GDP", "地区生产总值") in shipped.find("What was the GDP in 2018?")
    assert load_glossary(tmp_path / "none.tsv").find("GDP") == []
