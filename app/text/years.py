"""Years in text and in questions: explicit years, Chinese numerals, five-year plans, "去年".

A question's years are resolved against the documents: "去年" is the year before the
latest report (or before the report the question names), "2024年政府工作报告" names a
report by its delivery year, "十四五期间" is 2021-2025.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_YEAR = re.compile(r"[二一][〇○零一二三四五六七八九]{3}(?=年)")
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?![\d.%])")
_YEAR_ZH = re.compile(r"(?<![\d.])((?:19|20)\d{2})\s*年(?!度)")
_YEAR_RANGE = re.compile(
    r"((?:19|20)\d{2})\s*(?:年)?\s*(?:-|—|–|到|至|~|～|to|and)\s*((?:19|20)\d{2})"
)
_REPORT_YEAR = re.compile(
    r"((?:19|20)\d{2})\s*年?\s*(?:的)?\s*(?:徐汇区?)?(?:区)?(?:人民)?政府工作报告|"
    r"((?:19|20)\d{2})\s*(?:government\s+)?work\s+report|"
    r"((?:19|20)\d{2})\s+report",
    re.IGNORECASE,
)
FIVE_YEAR_PLANS = {
    "十二五": (2011, 2015),
    "十三五": (2016, 2020),
    "十四五": (2021, 2025),
    "十五五": (2026, 2030),
    "十二个五年": (2011, 2015),
    "十三个五年": (2016, 2020),
    "十四个五年": (2021, 2025),
    "十五个五年": (2026, 2030),
}
_ENGLISH_PLANS = {
    "12th five-year": (2011, 2015),
    "13th five-year": (2016, 2020),
    "14th five-year": (2021, 2025),
    "15th five-year": (2026, 2030),
}
_PLAN_WORDS = re.compile(
    r"目标|计划|预期|任务|力争|规划|打算|将要|提出|target|plan|goal|aim|expected to|will",
    re.IGNORECASE,
)
_LAST_YEAR = re.compile(r"去年|上一年|last year|previous year", re.IGNORECASE)
_THIS_YEAR = re.compile(r"今年|this year", re.IGNORECASE)


def chinese_numeral_years(text: str) -> str:
    """Rewrite years written in Chinese numerals ("二〇二四年") with digits."""
    return _CN_YEAR.sub(lambda m: "".join(str(_DIGITS[c]) for c in m.group(0)), text)


def mentioned_years(text: str, delivered: str | None = None) -> list[int]:
    """Years a text names: "2023年", "二〇二四年"; relative to its delivery date, "去年",
    "今年", and a month and day without a year that fall before the delivery ("截至1月10日"
    in a report delivered on 2021-01-13 is in 2021)."""
    text = chinese_numeral_years(text)
    years = {int(y) for y in re.findall(r"((?:19|20)\d{2})(?=\s*年)", text)}
    if delivered:
        year = int(delivered[:4])
        if "去年" in text:
            years.add(year - 1)
        if "今年" in text:
            years.add(year)
        if len(delivered) >= 10:
            issued = (int(delivered[5:7]), int(delivered[8:10]))
            for month, day in re.findall(r"(?<![\d年])(\d{1,2})月(\d{1,2})日", text):
                if (int(month), int(day)) <= issued:
                    years.add(year)
    return sorted(years)


def plan_period(text: str) -> tuple[int, int] | None:
    """The five-year plan a text names ("十四五", "14th Five-Year Plan"), if any."""
    for name, span in FIVE_YEAR_PLANS.items():
        if name in text:
            return span
    lowered = text.lower()
    for name, span in _ENGLISH_PLANS.items():
        if name in lowered:
            return span
    return None


@dataclass
class YearQuery:
    """The years a question asks about, and the report it names, if any."""

    years: list[int] = field(default_factory=list)
    report_year: int | None = None
    relative: str | None = None  # "last_year" | "this_year"
    wants_plan: bool = False  # asks for a target or plan, not for what happened

    @property
    def empty(self) -> bool:
        return not self.years and self.report_year is None


def parse_question_years(question: str, latest_report_year: int | None) -> YearQuery:
    """Resolve the years a question is about."""
    text = chinese_numeral_years(question)
    result = YearQuery(wants_plan=bool(_PLAN_WORDS.search(text)))
    report = _REPORT_YEAR.search(text)
    if report:
        result.report_year = int(next(g for g in report.groups() if g))
    years: set[int] = set()
    for first, last in _YEAR_RANGE.findall(text):
        a, b = int(first), int(last)
        if a <= b and b - a <= 10:
            years.update(range(a, b + 1))
    period = plan_period(text)
    if period:
        years.update(range(period[0], period[1] + 1))
    years.update(int(y) for y in _YEAR.findall(text))
    # "2022年度…奖" names an award edition, not the year the question is about.
    award_years = {int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年度", text)}
    if award_years and award_years == years:
        years = set()
    anchor = result.report_year or latest_report_year
    named = years - ({result.report_year} if result.report_year else set())
    if anchor and _LAST_YEAR.search(text) and not named:
        # "去年" is the year before the named report, or before the latest one.
        result.relative = "last_year"
        years.discard(anchor)
        years.add(anchor - 1)
    elif anchor and _THIS_YEAR.search(text) and not years - {anchor}:
        result.relative = "this_year"
        years.add(anchor)
    result.years = sorted(years)
    return result
