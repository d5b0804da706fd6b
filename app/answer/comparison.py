"""Comparison questions ("2025年…比2023年提高了多少"): each year's figure, then the difference.

A small model rarely states both figures and their difference. This step does it
deterministically from the selected sentences: for each asked year, the sentence
about that year that holds the question's key terms, and in it the number right
after the heaviest key term; then the difference, computed, not generated.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.answer.checks import coverage, is_about
from app.answer.context import ContextPassage
from app.domain import Query
from app.text.numbers import FIGURE_WITH_UNIT, normalise_digits


@dataclass
class Figure:
    year: int
    value: float
    text: str  # the number as written
    unit: str
    sentence: str
    n: int  # the passage's citation number


def is_comparison(query: Query) -> bool:
    return query.compares_years


def _figure_after_term(sentence: str, terms: dict[str, float]) -> tuple[str, str] | None:
    """The first number after the heaviest key term the sentence holds."""
    plain = normalise_digits(sentence)
    present = sorted((t for t in terms if t in plain.lower()), key=lambda t: -terms[t])
    for term in present:
        start = plain.lower().find(term) + len(term)
        match = FIGURE_WITH_UNIT.search(plain, start)
        if match and match.start() - start <= 12:
            return match.group(1), match.group(2).replace("％", "%")
    return None


def year_figure(
    year: int, context: list[ContextPassage], query: Query, terms: dict[str, float]
) -> Figure | None:
    """The figure the passages give for one year: best-covered sentence about that year."""
    best: tuple[float, Figure] | None = None
    for c in context:
        if not is_about(c, {year}, query.wants_plan):
            continue
        for sentence in c.sentences:
            found = _figure_after_term(sentence.text, terms)
            if not found:
                continue
            score = coverage(sentence.text, terms)
            figure = Figure(year, float(found[0]), found[0], found[1], sentence.text.strip(), c.n)
            if best is None or score > best[0]:
                best = (score, figure)
    return best[1] if best and best[0] >= 0.5 else None


def compare(
    query: Query, context: list[ContextPassage], terms: dict[str, float]
) -> tuple[str, list[str]] | None:
    """A Chinese answer stating both years' figures, cited, and their difference, with those
    figures as written; None when either year's figure cannot be found with confidence."""
    if not is_comparison(query) or not terms:
        return None
    figures = [year_figure(y, context, query, terms) for y in query.years]
    if any(f is None for f in figures):
        return None
    first, second = figures
    if first.unit != second.unit or first.sentence == second.sentence:
        return None
    decimals = max(len(f.text.split(".")[1]) if "." in f.text else 0 for f in figures)
    difference = round(abs(second.value - first.value), decimals)
    unit = "个百分点" if first.unit == "%" else first.unit
    higher = max(figures, key=lambda f: f.value)
    parts = [f"{f.year}年：{f.sentence.rstrip('。；;,，')}[{f.n}]" for f in figures]
    amount = f"{difference:.{decimals}f}"
    verdict = "两年相同" if difference == 0 else f"{higher.year}年较高，相差{amount}{unit}"
    return "；".join(parts) + f"。{verdict}。", [first.text, second.text, amount]
