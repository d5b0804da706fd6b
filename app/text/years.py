"""Years in text: explicit years, Chinese numerals, five-year plans, "去年".

Resolving a question's years (which report "去年" counts from, a report named by its
delivery year) is question analysis: `app.retrieve.query`.
"""

from __future__ import annotations

import re

from app.text.numbers import HAN_DIGITS

_DIGITS = HAN_DIGITS
_CN_YEAR = re.compile(r"[二一][〇○零一二三四五六七八九]{3}(?=年)")
YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?![\d.%])")
# "2018年到2021年", "2018-2021", "from 2018 to 2021", "between 2018 and 2021"; a bare
# "2019 and 2020" lists two years ("in 2018, 2019 and 2020"), it spans nothing.
YEAR_RANGE = re.compile(
    r"((?:19|20)\d{2})\s*(?:年)?\s*(?:-|—|–|到|至|~|～|to|(?<=[Bb]etween \d{4} )and)\s*"
    r"((?:19|20)\d{2})"
)
# The n-th five-year plan: the 3rd ran 1966-1970, and every plan since is five years on.
# Written "十四五" / "十四个五年" / "14th Five-Year Plan"; the 11th plan is the first that
# cannot be mistaken for a plain number ("十五" alone is also fifteen).
_CN_PLAN = re.compile(
    r"(?<![一二三四五六七八九十])(二?十[一二三四五六七八九]|二十)(?:五|个五年)(?![年〇○零一二三四五六七八九十%])"
)
_EN_PLAN = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\s+five[- ]year", re.IGNORECASE)


def _cn_number(numeral: str) -> int:
    tens, _, units = numeral.partition("十")
    return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS[units] if units else 0)


def five_year_plan(n: int) -> tuple[int, int]:
    """The years of the n-th national five-year plan (n ≥ 3)."""
    first = 1966 + 5 * (n - 3)
    return first, first + 4


def without_plan_names(text: str) -> str:
    """The text with its five-year plans' ordinals taken out ("the 14th Five-Year Plan"):
    like a year, an ordinal names a period, not a figure."""
    return _EN_PLAN.sub(" five-year", text)


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
    """The five-year plan a text names ("十四五", "十五个五年", "14th Five-Year Plan"), if any."""
    match = _CN_PLAN.search(text)
    if match:
        return five_year_plan(_cn_number(match.group(1)))
    match = _EN_PLAN.search(text)
    if match and int(match.group(1)) >= 3:
        return five_year_plan(int(match.group(1)))
    return None


# A span counted back from now: "近三年", "过去五年", "五年来", "over the past five years".
_RECENT = re.compile(
    r"(?:近|过去|最近)([两二三四五六七八九十\d]{1,2})年|([两二三四五六七八九十])年来|"
    r"\b(?:past|last) (two|three|four|five|six|seven|eight|nine|ten|\d{1,2}) years\b",
    re.IGNORECASE,
)
_EN_COUNT = {
    w: i
    for i, w in enumerate(
        ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"], 2
    )
}


def recent_years(text: str) -> int | None:
    """How many years back a text counts ("近三年" → 3, "the past five years" → 5), if it does."""
    match = _RECENT.search(text)
    if not match:
        return None
    word = next(g for g in match.groups() if g)
    if word.isdigit():
        return int(word)
    if word.lower() in _EN_COUNT:
        return _EN_COUNT[word.lower()]
    return _cn_number(word) if "十" in word else _DIGITS.get(word, 2 if word == "两" else None)


# A five-year plan named as the period of what follows ("“十三五”期间", "十四五末"), not as
# the base of a comparison ("较“十三五”期间增长", "是“十三五”的2.7倍") nor as the plan
# one year opens or closes ("“十三五”收官之年" names no such word).
PLAN_AS_PERIOD = re.compile(
    r"(?<![较比是于])(?<![较比是于][“\"])[“\"]?十[一二三四五]五[”\"]?(?:期间|以来|时期|期末|末)"
)
# The five years a review closes, said of what follows: "五年来", "五年累计", and the
# summing-up "这是…的五年。" that opens a paragraph about them.
FIVE_YEARS = re.compile(r"五年来|这五年|过去五年|五年(?:新增|累计|年均|共)")
_SINCE = re.compile(r"((?:19|20)\d{2})\s*年以来")
_SUMMED_UP = re.compile(r"的五年\s*[。；;！!]?\s*$")


def stated_span(text: str, last_year: int | None) -> tuple[int, int] | None:
    """The span of years a sentence says it speaks of: a five-year plan named as a period,
    or years counted back from `last_year` (the last year its text reviews) — "五年来",
    "近三年", "这是…的五年", "2021年以来". None when it names no span."""
    named = PLAN_AS_PERIOD.search(text)
    if named:
        return plan_period(named.group(0))
    if last_year is None:
        return None
    if FIVE_YEARS.search(text) or _SUMMED_UP.search(text):
        return last_year - 4, last_year
    since = _SINCE.search(text)
    if since and int(since.group(1)) < last_year:
        return int(since.group(1)), last_year
    counted = recent_years(text)
    if counted:
        return last_year - counted + 1, last_year
    return None
