"""Figures in text: as written, compared as whole numbers, and computed from two others."""

from __future__ import annotations

import re
import unicodedata

_NUMBER = re.compile(r"(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?(?![\d])")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
FIGURE_WITH_UNIT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(%|％|[^\d\s，,。；、]{0,3})")
"""A number and the (up to three) characters of unit after it: 11家, 7.1%, 300亿元."""


def normalise_digits(text: str) -> str:
    """Full-width digits and punctuation to ASCII (NFKC) for number comparison."""
    return unicodedata.normalize("NFKC", text)


def plain(text: str) -> str:
    """NFKC text with thousands separators removed ("1,500" → "1500"), other commas kept."""
    return _THOUSANDS.sub("", normalise_digits(text))


def numbers_in(text: str) -> list[str]:
    """Numbers as written, thousands separators removed: '1,500' → '1500'."""
    return [n.replace(",", "") for n in _NUMBER.findall(normalise_digits(text))]


def whole_number(number: str) -> re.Pattern[str]:
    """A pattern for `number` as a whole number: not inside 2011 or 11.5."""
    return re.compile(rf"(?<![\d.]){re.escape(number)}(?![\d]|\.\d)")


def is_number(text: str) -> bool:
    return re.fullmatch(r"\d+(?:\.\d+)?", text) is not None


# Chinese digits, as years (二〇二四) and counts (十一, 两) write them.
HAN_DIGITS = {
    "○": 0,
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_HAN_UNITS = {"十": 10, "百": 100, "千": 1000}
_HAN_RUN = "[零〇○一二两三四五六七八九十百千]+"
# A Chinese numeral where it counts: an ordinal (第一) or before a measure word (三年, 十一家).
_HAN_NUMBER = re.compile(rf"(?<=第){_HAN_RUN}|{_HAN_RUN}(?=[个家项位名次座所条倍年月天人户批轮届])")


def han_value(numeral: str) -> int | None:
    """'十一' → 11, '二百零五' → 205, '两' → 2; None for what is not a plain numeral."""
    total, digit = 0, None
    for char in numeral:
        if char in HAN_DIGITS:
            if digit is not None and digit != 0:
                return None  # "一二" is not a number here
            digit = HAN_DIGITS[char]
        else:
            total += (digit if digit is not None else 1) * _HAN_UNITS[char]
            digit = None
    return total + (digit or 0)


def han_numbers(text: str) -> str:
    """Chinese numerals that count something written as digits ("排名第一" → "排名第1")."""

    def digits(match: re.Match) -> str:
        value = han_value(match.group(0))
        return match.group(0) if value is None else str(value)

    return _HAN_NUMBER.sub(digits, text)


def as_written(answer: str, sentence: str) -> str:
    """Counting numbers an answer writes in digits put back as the sentence writes them in
    Chinese: "排第1" → "排第一", "2家" → "两家" (a figure is given as the report gives it).
    A number the sentence also writes in digits is left alone."""
    source = plain(sentence)
    for match in _HAN_NUMBER.finditer(source):
        written, value = match.group(0), han_value(match.group(0))
        if value is None or whole_number(str(value)).search(source):
            continue
        if source[match.start() - 1 : match.start()] == "第":
            pattern = rf"(?<=第){value}(?![\d.])"
        else:
            pattern = rf"(?<![\d.]){value}(?=\s*{re.escape(source[match.end()])})"
        answer = re.sub(pattern, written, answer)
    return answer


def contains_number(text: str, number: str) -> bool:
    """Whether `number` occurs in text as a whole number (not inside 2011 or 11.5), in
    digits or as a counting Chinese numeral ("第一", "十一家")."""
    pattern = whole_number(number)
    return (
        pattern.search(plain(text)) is not None
        or pattern.search(han_numbers(plain(text))) is not None
    )


def derived(number: str, texts: list[str]) -> bool:
    """Whether the number is the difference or sum of two numbers in the texts."""
    values = {float(n) for t in texts for n in numbers_in(t)}
    decimals = len(number.split(".")[1]) if "." in number else 0
    target = float(number)
    for a in values:
        for b in values:
            if a == b:
                continue
            if round(abs(a - b), decimals) == target or round(a + b, decimals) == target:
                return True
    return False
