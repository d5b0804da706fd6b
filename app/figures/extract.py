"""Figures in a sentence, as rows: what is counted or measured, the value and unit as
written, its kind, the period and phase it belongs to, and how it is qualified.

Reports state a figure as a name, an optional linking verb and the figure:
"完成区级一般公共预算收入309.25亿元", "新增公共泊位6720个、错峰泊位645个"; or the
figure first and the name after its measure word: "帮助4178名就业困难人员实现就业".
A growth rate with no name of its own ("同比增长9.71%") is the rate of the figure before
it. The period is the clause's own year when it names one ("2021年完成…"), a span when
the sentence speaks of several years ("五年来", "“十四五”期间", "年均"), and otherwise the
section's year; the phase is a target in a plan section, expected when "预计" stands
before the figure, an actual otherwise. All of it is code over the project's number,
unit, year and phase primitives: no figure is ever produced by a model.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from app.text.numbers import han_value, normalise_digits
from app.text.units import COUNT_WORDS, UNIT_KINDS
from app.text.years import FIVE_YEARS, PLAN_AS_PERIOD, plan_period

Phase = str  # "actual" | "expected" | "target"

# Counting words of more than one character first; then the one-character ones.
_COUNTS = (
    "人次|大项|方面|" + "|".join(COUNT_WORDS) + "|幢|栋|间|只|位|届|支|款|部|种|期|幅|证|天|大"
)
_MEASURES = "|".join(sorted((u for u in UNIT_KINDS if u not in "%％"), key=len, reverse=True))
_OTHER = "千伏|倍|番"
_NUMBER = r"\d+(?:\.\d+)?(?:\s*[%％]?\s*[-—~～]\s*\d+(?:\.\d+)?)?"
_HAN = r"[一二两三四五六七八九十百千]+"
FIGURE = re.compile(
    rf"(?P<before>超过|突破|超|近|约|逾|达到|达)?\s*"
    rf"(?P<number>{_NUMBER}|{_HAN}(?=\s*(?:[万亿千百]?\s*(?:{_MEASURES}|{_COUNTS}|{_OTHER})|亿|万)))"
    rf"\s*(?P<after>余|多)?\s*"
    rf"(?P<unit>%|％|(?:万亿|[万亿千百])?\s*(?:{_MEASURES}|个百分点|{_OTHER}|{_COUNTS})|万亿|亿|万)"
    rf"(?P<tail>以上|左右|余)?"
)
# What is not a figure though it looks like one: a year, a date, a five-year plan's
# number, a number inside a name ("15分钟生活圈", "十四五", "第二届").
_YEARISH = re.compile(r"(?:19|20)\d{2}")
_RANK = re.compile(
    r"(?:位居|位列|居|列|排名|保持|排)[^，,。；;]{0,8}?(第[一二三四五六七八九十\d]+|首位)"
)
_CLAUSE = re.compile(r"[，,；;：:（）()]")
_SPAN = re.compile(
    r"五年来|这五年|过去五年|五年(?:新增|累计|年均|共)|年均|期间|[“\"]?十[一二三四五]五[”\"]?以来"
)
_EXPECTED = re.compile(r"预计")
# A stock stated as it stands at the end of the span: "目前", "“十四五”末".
_NOW = re.compile(r"目前|截至目前|现已|十[一二三四五]五[”\"]?末")
_TARGET = re.compile(r"力争|目标|计划投资|将(?:建成|达到|新增)|预期")
_QUALIFIERS = [
    # the level a change starts from ("从86家增加到113家"): not the level of its period
    ("起点", re.compile(r"(?:从|由)$")),
    ("增长", re.compile(r"(?:同比|比上年|较上年)?(?:增长|提高|上升|增加|增速)$")),
    ("下降", re.compile(r"(?:下降|减少|降低)$")),
    ("新增", re.compile(r"新增|新建|新开工|新引进|新认定")),
    ("累计", re.compile(r"累计|总计|共计")),
    ("达到", re.compile(r"(?:达到|突破|超过|达|超|到)$")),
]
_TO = re.compile(r"到\s*$")
_FIGURE_NEXT = re.compile(r"\s*[0-9]")
# The verbs and adverbs that stand between a name and its figure.
_LINKS = re.compile(
    r"(?:同比|比上年|较上年|全年|累计|共|总计|新增|完成|实现|达到|达|突破|超过|超|约|近|增长|提高|"
    r"下降|减少|保持在|保持|为|预计|力争|以上|左右|其中|分别|从|由|(?:增加|上升|降低)?到)+$"
)
# Link verbs inside a name, taken out of it: "现代服务业完成营业收入".
_INNER_LINKS = re.compile(r"完成|实现|达到")
# Words that open a clause but are not part of the name after them: a year, 预计, 全年.
_NAME_OPENING = re.compile(
    r"^(?:(?:19|20)\d{2}\s*年(?:度)?|预计|力争|全年|全区|今年|去年|当年|其中)+"
)
MAX_NAME = 16  # a longer run before a figure is a clause, not a name: its end is kept
_NAME_STOP = frozenset(
    ["全年", "全区", "今年", "去年", "当年", "全市", "其中", "我区", "目前", "总量"]
)


@dataclass(frozen=True)
class Context:
    """Where a sentence stands: its document and section, which decide its period."""

    doc_id: str
    doc_kind: str
    years: tuple[int, ...]  # the section's years
    phase: str  # the section's: "review" | "plan" | "other"
    delivered_year: int | None = None
    reviewed: tuple[int, ...] = ()  # the years the document reviews


@dataclass(frozen=True)
class FigureRow:
    """One statement of a figure: a row of the figures table."""

    indicator: str  # as the report names it ("" when it names none)
    value: str  # the number as written, digits ("309.25", "两" → "2")
    unit: str | None  # as written, with its scale: "亿元", "万平方米", "%"
    written: str  # the figure as the sentence writes it: "超6万平方米"
    kind: str  # money | share | rate | count | area | length | rank | other
    start_year: int | None
    end_year: int | None
    phase: Phase
    qualifier: str | None  # 增长 | 下降 | 新增 | 累计 | 达到
    doc_id: str
    doc_kind: str
    sentence: str
    start: int  # the figure's offsets in the sentence
    end: int
    chunk_id: str = ""  # where the sentence stands (set by the table)
    sentence_start: int = 0  # the sentence's offset in the chunk's text
    offset: int = 0  # the sentence's offset in the document's text
    authority: int = 1  # its document's (`Document.authority`; set by the table)

    @property
    def span(self) -> str:
        if self.start_year is None:
            return ""
        if self.end_year == self.start_year:
            return str(self.start_year)
        return f"{self.start_year}-{self.end_year}"

    @property
    def growth(self) -> bool:
        """A rate of change (增长9.71%, 年均增长6%, 提高5.1个百分点), not a level that is
        a percentage (优良率87.7%)."""
        return self.kind == "rate" and (
            self.qualifier in ("增长", "下降") or bool(re.search(r"增速|增长|年均", self.indicator))
        )

    @property
    def number(self) -> float | None:
        try:
            return float(self.value.split("-")[0])
        except ValueError:
            return None


def _kind(unit: str, before: str) -> str:
    base = re.sub(r"^(?:万亿|[万亿千百])", "", unit.replace(" ", "")) or unit
    if unit in ("%", "％"):
        return "share" if re.search(r"占|比重|贡献|覆盖率|签约", before) else "rate"
    if base == "个百分点":
        return "rate"
    if base in ("亿", "万", "万亿"):
        return "money" if "元" in base else "other"
    if base in UNIT_KINDS:
        kind = UNIT_KINDS[base]
        return "count" if kind == "mass" else kind
    if base in ("倍", "番", "千伏"):
        return "other"
    return "count"


def _value(number: str) -> str:
    number = re.sub(r"[\s%％]+", "", number)
    if re.match(r"\d", number):
        return number
    value = han_value(number)
    return str(value) if value is not None else number


def _words(text: str):
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)
    return pseg.lcut(text)


def _name_before(text: str, keep_verb: bool = True) -> str:
    """The name that ends `text` (the clause before a figure): the clause without its
    trailing link ("完成", "同比增长"), its leading verbs, adverbs and time words ("全年完成",
    "集聚") and the link verbs inside it ("现代服务业完成营业收入" → 现代服务业营业收入)."""
    text = _LINKS.sub("", text.strip())
    words = [w for w in _words(text) if w.word.strip()]
    start = 0
    while start < len(words) and _leading(words[start]):
        start += 1
    # A name left too short by the verb taken off keeps it: "加装电梯", not "电梯".
    while (
        keep_verb
        and start > 0
        and len("".join(w.word for w in words[start:])) <= 2
        and words[start - 1].flag.startswith("v")
    ):
        start -= 1
    name = _NAME_OPENING.sub("", _INNER_LINKS.sub("", "".join(w.word for w in words[start:])))
    return name.strip('“”"、 的')[-MAX_NAME:]


# A name that is only a comparison's base or a word for the figure before: the figure is
# that indicator's ("同比增长9.71%", "较上年同期提高5.1个百分点", "增速位居…第一").
_COMPARED = re.compile(r"^(?:同比|较|比)")
_OF_BEFORE = frozenset(["增速", "增幅", "总量", "规模", "其中"])


def _leading(word) -> bool:
    """A word that opens a clause without naming anything: a verb (not a verbal noun), an
    adverb, a time word, a preposition, a conjunction, a pronoun, a numeral."""
    if word.word in _NAME_STOP or not re.search(r"\w", word.word):
        return True
    return word.flag.startswith(("v", "d", "t", "p", "c", "r", "u")) and word.flag != "vn"


def _name_after(text: str) -> str:
    """The name that opens `text` (after a figure's measure word): its words up to the
    first verb after a noun ("就业困难人员|实现就业"), or the first adverb, particle or stop."""
    run: list[str] = []
    noun = False
    words = _words(text)
    for i, pair in enumerate(words):
        word, flag = pair.word, pair.flag
        if re.search(r"\d|[，,。；;、：:（）()]", word):
            break
        if (
            flag.startswith(("d", "p", "c", "u", "x", "m"))
            or flag.startswith("v")
            and flag != "vn"
            and noun
            and _takes_object(words[i + 1 :])
        ):
            if run:
                break
            continue
        run.append(word)
        noun = noun or flag.startswith(("n", "j", "l", "eng")) or flag == "vn"
    return "".join(run).strip('“”"、')[-MAX_NAME:]


def _takes_object(rest) -> bool:
    """Whether a verb after a noun opens a predicate ("就业困难人员|实现就业"): a word of
    its object follows. One that ends the list item ("生鲜超市和…", "生鲜超市、") is the
    name's own noun, mistagged."""
    if not rest:
        return False
    word, flag = rest[0].word, rest[0].flag
    return not (re.search(r"\d|[，,。；;、：:（）()]", word) or flag.startswith(("c", "x")))


def _qualifier(before: str) -> str | None:
    tail = before.strip()[-8:]
    for name, pattern in _QUALIFIERS:
        if pattern.search(tail):
            return name
    return None


def _period(context: Context, sentence: str, clause: str) -> tuple[int | None, int | None]:
    """The clause's year when it names one; a span when the sentence speaks of several
    years; the section's year otherwise."""
    years = [int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年(?!度)", clause)]
    if years:
        return years[-1], years[-1]
    named = PLAN_AS_PERIOD.search(clause)
    plan = plan_period(named.group(0)) if named else None
    if plan is not None:
        # "“十三五”期间累计下降15%" is the five years', not the reviewed year's; its end
        # is the year of a stock stated as it stands then, or of a target for it.
        ends = context.phase == "plan" or _NOW.search(sentence)
        return (plan[1], plan[1]) if ends else plan
    covered = sorted(context.years)
    if context.phase != "plan" and set(covered) & set(context.reviewed):
        # A section of a review and its outlook: what happened is in the reviewed years.
        covered = sorted(set(covered) & set(context.reviewed))
    if len(covered) == 1 and context.phase != "plan" and FIVE_YEARS.search(sentence):
        # A one-year review's sentence about the five years it closes ("PM2.5…五年累计
        # 下降42.6%,单位增加值能耗累计下降15%"): the five years up to the reviewed one.
        return (covered[0], covered[0]) if _NOW.search(sentence) else (covered[0] - 4, covered[0])
    if covered and (len(covered) > 2 or _SPAN.search(sentence)) and len(covered) > 1:
        if context.phase == "plan" or _NOW.search(sentence):
            return covered[-1], covered[-1]
        return covered[0], covered[-1]
    if covered:
        return covered[0], covered[0]
    if context.delivered_year:
        return context.delivered_year, context.delivered_year
    return None, None


def _phase(context: Context, before: str) -> Phase:
    if _EXPECTED.search(before):
        return "expected"
    if context.phase == "plan" or _TARGET.search(before):
        return "target"
    return "actual"


def figures_in(sentence: str, context: Context) -> list[FigureRow]:
    """Every figure the sentence states, as rows, in the order it states them."""
    text = normalise_digits(sentence)
    rows: list[FigureRow] = []
    last_name = ""
    matches = [(m.start(), m.end(), m) for m in FIGURE.finditer(text)]
    matches += [(m.start(1), m.end(1), m) for m in _RANK.finditer(text)]
    previous_end = 0
    for start, end, match in sorted(matches, key=lambda item: item[0]):
        rank = match.re is _RANK
        if not rank and _not_a_figure(text, match):
            continue
        clause_start = max((m.end() for m in _CLAUSE.finditer(text, 0, start)), default=0)
        # The name stands between the clause's start (or the figure before, in the same
        # clause) and this figure; a rank's, before its verb ("增速位居…第一").
        before = text[max(clause_start, previous_end) : match.start() if rank else start]
        previous_end = end
        name, written, value, unit, kind = _read(text, match, before, rank)
        if name and text.startswith(name, end) and not _FIGURE_NEXT.match(text, end + len(name)):
            # What it counts follows it: the next figure's name starts after that name
            # ("5家生鲜超市和4个社区智慧微菜场"), unless the name is the next figure's own
            # ("为28.1万人次发放各类保障救助金2.34亿元").
            previous_end = end + len(name)
        if not name and _TO.search(before) and rows:
            name = rows[-1].indicator  # "从86家增加到113家": the level it changes to
        elif _COMPARED.match(name) or not name and kind in ("rate", "rank") or name in _OF_BEFORE:
            name = last_name
        year, end_year = _period(context, text, text[:start])
        rows.append(
            FigureRow(
                indicator=name,
                value=value,
                unit=unit,
                written=written,
                kind=kind,
                start_year=year,
                end_year=end_year,
                phase=_phase(context, text[:start]),
                qualifier=None if rank else _qualifier(before + (match.group("before") or "")),
                doc_id=context.doc_id,
                doc_kind=context.doc_kind,
                sentence=sentence,
                start=start,
                end=end,
            )
        )
        if name and kind not in ("rate", "rank"):
            last_name = name
    return rows


def _read(
    text: str, match: re.Match[str], before: str, rank: bool
) -> tuple[str, str, str, str | None, str]:
    """A figure's name, as written, value, unit and kind: the name from the text before it
    (the last of a list "、"), or for a count, what it counts when that follows it."""
    piece = before.split("、")[-1] if "、" in before else before
    name = _name_before(piece)
    if rank:
        return re.split(r"[在于]", name)[0], match.group(1), match.group(1), None, "rank"
    written = match.group(0).strip()
    value, unit = _value(match.group("number")), re.sub(r"\s+", "", match.group("unit"))
    kind = _kind(unit, before)
    after = _name_after(text[match.end() : match.end() + 24])
    # What a count counts follows it when what precedes it is examples ("漕溪三村等
    # 3个…项目"), a generic verb's object ("供应5000套保障性租赁住房"), or the count
    # is a numeral word ("两个旧城区改建项目", "四大产业集群").
    if after and (
        not name
        or piece.rstrip().endswith("等")
        or len(_name_before(piece, keep_verb=False)) <= 2
        or not match.group("number")[0].isdigit()
    ):
        name = after
    return name, written, value, unit, kind


def _not_a_figure(text: str, match: re.Match) -> bool:
    """A year ("2025年"), a number inside a name or an ordinal ("十四五", "第二届",
    "15分钟"), or a Chinese numeral that is part of a word ("一批", "一项")."""
    number = match.group("number")
    unit = match.group("unit")
    before = text[: match.start("number")]
    if _YEARISH.fullmatch(number) and unit.startswith(("年", "届")):
        return True
    if before.endswith("第") or before.endswith(("十", "“")) and not number[0].isdigit():
        return True
    if not number[0].isdigit():
        # 一批, 一项: a Chinese numeral one is an article, not a figure.
        if number == "一" and unit in ("批", "项", "个", "种", "支", "部", "条", "场", "大"):
            return True
        return unit == "大" and number in ("十", "百", "千")  # 百大, 千大: not counts
    # 六期 (a phase of a project), 10大专场: part of a name.
    return unit in ("期", "部", "款", "种", "支", "届", "大")
