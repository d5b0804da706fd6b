"""Target against actual, from the figures table: the target a report set for a year (a row
of phase target, from the section planning it) and the result the next report gives (an
actual or expected row of the same year, indicator and kind), each cited; whether the
target was met is computed in code. When the reports give only one of the two, the
answer says which is missing and never fills it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from app.answer.asked import Asked, asked
from app.answer.decision import Cell, Decision, Form, Outcome
from app.answer.series import candidate, cells
from app.domain import Query
from app.figures.extract import FigureRow
from app.figures.table import FigureTable

_DOWN = re.compile(r"下降|降低|减少|控制在|以内|以下")


def met(target: FigureRow, actual: FigureRow) -> bool | None:
    """Whether the actual reaches the target (falls to it, for a target of a fall or a
    ceiling); None when the two cannot be compared (another unit, a range)."""
    if target.unit != actual.unit or target.number is None or actual.number is None:
        return None
    down = target.qualifier == "下降" or bool(
        _DOWN.search(target.sentence[target.end : target.end + 4])
    )
    if down:
        return actual.number <= target.number
    return actual.number >= target.number


def decide_target(query: Query, index, minimum: float) -> Decision | None:
    """The target and the actual of the asked year; None when the table has neither (the
    pipeline then answers as it answers a value)."""
    year = query.years[0] if len(query.years) == 1 else query.report_year
    if year is None:
        return None
    table: FigureTable = index.figures
    want = replace(asked(query, table), years=(year,))
    target_cell = _target(table, want, minimum)
    if target_cell.row is None and not want.rate:
        # "目标完成了吗" names no kind: the reports set most targets as a growth rate.
        target_cell = _target(table, replace(want, rate=True), minimum)
    # The actual of the target's indicator and kind: its rate when the target is a rate.
    wanted_rate = target_cell.row.growth if target_cell.row else want.rate
    names = (target_cell.row.indicator, *want.names) if target_cell.row else want.names
    actual_want = replace(
        want,
        names=names,
        named=want.named or target_cell.row is not None,
        rate=wanted_rate,
        target=False,
    )
    name, (actual_cell,) = cells(table, actual_want, minimum)
    if actual_cell.row is not None and actual_cell.row.phase == "target":
        actual_cell = Cell(year, None)
    if target_cell.row is None and actual_cell.row is None:
        return None
    evidence, numbered = [], []
    for cell in (target_cell, actual_cell):
        if cell.row is None:
            numbered.append(cell)
            continue
        evidence.append(candidate(cell.row, index))
        numbered.append(Cell(cell.year, cell.row, (len(evidence),)))
    level = _level_beside(table, actual_want, actual_cell, minimum)
    if level is not None:
        numbered.append(Cell(year, level, numbered[-1].cited))
    verdict = met(target_cell.row, actual_cell.row) if target_cell.row and actual_cell.row else None
    return Decision(
        Outcome.TARGET_MET if verdict is not None else Outcome.TARGET_PART,
        Form.TARGET_ACTUAL,
        tuple(evidence),
        verdict=verdict,
        indicator=(target_cell.row or actual_cell.row).indicator,
        cells=tuple(numbered),
    )


def _level_beside(
    table: FigureTable, want: Asked, actual: Cell, minimum: float
) -> FigureRow | None:
    """The level a growth result grew to, when the result's own sentence states it
    ("完成区级一般公共预算收入198.1亿元,同比增长2%"): what a reader wants beside the rate."""
    row = actual.row
    if row is None or not row.growth:
        return None
    _, (cell,) = cells(
        table, replace(want, names=(row.indicator, *want.names), rate=False), minimum
    )
    if cell.row is None or (cell.row.chunk_id, cell.row.sentence) != (row.chunk_id, row.sentence):
        return None
    return cell.row


def _target(table: FigureTable, want: Asked, minimum: float) -> Cell:
    """The asked year's target (a cell with no row when the reports set none)."""
    _, (cell,) = cells(table, replace(want, target=True), minimum)
    return cell if cell.row is not None and cell.row.phase == "target" else Cell(cell.year, None)
