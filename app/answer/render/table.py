"""A figures answer as a table: data for the API, the page, the OpenAI endpoint and MCP,
and Markdown for a chat client."""

from __future__ import annotations

from app.answer.decision import Decision
from app.answer.render.amounts import english_figure
from app.answer.render.figures import PHASE_ZH


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
            else {"actual": "实际"}.get(cell.row.phase, PHASE_ZH.get(cell.row.phase, ""))
        )
        source = decision.evidence[cell.cited[0] - 1]
        where = source.source_en if english else source.source
        lines.append(f"| {cell.year} | {figure} | {phase} | [{cell.cited[0]}] {where} |")
    return "\n".join(lines)
