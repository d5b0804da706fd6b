"""The text of the answers the figures table gives: a comparison of two years, several
values of one year, a series over years, a target against its result, and the same as a
table (data for the API and the page, Markdown for a chat client)."""

from __future__ import annotations

from collections.abc import Sequence

from app.answer.decision import Cell, Decision
from app.answer.grounding import Figure
from app.answer.render.amounts import english_amount, english_figure
from app.figures.extract import FigureRow


def comparison_text(first: tuple[int, Figure], second: tuple[int, Figure], english: bool) -> str:
    """Both years' figures, cited [1] and [2], and the difference computed from them."""
    (y1, f1), (y2, f2) = sorted([first, second], key=lambda item: item[0])
    parts_zh = f"{y1}年为{f1.written}[1]，{y2}年为{f2.written}[2]"
    parts_en = f"{y1}: {english_amount(f1.value, f1.unit, f1.written)}[1]; {y2}: {english_amount(f2.value, f2.unit, f2.written)}[2]"
    if f1.unit != f2.unit:
        return parts_en + "." if english else parts_zh + "。"
    decimals = max(len(f.text.split(".")[1]) if "." in f.text else 0 for f in (f1, f2))
    diff = round(abs(f2.value - f1.value), decimals)
    amount = f"{diff:.{decimals}f}"
    if english:
        if diff == 0:
            return f"{parts_en}. The two years are the same."
        word = "higher" if f2.value > f1.value else "lower"
        if f1.unit == "%":
            return f"{parts_en}. {y2} was {amount} percentage points {word} than {y1}."
        return f"{parts_en}. {y2} was {english_amount(diff, f1.unit)} {word} than {y1}."
    if diff == 0:
        return f"{parts_zh}；两年相同。"
    higher = y2 if f2.value > f1.value else y1
    if f1.unit == "%":
        change = f"{'提高' if f2.value > f1.value else '下降'}{amount}个百分点"
    else:
        change = f"{'多' if f2.value > f1.value else '少'}{amount}{f1.unit}"
    return f"{parts_zh}；{higher}年较高，{y2}年比{y1}年{change}。"


PHASE_ZH = {"expected": "预计", "target": "目标"}
_PHASE_EN = {"expected": " (expected)", "target": " (target)"}


def cell_text(cell: Cell, english: bool) -> str:
    """One year of a figures answer: its figure with its marker, each other document's
    differing figure after it; or that the reports do not state it."""
    if cell.row is None:
        return f"{cell.year}: not stated in the reports" if english else f"{cell.year}年：报告未载"
    markers = "".join(f"[{n}]" for n in cell.cited[:1])
    if english:
        text = (
            f"{cell.year}: {english_figure(cell.row)}{_PHASE_EN.get(cell.row.phase, '')}{markers}"
        )
        for row, n in zip(cell.others, cell.cited[1:], strict=False):
            text += f" (another source gives {english_figure(row)}[{n}])"
        return text
    text = f"{cell.year}年{PHASE_ZH.get(cell.row.phase, '')}{cell.row.written}{markers}"
    for row, n in zip(cell.others, cell.cited[1:], strict=False):
        text += f"（另一来源为{row.written}[{n}]）"
    return text


def english_name(indicator: str, glossed: Sequence[tuple[str, str]]) -> str:
    """An indicator as an English answer names it: in the question's own words for the
    longest term of the glossary's the reports' name holds, with that name beside them
    ("contracted foreign investment (合同利用外资)"); the reports' name when none."""
    held = [(english, term) for english, term in glossed if term and term in indicator]
    if not held:
        return indicator
    english, _ = max(held, key=lambda pair: len(pair[1]))
    return f"{english} ({indicator})"


def values_text(decision: Decision, english: bool, glossed: Sequence[tuple[str, str]] = ()) -> str:
    """Several indicators of one year, each with its figure and marker (in English, each
    named in the question's words for it that the glossary knows)."""
    year = decision.cells[0].year
    if english:
        parts = [
            f"{english_name(c.row.indicator, glossed)}: {_with_change(c.row, True)}{_PHASE_EN.get(c.row.phase, '')}[{c.cited[0]}]"
            for c in decision.cells
        ]
        return f"In {year}: " + "; ".join(parts) + "."
    parts = [
        f"{c.row.indicator}{PHASE_ZH.get(c.row.phase, '')}{_with_change(c.row, False)}[{c.cited[0]}]"
        for c in decision.cells
    ]
    return f"{year}年，" + "；".join(parts) + "。"


def series_text(decision: Decision, english: bool, glossed: Sequence[tuple[str, str]] = ()) -> str:
    """A figures answer: the indicator as the reports name it, each asked year's figure
    cited, the years the reports do not state said to be missing, and the other names its
    rows were read under."""
    stated = [c for c in decision.cells if c.row]
    missing = [c.year for c in decision.cells if c.row is None]
    name = decision.indicator
    if english:
        name = english_name(name, glossed) if name else name
        lines = [f"{name} by year, as the reports state it:" if name else "By year:"]
        lines += [cell_text(c, english) + ";" for c in stated]
        uncovered = [y for y in missing if y in decision.asked_years]
        unstated = [y for y in missing if y not in decision.asked_years]
        if unstated:
            years = ", ".join(str(y) for y in unstated)
            lines.append(f"{years}: not stated in the reports.")
        if uncovered:
            held = decision.held_years
            years = ", ".join(str(y) for y in uncovered)
            lines.append(f"{years}: no document covers (they cover {held[0]}–{held[-1]}).")
        if decision.grouped:
            lines.append(f"(Read under the names {', '.join(decision.grouped)} as well.)")
        lines[-1] = lines[-1].rstrip(";") + ("" if lines[-1].endswith((".", ")")) else ".")
        return "\n".join(lines)
    lines = [f"{name}（按年份）：" if name else "按年份："]
    lines += [cell_text(c, english) + "；" for c in stated]
    uncovered = [y for y in missing if y in decision.asked_years]
    if len(missing) > len(uncovered):
        lines.append(
            "、".join(f"{y}年" for y in missing if y not in decision.asked_years) + "：报告中未载。"
        )
    if uncovered:
        held = decision.held_years
        years = "、".join(str(y) for y in uncovered)
        lines.append(f"{years}年：现有文件不涉及（覆盖{held[0]}—{held[-1]}年）。")
    if decision.grouped:
        lines.append(f"（同一指标在报告中也称{'、'.join(decision.grouped)}，一并列出。）")
    lines[-1] = lines[-1].rstrip("；") + ("" if lines[-1].endswith(("。", "）")) else "。")
    return "\n".join(lines)


def _with_change(row: FigureRow, english: bool) -> str:
    """A figure with the change it is, for a rate: 增长6%左右 / growth of 6%."""
    figure = english_figure(row) if english else row.written
    if row.kind != "rate" or row.qualifier not in ("增长", "下降"):
        return figure
    if english:
        return f"{'growth' if row.qualifier == '增长' else 'a fall'} of {figure}"
    return f"{row.qualifier}{figure}"


# A target against its result, in each language (`target_text`).
_TARGET = {
    False: {
        "target": "{year}年目标：{figure}",
        "no_target": "报告中未载{year}年的目标",
        "result": "实际：{expected}{level}{figure}",
        "no_result": "报告中未载{year}年的实际数",
        "expected": "预计",
        "level": "{}，",
        "join": "；",
        "unknown": "无法判断是否达到目标。",
        "met": "达到目标。",
        "missed": "未达到目标。",
    },
    True: {
        "target": "{year} target: {figure}",
        "no_target": "the reports state no {year} target for this",
        "result": "result: {level}{figure}{expected}",
        "no_result": "the reports do not state the {year} result",
        "expected": " (expected)",
        "level": "{}, ",
        "join": "; ",
        "unknown": "whether the target was met cannot be told from the reports.",
        "met": "the target was met.",
        "missed": "the target was not met.",
    },
}


def target_text(decision: Decision, english: bool) -> str:
    """A target against its actual: both cited, whether it was met computed; a missing one
    said to be missing; a growth result with the level it grew to, when its sentence says."""
    words = _TARGET[english]
    target, actual, *level = decision.cells  # the level a growth result grew to, if stated
    year = target.year
    if target.row:
        figure = _with_change(target.row, english)
        parts = [words["target"].format(year=year, figure=figure) + f"[{target.cited[0]}]"]
    else:
        parts = [words["no_target"].format(year=year)]
    if actual.row:
        expected = words["expected"] if actual.row.phase == "expected" else ""
        reached = ""
        if level:
            reached = words["level"].format(
                english_figure(level[0].row) if english else level[0].row.written
            )
        figure = _with_change(actual.row, english)
        result = words["result"].format(expected=expected, level=reached, figure=figure)
        parts.append(f"{result}[{actual.cited[0]}]")
    else:
        parts.append(words["no_result"].format(year=year))
    if decision.verdict is None:
        ending = words["unknown"]
    else:
        ending = words["met"] if decision.verdict else words["missed"]
    return words["join"].join(parts) + words["join"] + ending


def no_figures_text(decision: Decision, english: bool) -> str:
    """A figures question no row answers: which years the library covers when it misses
    some, and the nearest indicators the reports do state."""
    years = [c.year for c in decision.cells]
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    held = decision.held_years
    if english:
        text = f"The reports state no figure for this in {span}."
        if decision.asked_years and held:
            text += f" No document covers {', '.join(map(str, decision.asked_years))} (they cover {held[0]}–{held[-1]})."
        if decision.topics:
            text += f" The nearest indicators they state: {', '.join(decision.topics)}."
        return text
    text = f"报告中未载{span}年的这一数字。"
    if decision.asked_years and held:
        text += f"现有文件不涉及{'、'.join(map(str, decision.asked_years))}年（覆盖{held[0]}—{held[-1]}年）。"
    if decision.topics:
        text += f"报告中有数字的相近指标：{'、'.join(decision.topics)}。"
    return text
