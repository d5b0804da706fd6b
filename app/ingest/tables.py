"""Tables as rows a reader and the model can use: `地区生产总值增速(%)：目标 8，完成 7.1。`

A target/actual table flattened into text loses which figure is which. Each body row
becomes one sentence that names its row label and, for every cell, the column header
above it; a sentence can then be found, cited and read on its own. Tables arrive as
cells (DOCX, PDF, HTML) or as text: Markdown pipes, or columns separated by tabs or
runs of spaces.
"""

from __future__ import annotations

import re

# A figure: a number with at most a short unit ("8", "7.1%", "8公顷", "12个"); a year
# ("2025年目标") names a column instead.
_FIGURE = re.compile(r"^[+\-]?\d[\d.,]*\s*(?:%|‰|[^\d\s]{0,3})$")
_YEAR_CELL = re.compile(r"^(?:19|20)\d{2}年")
_PIPE_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CELL_GAP = re.compile(r"\t+|\s{2,}")


def _clean(cell: str | None) -> str:
    return re.sub(r"\s+", " ", cell or "").strip()


def _dedupe(cells: list[str]) -> list[str]:
    """Merged cells repeat their text in every cell they span: keep one."""
    out: list[str] = []
    for cell in cells:
        if not out or cell != out[-1] or not cell:
            out.append(cell)
    return out


def is_figure(cell: str) -> bool:
    return bool(_FIGURE.match(cell)) and not _YEAR_CELL.match(cell)


def has_header(rows: list[list[str]]) -> bool:
    """Whether the first row names the columns: none of its value cells is a figure."""
    if len(rows) < 2 or len(rows[0]) < 2:
        return False
    return all(cell and not is_figure(cell) for cell in rows[0][1:])


def row_sentences(rows: list[list[str | None]]) -> list[str]:
    """One sentence per body row: its label, then each header with the row's value."""
    table = [[_clean(c) for c in row] for row in rows]
    table = [row for row in table if any(row)]
    if not table:
        return []
    width = max(len(row) for row in table)
    table = [row + [""] * (width - len(row)) for row in table]
    if not has_header(table):
        return ["，".join(c for c in _dedupe(row) if c) + "。" for row in table]
    header, body = table[0], table[1:]
    sentences = []
    for row in body:
        label = row[0] or header[0]
        parts = [
            f"{header[i]} {row[i]}" if header[i] else row[i]
            for i in range(1, width)
            if row[i] and not (i > 1 and row[i] == row[i - 1] and header[i] == header[i - 1])
        ]
        if parts:
            sentences.append(f"{label}：{'，'.join(parts)}。")
        elif label:
            sentences.append(label)
    return sentences


def _split_row(line: str) -> list[str] | None:
    pipe = _PIPE_ROW.match(line)
    if pipe:
        return [c.strip() for c in pipe.group(1).split("|")]
    cells = [c for c in _CELL_GAP.split(line.strip()) if c]
    return cells if len(cells) >= 2 else None


def text_tables_to_rows(text: str) -> str:
    """Rewrite tables laid out in text (pipes, tabs, aligned columns) as row sentences.

    A table is consecutive lines that split into the same number of cells (two or more):
    two rows suffice for Markdown pipes; columns separated by tabs or spaces need three
    rows with a figure in every body row, so that prose with a double space is left
    alone. A Markdown rule line between rows is dropped.
    """
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        cells = _split_row(lines[i]) if not _PIPE_RULE.match(lines[i]) else None
        if cells is None:
            out.append(lines[i])
            i += 1
            continue
        rows = [cells]
        j = i + 1
        while j < len(lines):
            if _PIPE_RULE.match(lines[j]) and "|" in lines[j]:
                j += 1
                continue
            nxt = _split_row(lines[j])
            if nxt is None or len(nxt) != len(cells):
                break
            rows.append(nxt)
            j += 1
        pipes = bool(_PIPE_ROW.match(lines[i]))
        figures = all(any(is_figure(c) for c in r) for r in rows[1:])
        if len(rows) >= 2 and (pipes or (figures and len(rows) >= 3)):
            out.extend(row_sentences(rows))
            i = j
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out)
