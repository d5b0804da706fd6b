"""Units of measure and what they measure: a question that names its unit ("多少公顷",
"几亿元", "how many hectares") asks for an amount of that kind, and an answer whose
figures are all amounts of another kind (10处, 85.75岁) does not answer it.

The kinds are the units of measure (area, length, money, mass, percent, age) and counts.
Every counting word (个, 家, 处, 套, 人次, …) is one kind, "count": a count may be asked
with one word and answered with another ("多少个项目" → "12项"), but "多少人次" or "how
many person-times" is not answered by an amount of money, nor "多少公顷" by a count. A
figure whose unit is not recognised decides nothing.
"""

from __future__ import annotations

import re

from app.text.numbers import FIGURE_WITH_UNIT, normalise_digits

# unit → kind; matched longest first after an optional scale (万, 亿, 千, 百).
UNIT_KINDS = {
    "平方米": "area",
    "平方公里": "area",
    "平方千米": "area",
    "公顷": "area",
    "亩": "area",
    "公里": "length",
    "千米": "length",
    "米": "length",
    "元": "money",
    "美元": "money",
    "吨": "mass",
    "%": "percent",
    "％": "percent",
    "个百分点": "percentage points",
    "岁": "age",
}
ENGLISH_KINDS = {
    "hectares": "area",
    "square metres": "area",
    "square meters": "area",
    "square kilometres": "area",
    "square kilometers": "area",
    "mu": "area",
    "kilometres": "length",
    "kilometers": "length",
    "metres": "length",
    "meters": "length",
    "yuan": "money",
    "us dollars": "money",
    "dollars": "money",
    "tonnes": "mass",
    "tons": "mass",
    "percent": "percent",
    "percentage points": "percentage points",
}
# A change in percentage points is read from two percentages (a comparison's parts).
ACCEPTS = {"percentage points": {"percentage points", "percent"}}
COUNT_WORDS = "个家处套台辆所张名人户项座条批场次件份"
_SCALE = "[万亿千百]?"
_UNITS = "|".join(re.escape(u) for u in sorted(UNIT_KINDS, key=len, reverse=True))
_ASKED = re.compile(rf"(?:多少|几)(?:{_SCALE})(?P<unit>{_UNITS})")
_ASKED_PERCENT = re.compile(r"百分之几|百分之多少|百分比是多少|多少个百分点")
# "多少家", "几万人次" (not the ordinal "第几个"); after the measures and percentages.
_ASKED_COUNT = re.compile(rf"(?<!第)(?:多少|几)(?:{_SCALE})[{COUNT_WORDS}]")
_ENGLISH = "|".join(re.escape(u) for u in sorted(ENGLISH_KINDS, key=len, reverse=True))
_ASKED_EN = re.compile(
    rf"\bhow (?:many|much)(?: \w+)?? (?:(?:thousand|million|billion) )?(?P<unit>{_ENGLISH})\b"
)
_ASKED_COUNT_EN = re.compile(r"\bhow many\b")
# The asking words with the unit they ask in ("多少公顷", "几个", "多少万人次").
ASKED_AMOUNT = re.compile(rf"(?<!第)(?:多少|几)(?:{_SCALE})(?:{_UNITS}|[{COUNT_WORDS}])")
_UNIT_AT_START = re.compile(rf"[余多]?{_SCALE}(?P<unit>{_UNITS})")


def asked_kind(question: str) -> str | None:
    """The kind of amount a question asks for, when it names the unit: "多少公顷" → area."""
    text = normalise_digits(question)
    match = _ASKED.search(text)
    if match:
        return UNIT_KINDS[match.group("unit")]
    if _ASKED_PERCENT.search(text):
        return "percentage points" if "百分点" in text else "percent"
    match = _ASKED_EN.search(text.lower())
    if match:
        return ENGLISH_KINDS[match.group("unit")]
    if _ASKED_COUNT.search(text) or _ASKED_COUNT_EN.search(text.lower()):
        return "count"
    return None


def figure_kinds(text: str) -> dict[str, str | None]:
    """Each number of a text with the kind of its unit: a measure, "count" (a counting
    word), or None (no unit it knows). A number written twice keeps its first known kind."""
    text = normalise_digits(text)
    kinds: dict[str, str | None] = {}
    for match in FIGURE_WITH_UNIT.finditer(text):
        after = text[match.end(1) :].lstrip()
        unit = _UNIT_AT_START.match(after)
        if unit:
            kind = UNIT_KINDS[unit.group("unit")]
        elif re.match(rf"[余多]?{_SCALE}[{COUNT_WORDS}]", after):
            kind = "count"
        else:
            kind = None
        if kinds.get(match.group(1)) is None:
            kinds[match.group(1)] = kind
    return kinds


def wrong_kind(asked: str | None, stated: list[str], answer: str) -> list[str]:
    """The answer's figures, when the question asks for a kind of amount and every figure
    the answer states is known to be of another kind ("绿地10处" for "多少公顷"). Empty
    when one is of the asked kind, when one's kind is unknown, or when no kind is asked."""
    if asked is None or not stated:
        return []
    kinds = figure_kinds(answer)
    accepted = ACCEPTS.get(asked, {asked})
    if any(kinds.get(n) in accepted or kinds.get(n) is None for n in stated):
        return []
    return stated
