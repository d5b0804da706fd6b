"""Refusals, citations, quotes, verdicts, source notes and the points of an open answer.

A refusal never quotes a sentence: it says the reports do not answer and points to
the closest passage by its provenance and citation chip, so it cannot contradict itself
by quoting the very sentence that answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.answer.candidates import Candidate
from app.answer.decision import Decision
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


def conflicts_text(conflicts: Sequence[Candidate], first: int, english: bool) -> str:
    """The other documents' differing statements, apart from the answer, cited from
    `first` on: which document says what, and that it was not used."""
    parts = []
    for n, c in enumerate(conflicts, start=first):
        if english:
            flagged = " (a sentence addressed to an AI assistant)" if c.instruction else ""
            parts.append(f"{c.source_en}{flagged} states it otherwise: “{c.text}”[{n}]")
        else:
            flagged = "（该句是写给AI助手的指令）" if c.instruction else ""
            parts.append(f"{c.source}{flagged}的说法不同：“{c.text}”[{n}]")
    if english:
        return " Not used: " + "; ".join(parts) + "."
    return "（未采用：" + "；".join(parts) + "）"


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
    return strip_markers(cite(as_written_statement(decision), 1, english=True)).strip()


def as_written_statement(decision: Decision) -> str:
    """The statement with its counting numerals as the sentence writes them (第1 → 第一)."""
    return as_written(decision.statement, decision.evidence[0].text)
