"""What a figures question asks for, read from its words: the indicator names (the
reports' own when it uses them), the years, and whether it asks for a rate, for new ones,
for a total or for a target."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from app.domain import Query
from app.figures.table import FigureTable
from app.retrieve.indicators import named
from app.retrieve.query import CUES
from app.text.units import ASKED_AMOUNT, asked_kind

# A range word only before a year ("2020年到2025年"): elsewhere it is a word's own
# character (实际收到外资, 到位).
_ASKING = re.compile(
    r"(?:[至到—\-~～]\s*)?(?:19|20)\d{2}\s*年?|[、和与及]|徐汇区?|上海市?|各年|每年|逐年|历年|分别|"
    r"是多少|有多少|为多少|多少|几|是?(?:怎样|如何|怎么)|变化|情况|趋势|数量|数目|的|[？?。，,]"
)
# Where a question asking for several figures passes from one to the next: "A和B分别是
# 多少", "A多少公顷？B是多少？", "A、B及C".
_PIECES = re.compile(r"[？?；;，,、]|以及|和|与|及")
_JOINS = re.compile(r"[及和与]")
_PLACE = re.compile(r"(?:上海市)?徐汇区?|上海市?|Xuhui(?: District)?'?s?", re.I)
# A rate of change asked for: a rise or a fall ("下降了多少" asks for 下降5%, not a level).
_WANTS_RATE = re.compile(
    r"增速|增长率|增幅|降幅|(?:增长|下降|降低)了?多少|growth rate|grow by|growth|"
    r"\b(?:fell|fall|drop(?:ped)?|decline[ds]?) by\b",
    re.I,
)
_WANTS_NEW = re.compile(r"新增|新建|新开|\badd(?:ed)?\b|\bnew\b|\bbuil[dt]\b", re.I)


@dataclass(frozen=True)
class Asked:
    """What a figures question asks for, read from its words."""

    names: tuple[str, ...]
    named: bool  # the names are the reports' own (else the question's words, unmatched)
    years: tuple[int, ...]
    rate: bool
    new: bool
    total: bool
    target: bool
    kind: str | None = None  # the kind of amount its unit names ("多少公顷" → area)


def asked(query: Query, table: FigureTable | None = None) -> Asked:
    """The indicator names the question gives: those the figures table's rows give that it
    holds (the longest; for an English question, that its translation or the glossary's
    terms hold) and the listed names of an indicator it uses, else the reports' indicator
    names it holds, else its own words without its years and asking words."""
    text = query.translation or query.text
    stripped = _ASKING.sub("", ASKED_AMOUNT.sub("", text))
    place = _PLACE.sub(" ", text)  # "徐汇区" names the district, not an indicator
    if query.english:
        # The reports' names its translation and the glossary's terms for its words give.
        place = "；".join([place, *query.indicators])
    names = tuple(named(place, table.names())) if table is not None else ()
    if table is not None:
        # A listed name of an indicator the question uses (GDP for 地区生产总值).
        listed = [g[0] for g in table.synonyms if any(n in place for n in g)]
        names += tuple(n for n in listed if not any(n in m or m in n for m in names))
    named_by_reports = bool(names or query.indicators)
    names = names or tuple(query.indicators) or ((stripped,) if stripped else ())
    wording = f"{query.text} {query.translation or ''}"
    return Asked(
        names=names,
        named=named_by_reports,
        years=tuple(query.years),
        rate=bool(_WANTS_RATE.search(wording)) or query.asked_kind == "percent",
        new=bool(_WANTS_NEW.search(wording)),
        total=bool(CUES["total"].search(wording)),
        target=query.wants_plan,
        kind=query.asked_kind,
    )


def asked_pieces(query: Query, table: FigureTable) -> list[Asked]:
    """What each figure of a question asking for several asks for: each piece of it (its
    Chinese, for an English question) read as its own question, with its own words, unit
    and wording (a rate, new ones), and the whole question's years (a piece that asks for
    a rate and names nothing asks for the growth of the piece before); when it has fewer
    than two pieces with words of their own, each reports' name it holds."""
    whole = asked(query, table)
    text = query.translation or query.text
    pieces = [p for p in _pieces(text, table) if _ASKING.sub("", ASKED_AMOUNT.sub("", p)).strip()]
    if len(pieces) < 2:
        return [replace(whole, names=(name,)) for name in whole.names]
    terms = [c for _, c in query.glossed if _PLACE.sub("", c)]  # not "徐汇" for "Xuhui"
    found = []
    for piece, glossed in zip(pieces, _glossed(pieces, terms), strict=True):
        named_here = [n for n in query.indicators if n in piece and _PLACE.sub("", n)]
        part = replace(
            query,
            text=piece,
            translation=None,
            language="zh",
            indicators=named_here + [g for g in glossed if g not in named_here],
            asked_kind=asked_kind(piece),
        )
        want = replace(asked(part, table), years=whole.years, target=whole.target)
        if want.rate and not want.named and found and found[-1].named:
            # "…完成多少？同比增长多少？": the growth of the figure just asked for.
            want = replace(want, names=found[-1].names, named=True)
        found.append(want)
    return found


def _as_named(text: str, names: frozenset[str]) -> str:
    """The text with a name the reports join by 及, 和 or 与 written as they write it."""
    for name in names:
        if _JOINS.search(name):
            text = re.sub(_JOINS.sub("[及和与]", re.escape(name)), lambda _, n=name: n, text)
    return text


def _glossed(pieces: list[str], terms: list[str]) -> list[list[str]]:
    """The glossary's terms for an English question's words, each given to the piece of
    its translation that holds it, else, in the question's order, to the next piece that
    holds none (a translation may put a known word in other words: 绿色空间 for 绿地)."""
    given = [[t for t in terms if t in piece] for piece in pieces]
    rest = [t for t in terms if not any(t in piece for piece in pieces)]
    for i, held in enumerate(given):
        if not held and rest:
            given[i] = [rest.pop(0)]
    return given


def _pieces(text: str, table: FigureTable) -> list[str]:
    """The text cut where it passes from one figure to the next, never inside a name the
    reports use (人工智能及相关产业总产出 is one, also written 人工智能和相关产业总产出)."""
    text = _as_named(text, table.names())
    spans = [
        (m.start(), m.start() + len(n))
        for n in named(text, table.names())
        for m in re.finditer(re.escape(n), text)
    ]
    pieces, start = [], 0
    for cut in _PIECES.finditer(text):
        if any(a < cut.start() < b for a, b in spans):
            continue
        pieces.append(text[start : cut.start()])
        start = cut.end()
    return [*pieces, text[start:]]
