"""The one place answer text is made: `render(decision, query)` turns a strategy's
`Decision` into what a user reads, in Chinese or English (answers, refusals, verdicts,
comparisons, source notes). The prompt templates live in `prompts/`.

A refusal never quotes a sentence: it says the reports do not answer and points to
the closest passage by its provenance and citation chip, so it cannot contradict itself
by quoting the very sentence that answers.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.answer.candidates import Candidate
from app.answer.decision import Cell, Decision, Form, Outcome
from app.answer.grounding import Figure
from app.domain import Query
from app.figures.extract import FigureRow
from app.text.markers import strip_markers
from app.text.numbers import as_written


def source_note(cited: list[tuple[int, Candidate]], english: bool) -> str:
    """Which document and period each cited sentence comes from."""
    if not cited:
        return ""
    parts = []
    for n, c in cited:
        if english:
            delivered = c.passage.delivered or "undated"
            parts.append(f"[{n}] 《{c.passage.doc_title}》 ({delivered}, {c.label_en})")
            continue
        delivered = c.passage.delivered or "日期不详"
        parts.append(f"[{n}]《{c.passage.doc_title}》（{delivered}，{c.label}）")
    return ("Sources: " if english else "来源：") + "；".join(parts)


def no_document_text(uncovered: list[int], covered_years: Iterable[int], english: bool) -> str:
    """The refusal for a question about years no document covers."""
    covered = sorted(covered_years)
    span = f"{covered[0]}–{covered[-1]}" if covered else "—"
    asked = "、".join(str(y) for y in uncovered)
    if english:
        return f"The reports do not say: no document covers {asked} (they cover {span})."
    return f"报告中未提及：现有文件不涉及{asked}年（覆盖{span}年）。"


def no_report_text(report_year: int, available: list[int], english: bool) -> str:
    """The refusal for a question about a report the library does not hold."""
    listed = "、".join(str(y) for y in available) or "—"
    if english:
        return f"The library holds no {report_year} work report (it holds those of {listed})."
    return f"报告中未提及：文件库中没有{report_year}年的政府工作报告（现有{listed}年）。"


def refusal_text(nearest: Candidate | None, english: bool, *, unsure: bool = False) -> str:
    """Say the reports do not answer (or that no sentence answers for sure), and point to
    the closest passage as citation [1] without quoting it."""
    if english:
        text = "The reports give no clear answer to this." if unsure else "The reports do not say."
        if nearest:
            text += f" The closest passage is in {nearest.source_en} ({nearest.label_en}) [1]."
        return text
    text = "报告中没有找到能确切回答这个问题的内容。" if unsure else "报告中未提及。"
    if nearest:
        text += f"相关段落见{nearest.source}（{nearest.label}）[1]。"
    return text


def cite(text: str, n: int, english: bool) -> str:
    """The text with its citation marker before the closing stop: "…11家[1]。"."""
    body = text.rstrip()
    end = body[-1] if body and body[-1] in "。.!！；;" else ""
    body = body[: len(body) - len(end)] if end else body
    stop = "." if english else "。"
    return f"{body}[{n}]{stop if end in ('', '；', ';') else end}"


def quote_text(candidate: Candidate, n: int, english: bool) -> str:
    """The chosen sentence itself, as the answer."""
    if english:
        return "The report says: " + cite(candidate.text, n, english=False)
    return "报告原文：" + cite(candidate.text, n, english=False)


def verdict_text(agrees: bool, candidate: Candidate, n: int, english: bool) -> str:
    """A yes/no answer decided from the sentence's own direction, with the sentence."""
    if english:
        return ("Yes. " if agrees else "No. ") + quote_text(candidate, n, english)
    return ("是。" if agrees else "没有。") + quote_text(candidate, n, english)


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


_SCALES = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2}
_ENGLISH_UNITS = {
    "元": "yuan",
    "美元": "US dollars",
    "平方米": "m²",
    "平方公里": "km²",
    "平方千米": "km²",
    "公顷": "hectares",
    "亩": "mu",
    "公里": "km",
    "千米": "km",
    "米": "m",
    "吨": "tonnes",
    "%": "%",
    "个百分点": "percentage points",
    "人次": "person-times",
    "倍": "times",
    "千伏": "kV",
}
_BOUNDS_EN = {"超过": "over ", "突破": "over ", "超": "over ", "近": "nearly ", "约": "about "}


def english_amount(number: float, unit: str, written: str = "") -> str:
    """An amount with its unit in English: (560, 亿元) → 56 billion yuan (560亿元), (6720, 个)
    → 6720, (6, 万平方米, 超6万平方米) → over 60000 m² (超6万平方米). The figure as written, when
    the report writes it in 万 or 亿, stays beside it, so it can be found in the sentence."""
    unit = unit.replace(" ", "")
    scale = next((s for s in _SCALES if unit.startswith(s) and unit != s + "次"), "")
    base = unit[len(scale) :] if scale else unit
    bound = next((w for k, w in _BOUNDS_EN.items() if written.startswith(k)), "")
    if written.rstrip().endswith(("余", "多", "以上")) or "余" in written:
        bound = bound or "over "
    amount = number * _SCALES.get(scale, 1)
    if amount >= 1e9:
        shown = f"{amount / 1e9:.3f}".rstrip("0").rstrip(".") + " billion"
    elif amount >= 1e6:
        shown = f"{amount / 1e6:.3f}".rstrip("0").rstrip(".") + " million"
    else:
        shown = f"{amount:.2f}".rstrip("0").rstrip(".")
    if base == "%":
        return f"{bound}{shown}%"
    english = _ENGLISH_UNITS.get(base)
    text = f"{bound}{shown}" + (f" {english}" if english else "")
    return f"{text} ({written or _plain_number(number) + unit})" if scale else text


def _plain_number(number: float) -> str:
    return f"{number:.4f}".rstrip("0").rstrip(".")


def english_figure(row: FigureRow) -> str:
    """A row's figure in English (`english_amount`); a range as written."""
    if row.number is None or "-" in row.value or "—" in row.value:
        return row.written
    return english_amount(row.number, row.unit or "", row.written)


_PHASE_ZH = {"expected": "预计", "target": "目标"}
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
    text = f"{cell.year}年{_PHASE_ZH.get(cell.row.phase, '')}{cell.row.written}{markers}"
    for row, n in zip(cell.others, cell.cited[1:], strict=False):
        text += f"（另一来源为{row.written}[{n}]）"
    return text


def values_text(decision: Decision, english: bool) -> str:
    """Several indicators of one year, each with its figure and marker."""
    year = decision.cells[0].year
    if english:
        parts = [
            f"{c.row.indicator}: {english_figure(c.row)}{_PHASE_EN.get(c.row.phase, '')}[{c.cited[0]}]"
            for c in decision.cells
        ]
        return f"In {year}: " + "; ".join(parts) + "."
    parts = [
        f"{c.row.indicator}{_PHASE_ZH.get(c.row.phase, '')}{c.row.written}[{c.cited[0]}]"
        for c in decision.cells
    ]
    return f"{year}年，" + "；".join(parts) + "。"


def series_text(decision: Decision, english: bool) -> str:
    """A figures answer: the indicator as the reports name it, each asked year's figure
    cited, the years the reports do not state said to be missing, and the other names its
    rows were read under."""
    stated = [c for c in decision.cells if c.row]
    missing = [c.year for c in decision.cells if c.row is None]
    name = decision.indicator
    if english:
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


def figures_table(decision: Decision, english: bool) -> dict:
    """A figures answer as data, for the API, the page, the OpenAI endpoint and MCP ({}
    for other answers)."""
    if not decision.cells:
        return {}
    rows = []
    for cell in decision.cells:
        row = cell.row
        entry = {"year": cell.year, "stated": row is not None}
        if row is not None:
            source = decision.evidence[cell.cited[0] - 1]
            entry.update(
                value=row.number,
                written=row.written,
                english=english_figure(row),
                unit=row.unit,
                kind=row.kind,
                phase=row.phase,
                indicator=row.indicator,
                citation=cell.cited[0],
                doc_id=row.doc_id,
                quote=row.sentence.strip(),
                start=row.offset,
                end=row.offset + len(row.sentence),
                source=source.source_en if english else source.source,
                others=[
                    {"written": o.written, "doc_id": o.doc_id, "citation": n}
                    for o, n in zip(cell.others, cell.cited[1:], strict=False)
                ],
            )
        elif cell.year in decision.asked_years:
            entry["uncovered"] = True
        rows.append(entry)
    return {
        "indicator": decision.indicator,
        "lang": "en" if english else "zh",
        "grouped": list(decision.grouped),
        "rows": rows,
        "markdown": table_markdown(decision, english),
    }


def _with_change(row: FigureRow, english: bool) -> str:
    """A figure with the change it is, for a rate: 增长6%左右 / growth of 6%."""
    figure = english_figure(row) if english else row.written
    if row.kind != "rate" or row.qualifier not in ("增长", "下降"):
        return figure
    if english:
        return f"{'growth' if row.qualifier == '增长' else 'a fall'} of {figure}"
    return f"{row.qualifier}{figure}"


def target_text(decision: Decision, english: bool) -> str:
    """A target against its actual: both cited, whether it was met computed; a missing one
    said to be missing."""
    target, actual = decision.cells
    year = target.year
    parts = []
    if english:
        parts.append(
            f"{year} target: {_with_change(target.row, True)}[{target.cited[0]}]"
            if target.row
            else f"the reports state no {year} target for this"
        )
        if actual.row:
            expected = " (expected)" if actual.row.phase == "expected" else ""
            parts.append(f"result: {_with_change(actual.row, True)}{expected}[{actual.cited[0]}]")
        else:
            parts.append(f"the reports do not state the {year} result")
        if decision.verdict is None:
            ending = "whether the target was met cannot be told from the reports."
        else:
            ending = "the target was met." if decision.verdict else "the target was not met."
        return "; ".join(parts) + "; " + ending
    parts.append(
        f"{year}年目标：{_with_change(target.row, False)}[{target.cited[0]}]"
        if target.row
        else f"报告中未载{year}年的目标"
    )
    if actual.row:
        expected = "预计" if actual.row.phase == "expected" else ""
        parts.append(f"实际：{expected}{_with_change(actual.row, False)}[{actual.cited[0]}]")
    else:
        parts.append(f"报告中未载{year}年的实际数")
    if decision.verdict is None:
        ending = "无法判断是否达到目标。"
    else:
        ending = "达到目标。" if decision.verdict else "未达到目标。"
    return "；".join(parts) + "；" + ending


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


def table_markdown(decision: Decision, english: bool) -> str:
    """A figures answer as a Markdown table (year, figure, phase, source)."""
    head = "| year | figure | phase | source |" if english else "| 年份 | 数值 | 口径 | 来源 |"
    lines = [head, "|---|---|---|---|"]
    for cell in decision.cells:
        if cell.row is None:
            lines.append(f"| {cell.year} | {'not stated' if english else '未载'} | | |")
            continue
        figure = english_figure(cell.row) if english else cell.row.written
        phase = (
            cell.row.phase
            if english
            else {"actual": "实际"}.get(cell.row.phase, _PHASE_ZH.get(cell.row.phase, ""))
        )
        source = decision.evidence[cell.cited[0] - 1]
        where = source.source_en if english else source.source
        lines.append(f"| {cell.year} | {figure} | {phase} | [{cell.cited[0]}] {where} |")
    return "\n".join(lines)


def point_texts(decision: Decision, english: bool) -> list[str]:
    """Each point of an open question's answer with its markers: its sentences as the
    report writes them, or their checked English rendering (a failed one is shown in
    Chinese, saying so)."""
    texts = []
    for point in decision.points:
        markers = "".join(f"[{n}]" for n in point.cited)
        if english and point.english:
            texts.append(f"{point.english.rstrip('.。 ')}{markers}.")
            continue
        body = "；".join(decision.evidence[n - 1].text.rstrip("。；;，, ") for n in point.cited)
        texts.append(("(in Chinese) " if english else "") + f"{body}{markers}。")
    return texts


def points_text(decision: Decision, english: bool) -> str:
    """An open question's answer: a one-line lead naming the source, the points as a
    numbered list each with its markers, and how many related sentences are not shown."""
    evidence = decision.evidence
    if english:
        named = {(c.source_en, c.label_en) for c in evidence}
        where = "{} ({})".format(*named.pop()) if len(named) == 1 else "the cited reports"
        lines = [f"According to {where}, the main points are:"]
    else:
        named = {(c.source, c.label) for c in evidence}
        where = "{}（{}）".format(*named.pop()) if len(named) == 1 else "所引报告"
        lines = [f"据{where}，主要有以下{len(decision.points)}点："]
    lines += [f"{i}. {text}" for i, text in enumerate(point_texts(decision, english), start=1)]
    if decision.more:
        section = decision.more_section
        if english:
            lines.append(
                f"The reports hold {decision.more} more related sentences"
                + (f", in “{section}” and elsewhere." if section else ".")
            )
        else:
            lines.append(
                f"另有{decision.more}条相关内容" + (f"，见“{section}”等部分。" if section else "。")
            )
    return "\n".join(lines)


def no_topic_text(decision: Decision, english: bool) -> str:
    """The decline of an open question whose topic the reports do not cover: the words they
    never use, and the nearest sections they do have for the period."""
    unknown, topics = decision.unknown, decision.topics
    if english:
        text = "The reports do not cover this"
        text += f" (they never mention {', '.join(unknown)})." if unknown else "."
        return text + (f" The nearest topics they cover: {'; '.join(topics)}." if topics else "")
    named = "、".join(f"“{w}”" for w in unknown)
    text = f"报告中没有关于{named}的内容。" if unknown else "报告中没有关于这一问题的内容。"
    return text + (f"相近的内容有：{'；'.join(topics)}。" if topics else "")


def chinese_statement(decision: Decision) -> str:
    """A grounded answer's Chinese statement without its marker: what an English question's
    rendering is made from."""
    return strip_markers(cite(_as_written(decision), 1, english=True)).strip()


def _as_written(decision: Decision) -> str:
    """The statement with its counting numerals as the sentence writes them (第1 → 第一)."""
    return as_written(decision.statement, decision.evidence[0].text)


def render(decision: Decision, query: Query) -> str:
    """The text of an answer or a refusal, in the question's language."""
    english = query.english
    outcome = decision.outcome
    evidence = decision.evidence
    if outcome is Outcome.NO_DOCUMENT:
        return no_document_text(list(decision.asked_years), decision.held_years, english)
    if outcome is Outcome.NO_REPORT:
        return no_report_text(decision.asked_years[0], list(decision.held_years), english)
    if outcome is Outcome.NO_TOPIC:
        return no_topic_text(decision, english)
    if outcome is Outcome.TOO_LONG:
        first, last = decision.asked_years[0], decision.asked_years[-1]
        if english:
            return f"{first}–{last} is too long a span to list: ask for at most 30 years."
        return f"{first}—{last}年跨度太长，无法逐年列出：请问不超过30年的范围。"
    if outcome is Outcome.PART_MISSING and decision.cells and not evidence:
        return no_figures_text(decision, english)
    if outcome in (Outcome.NOTHING_RETRIEVED, Outcome.NOT_ANSWERED):
        return refusal_text(evidence[0] if evidence else None, english)
    if decision.refused:  # unsure, misread, a part not found, nothing to quote
        return refusal_text(evidence[0] if evidence else None, english, unsure=True)
    if outcome is Outcome.SUMMARISED:
        return points_text(decision, english)
    if outcome is Outcome.TABULATED and decision.form is Form.VALUES:
        return values_text(decision, english)
    if outcome is Outcome.TABULATED:
        return series_text(decision, english)
    if outcome in (Outcome.TARGET_MET, Outcome.TARGET_PART):
        return target_text(decision, english)
    if outcome is Outcome.QUOTED:
        return cite(evidence[0].text, 1, english=False)
    if outcome is Outcome.VERDICT:
        return verdict_text(bool(decision.verdict), evidence[0], 1, english)
    if outcome is Outcome.COMPARED:
        first, second = decision.figures
        return comparison_text(first, second, english)
    if outcome is Outcome.KEPT_CHINESE:
        return "The report says: " + cite(chinese_statement(decision), 1, english=False)
    if decision.english:
        return cite(decision.english, 1, english=True)
    return cite(_as_written(decision), 1, english)
