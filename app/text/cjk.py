"""Chinese characters: the one definition of which code points count as Han."""

from __future__ import annotations

import re

HAN = "\u4e00-\u9fff"
"""The CJK Unified Ideographs block: every character of the reports' Chinese."""
HAN_EXTENDED = "\u3400-\u4dbf" + HAN + "\uf900-\ufaff"
"""HAN plus extension A and the compatibility ideographs (for layout clean-up)."""
CJK_PUNCT = "\u3000-\u303f\uff00-\uffef\u2014\u2026\u201c\u201d\u2018\u2019\u00b7"
"""Full-width punctuation and symbols that sit between Chinese characters."""

HAN_CHAR = re.compile(f"[{HAN}]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def has_han(text: str) -> bool:
    """Whether the text holds at least one Chinese character."""
    return HAN_CHAR.search(text) is not None


def han_count(text: str) -> int:
    return len(HAN_CHAR.findall(text))


def chinese_share(text: str) -> float:
    """Share of a text written in Chinese: 1.0 for Chinese, about 0 for English."""
    cjk = han_count(text)
    latin = len(_LATIN_WORD.findall(text))
    return cjk / (cjk + 2 * latin) if cjk + latin else 0.0
