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


def contains_number(text: str, number: str) -> bool:
    """Whether `number` occurs in text as a whole number (not inside 2011 or 11.5)."""
    return whole_number(number).search(plain(text)) is not None


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
