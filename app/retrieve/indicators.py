"""Indicator names: the names the reports themselves give a figure, read from the corpus.

Statistics in the reports are written as a name followed by its figure:
"社会消费品零售总额1208亿元", "预计商品销售总额完成8155亿元", "公共泊位6720个". The noun
compound right before a figure (joined to it by nothing or by a linking verb such as 完成,
达到, 增长) is an indicator name. Collected over the whole index they are the reports'
own vocabulary of indicators, with no list written by hand; a new report brings its own.

A question that names one of them asks about that indicator. When the evidence's passage
names none of the question's indicators (not even abbreviated: 社零总额 for
社会消费品零售总额), it reports a neighbouring indicator of the same kind and period,
not the one asked: "2025年商品销售总额是多少" answered from the 社会消费品零售总额
sentence. Paraphrases that avoid the reports' names ("给老楼装电梯") name no indicator
and are not checked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from app.retrieve.query import STOP_TERMS
from app.text.cjk import has_han
from app.text.years import YEAR

# Verbs that join a name to its figure ("商品销售总额完成8155亿元", "增长10%").
_LINKS = frozenset(
    [
        "完成",
        "达到",
        "达",
        "突破",
        "超",
        "超过",
        "为",
        "约",
        "近",
        "共",
        "累计",
        "增长",
        "实现",
        "保持",
        "新增",
    ]
)
# jieba part-of-speech flags of words that make up a name: nouns, verbal and
# distinguishing nouns (销售, 公共), idioms and abbreviations, Latin words.
_NAME_FLAGS = ("n", "vn", "b", "nz", "j", "l", "eng")
_CLAUSE = re.compile(r"[。；;，,、：:\n]")
_DIGIT = re.compile(r"\d")
ABBREVIATION_SPAN = 3  # an abbreviation's characters stand within 3x its length, in order


def _name_word(word: str, flag: str) -> bool:
    return (
        len(word) >= 2
        and word not in STOP_TERMS
        and not _DIGIT.search(word)
        and has_han(word)
        and flag.startswith(_NAME_FLAGS)
    )


def _is_year(words: list, i: int) -> bool:
    """Whether the number at `i` is a year ("2020年主要任务"), not a figure."""
    following = words[i + 1].word if i + 1 < len(words) else ""
    return bool(YEAR.fullmatch(words[i].word)) and following.startswith("年")


def indicator_names(texts: Iterable[str]) -> frozenset[str]:
    """Every name of two or more words that stands right before a figure in `texts`
    (each trailing part of a longer name too: 零售总额 in 社会消费品零售总额)."""
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)
    names: set[str] = set()
    for text in texts:
        for clause in _CLAUSE.split(text):
            if not _DIGIT.search(clause):
                continue
            words = pseg.lcut(clause)
            for i, pair in enumerate(words):
                if not pair.word[:1].isdigit() or _is_year(words, i):
                    continue
                j = i - 1
                while j >= 0 and words[j].word in _LINKS:
                    j -= 1
                run: list[str] = []
                while j >= 0 and _name_word(words[j].word, words[j].flag):
                    run.insert(0, words[j].word)
                    j -= 1
                names.update("".join(run[k:]) for k in range(len(run) - 1))
    return frozenset(names)


def named(text: str, names: frozenset[str], synonyms: Iterable[tuple[str, ...]] = ()) -> list[str]:
    """The indicator names `text` holds, the longest only (社会消费品零售总额, not 零售总额);
    a name of a synonyms group (GDP) that the reports do not use stands for the group's
    names they do (地区生产总值), after the names `text` holds."""
    found = [name for name in names if name in text]
    held = sorted((n for n in found if not any(n != m and n in m for m in found)), key=text.index)
    for group in synonyms:
        if stand_ins(text, names, [group]):
            held += [n for n in group if n in names and n not in held]
    return held


def stand_ins(
    text: str, names: frozenset[str], synonyms: Iterable[tuple[str, ...]] = ()
) -> list[str]:
    """The question's own words for an indicator that stand for a synonyms group's names
    (GDP for 地区生产总值, 区级一般公共预算收入 for 区级财政收入): a passage naming either
    names the indicator."""
    return [w for group in synonyms for w in group if w not in names and w in text]


def _in_order(short: str, long: str) -> bool:
    """Whether the characters of `short` stand in `long` in the same order."""
    rest = iter(long)
    return all(char in rest for char in short)


def names_in(name: str, passage: str) -> bool:
    """Whether `passage` names `name`: whole, or either abbreviates the other (the short
    form's characters in order in the long one, the same first and last character, within
    a short span): 社零总额 and 社会消费品零售总额, 规上工业总产值 and 规模以上工业总产值."""
    if name in passage:
        return True
    first, last = name[0], name[-1]
    start = passage.find(first)
    while start != -1:
        window = passage[start : start + ABBREVIATION_SPAN * len(name)]
        for end in range(3, len(window) + 1):
            if window[end - 1] != last:
                continue
            piece = window[:end]
            if _in_order(name, piece) or (end < len(name) and _in_order(piece, name)):
                return True
        start = passage.find(first, start + 1)
    return False
