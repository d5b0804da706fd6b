"""Figures read from the figures table (`app.figures`): one indicator's cells over the
asked years (a series, or the two years of a comparison), each cell a row the reports
state, cited to its sentence. No cell is made by the model; a year no row gives is
missing, and said to be.

Which indicator is asked: the reports' indicator names the question names (for an English
question, its Chinese translation names), else the question's own words without its
years and asking words. Rows whose indicator is that name, abbreviates it or is one of
its listed renamings are read; of the rows of one year, one of the asked kind (a level,
not its growth rate, unless a rate is asked) and qualifier (新增 when new ones are
asked) is chosen: an actual before an expected figure before a target (a target when a
target is asked), the most authoritative document first. Another document's different
figure for the same year is kept beside it, never in its place.
"""

from __future__ import annotations

from app.answer.asked import Asked, asked, asked_pieces
from app.answer.candidates import Candidate
from app.answer.decision import Cell, Decision, Form, Outcome
from app.answer.grounding import Figure
from app.domain import Passage, Query
from app.figures.extract import FigureRow
from app.figures.table import FigureTable
from app.retrieve.query import MAX_SPAN
from app.text.sentences import Sentence

MAX_YEARS = MAX_SPAN
_PHASE_ORDER = {"actual": 0, "expected": 1, "target": 2}


# The kinds of row that answer a question naming a unit of each kind.
_ANSWERS_KIND = {"percent": {"rate", "share"}, "percentage points": {"rate"}}


def _fits(row: FigureRow, want: Asked) -> bool:
    if row.growth != want.rate or row.kind == "rank" or row.qualifier == "起点":
        return False  # a level a change starts from is not its period's
    if want.kind and row.kind not in _ANSWERS_KIND.get(want.kind, {want.kind}):
        return False
    if row.phase == "target" and not want.target:
        return False  # a target is never shown as what happened
    if want.new and row.qualifier == "累计" or want.total and row.qualifier == "新增":
        return False
    return row.start_year == row.end_year


def _order(score: float, row: FigureRow, want: Asked) -> tuple:
    phase = _PHASE_ORDER[row.phase]
    if want.target:
        phase = 0 if row.phase == "target" else phase + 1
    qualified = want.new and row.qualifier == "新增" or want.total and row.qualifier == "累计"
    return (phase, -round(score, 1), not qualified, -row.authority)


def cells(table: FigureTable, want: Asked, minimum: float) -> tuple[str, tuple[Cell, ...]]:
    """The asked indicator as the reports name it, and a cell for each asked year."""
    rows = [(s, r) for s, r in table.matching(list(want.names), minimum) if _fits(r, want)]
    by_year: dict[int, list[tuple[float, FigureRow]]] = {}
    for score, row in rows:
        if row.start_year in want.years:
            by_year.setdefault(row.start_year, []).append((score, row))
    found = []
    for year in want.years:
        ranked = sorted(by_year.get(year, []), key=lambda item: _order(*item, want))
        if not ranked:
            found.append(Cell(year, None))
            continue
        best = ranked[0][1]
        # Another document's different figure for the year, of the same phase (an expected
        # figure a later report revised counts too): shown beside it, never in its place.
        planned = best.phase == "target"
        others = tuple(
            r
            for _, r in ranked[1:]
            if r.doc_id != best.doc_id
            and r.unit == best.unit
            and r.value != best.value
            and (r.phase == "target") == planned
        )
        found.append(Cell(year, best, others=_distinct(others)))
    # Labelled by the name the question uses when it is the reports' own; else by the
    # name most of the cells' rows give.
    stated = [c.row.indicator for c in found if c.row]
    if want.named or not stated:
        return (want.names[0] if want.names else ""), tuple(found)
    return max(set(stated), key=stated.count), tuple(found)


def _distinct(rows: tuple[FigureRow, ...]) -> tuple[FigureRow, ...]:
    seen, kept = set(), []
    for row in rows:
        if (row.doc_id, row.value) not in seen:
            seen.add((row.doc_id, row.value))
            kept.append(row)
    return tuple(kept)


def candidate(row: FigureRow, index) -> Candidate:
    """A row's sentence as a citable candidate (its chunk, with the sentence's offsets)."""
    chunk = index.chunk_by_id(row.chunk_id)
    doc = index.documents.get(row.doc_id)
    title = doc.title if doc else row.doc_id
    passage = Passage(chunk, 1.0, title, doc.delivered if doc else None)
    sentence = Sentence(row.sentence, row.sentence_start, row.sentence_start + len(row.sentence))
    return Candidate(0, sentence, passage, kind=row.doc_kind, authority=row.authority)


def nearest_names(table: FigureTable, want: Asked, count: int = 3) -> tuple[str, ...]:
    """The indicators the reports do state that are nearest the asked one."""
    scored: dict[str, float] = {}
    for score, row in table.matching(list(want.names), 0.3):
        if _fits(row, want) or row.kind not in ("rate", "rank"):
            scored[row.indicator] = max(score, scored.get(row.indicator, 0.0))
    ranked = sorted(scored, key=lambda n: (-scored[n], len(n)))
    return tuple(ranked[:count])


def decide_series(
    query: Query, index, minimum: float, form: Form = Form.SERIES, want: Asked | None = None
) -> Decision:
    """The asked years' cells, each cited (a comparison's two, their difference computed
    by `render`); refused, with the nearest indicators the reports state, when no year
    has one."""
    want = asked(query, index.figures) if want is None else want
    if query.span and query.span[1] - query.span[0] >= MAX_YEARS:
        # A span the question gives that is too long to list ("1990年到2025年").
        return Decision(Outcome.TOO_LONG, form, asked_years=query.span)
    if len(want.years) > MAX_YEARS:
        return Decision(Outcome.TOO_LONG, form, asked_years=(want.years[0], want.years[-1]))
    table: FigureTable = index.figures
    name, found = cells(table, want, minimum)
    covered = index.covered_years
    evidence: list[Candidate] = []
    numbered = []
    for cell in found:
        cited = []
        for row in (cell.row, *cell.others) if cell.row else ():
            evidence.append(candidate(row, index))
            cited.append(len(evidence))
        numbered.append(Cell(cell.year, cell.row, tuple(cited), cell.others))
    uncovered = tuple(c.year for c in numbered if c.row is None and c.year not in covered)
    held = tuple(sorted(covered))
    if not evidence:
        return Decision(
            Outcome.PART_MISSING,
            form,
            indicator=name,
            cells=tuple(numbered),
            topics=nearest_names(table, want),
            asked_years=uncovered,
            held_years=held,
        )
    grouped = tuple(sorted({c.row.indicator for c in numbered if c.row} - {name}))
    if form is Form.COMPARISON:
        return _compared(numbered, evidence, name, grouped)
    return Decision(
        Outcome.TABULATED,
        form,
        tuple(evidence),
        indicator=name,
        cells=tuple(numbered),
        grouped=grouped,
        asked_years=uncovered,
        held_years=held,
    )


def _compared(numbered: list[Cell], evidence: list[Candidate], name: str, grouped) -> Decision:
    """Two years' cells as a comparison: both found and in one unit, or a part missing."""
    if len(numbered) != 2 or not all(c.row for c in numbered):
        return Decision(Outcome.PART_MISSING, Form.COMPARISON, indicator=name)
    first, second = numbered
    if first.row.unit != second.row.unit or first.row.number is None or second.row.number is None:
        return Decision(Outcome.PART_MISSING, Form.COMPARISON, indicator=name)
    pair = (evidence[first.cited[0] - 1], evidence[second.cited[0] - 1])
    figures = tuple(
        (cell.year, Figure(cell.row.number, cell.row.value, cell.row.unit or "", c))
        for cell, c in zip(numbered, pair, strict=True)
    )
    cells = (Cell(first.year, first.row, (1,)), Cell(second.year, second.row, (2,)))
    return Decision(
        Outcome.COMPARED,
        Form.COMPARISON,
        pair,
        figures=figures,
        indicator=name,
        cells=cells,
        grouped=grouped,
    )


def decide_values(
    query: Query, index, minimum: float, wants: list[Asked] | None = None
) -> Decision | None:
    """Two or more indicators of one year, each from its own row (cited); None when the
    question asks for fewer than two (`wants`, by default `asked_pieces`), or one of them
    has no row for the year (the pipeline then answers as it answers values).

    A piece in the question's own words that reads the row the piece before it reads is
    the rest of that piece's name, cut at its conjunction (进口和出口, 人工智能和相关产业的
    总产出); any other two pieces that read one row are two figures asked, one of them not
    found."""
    wants = asked_pieces(query, index.figures) if wants is None else wants
    if len(wants) < 2 or len(query.years) != 1:
        return None
    evidence, numbered = [], []
    for want in wants:
        _, (cell,) = cells(index.figures, want, minimum)
        if cell.row is not None and numbered and numbered[-1].row == cell.row and not want.named:
            continue
        if cell.row is None or any(c.row == cell.row for c in numbered):
            return None
        evidence.append(candidate(cell.row, index))
        numbered.append(Cell(cell.year, cell.row, (len(evidence),)))
    if len(numbered) < 2:
        return None
    return Decision(
        Outcome.TABULATED, Form.VALUES, tuple(evidence), indicator="", cells=tuple(numbered)
    )
