"""What the answer stage says to users, in Chinese and English: hints, notes, refusals.

The prompt templates live in `prompts/`; these are the strings built in code.
"""

from __future__ import annotations

from app.answer.context import ContextPassage
from app.domain import Query


def year_hint(query: Query) -> str:
    """The line that tells the model which year (and review or plan) the question is about."""
    if query.report_year and query.years == [query.report_year]:
        return f"问题问的是{query.report_year}年政府工作报告，即{query.report_year}年的目标任务或该报告回顾的{query.report_year - 1}年"
    if query.years:
        listed = "、".join(f"{y}年" for y in query.years)
        kind = "的目标任务" if query.wants_plan else "实际完成的情况（不是目标）"
        return f"问题问的是{listed}{kind}"
    return ""


def source_note(cited: list[ContextPassage], english: bool) -> str:
    """Which report and year the answer's figures come from."""
    if not cited:
        return ""
    parts = []
    for c in cited:
        delivered = c.passage.delivered or ("undated" if english else "日期不详")
        parts.append(f"[{c.n}]《{c.passage.doc_title}》（{delivered}，{c.label}）")
    return ("Sources: " if english else "来源：") + "；".join(parts)


def no_document_text(uncovered: list[int], covered_years, english: bool) -> str:
    """The refusal for a question about years no document covers."""
    covered = sorted(covered_years)
    span = f"{covered[0]}–{covered[-1]}" if covered else "—"
    asked = "、".join(str(y) for y in uncovered)
    if english:
        return f"The reports do not say: no document covers {asked} (they cover {span})."
    return f"报告中未提及：现有文件不涉及{asked}年（覆盖{span}年）。"


def refusal_text(question: str, context: list[ContextPassage], english: bool) -> str:
    """Say the reports do not answer, and what they do contain nearby."""
    best = max(
        ((s, c) for c in context for s in c.sentences), key=lambda item: item[0].score, default=None
    )
    if english:
        text = "The reports do not say."
        if best:
            sentence, c = best
            text += f" The closest passage ({c.label}) says: {sentence.text.strip()}[{c.n}]"
        return text
    text = "报告中未提及。"
    if best:
        sentence, c = best
        text = f"报告中未提及。相关内容（{c.label}）：{sentence.text.strip()}[{c.n}]"
    return text
