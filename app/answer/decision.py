"""What a strategy decides, as values: the outcome, the evidence it rests on, the figures,
the model's looks. `render` turns a `Decision` into the text a user reads; the pipeline
turns it into an `Answer`. Nothing here builds user-facing text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from app.answer.candidates import Candidate
from app.answer.grounding import Commitment, Figure
from app.figures.extract import FigureRow


class Form(Enum):
    """The form of a question, named by the router from the analysed `Query`."""

    VALUE = "value"  # one figure or fact
    VALUES = "values"  # two or more figures asked in one question
    COMPARISON = "comparison"  # one indicator in two periods
    TARGET_ACTUAL = "target_actual"  # a target against the result a later report gives
    THRESHOLD = "threshold"  # yes/no against a stated number or a direction
    SERIES = "series"  # one indicator over three or more years
    OPEN = "open"  # several points: "有哪些…", "what does the plan say about…"
    OUT_OF_SCOPE = "out_of_scope"  # about years or a report the library does not hold


class Outcome(Enum):
    """How an answer was decided. The values are the strings the eval reports and the
    question log have always recorded."""

    ANSWERED = "answered"
    KEPT_CHINESE = "answered: kept in Chinese"  # an English question's rendering failed its check
    QUOTED = "quoted"  # extractive mode: the best sentence itself
    VERDICT = "verdict"  # yes/no from the chosen sentence's direction
    COMPARED = "compared"  # two periods' figures and their difference, computed
    SUMMARISED = "answered: points"  # an open question: several points, each cited
    TABULATED = "answered: table"  # figures of an indicator by year, from the figures table
    TARGET_MET = "answered: target and actual"  # both found; whether it was met computed
    TARGET_PART = "answered: target or actual"  # one found, the other said to be missing
    NO_DOCUMENT = "refused: no document covers the year"
    NO_REPORT = "refused: no such report"
    NOTHING_RETRIEVED = "refused: nothing retrieved for the period"
    NOT_ANSWERED = "refused: no sentence answers"
    UNSURE = "refused: unsure"
    MISREAD = "refused: figure not in the chosen sentence"
    PART_MISSING = "refused: a year's figure not found"
    TOO_LONG = "refused: span too long to list"  # a series of more years than it lists
    NOT_QUOTED = "refused"  # extractive mode: no sentence bears on the question enough
    NO_TOPIC = "refused: nothing about the topic"  # an open question the period does not cover

    @property
    def refused(self) -> bool:
        return self.value.startswith("refused")


@dataclass(frozen=True)
class Look:
    """One model call's committed choice, kept for the record."""

    commitment: Commitment
    superseded: bool = False  # kept for the record; the answer does not rest on it
    # What the decision to answer can read of the look (`calibration.features`) and of the
    # chosen sentence (its period tier, whether it scored best, its key-term coverage).
    features: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict:
        data = self.commitment.to_dict()
        if self.features:
            data["features"] = {k: round(v, 4) for k, v in self.features}
        return {**data, "superseded": True} if self.superseded else data


def superseded(looks: tuple[Look, ...]) -> tuple[Look, ...]:
    return tuple(replace(look, superseded=True) for look in looks)


@dataclass(frozen=True)
class Point:
    """One point of an open question's answer: the evidence it rests on, by citation number."""

    cited: tuple[int, ...]
    english: str = ""  # its checked English rendering ("" in Chinese, or when that failed)


@dataclass(frozen=True)
class Cell:
    """One year of a figures answer: the row the reports state for it (None: not stated),
    its citation numbers (the row's first, then each other document's differing figure),
    and those other rows."""

    year: int
    row: FigureRow | None
    cited: tuple[int, ...] = ()
    others: tuple[FigureRow, ...] = ()


@dataclass(frozen=True)
class Decision:
    """A strategy's result: what to say, on what evidence, and how it was decided.

    `evidence` is cited in order as [1], [2], …; for a refusal it is the nearest passage,
    pointed to and never quoted."""

    outcome: Outcome
    form: Form = Form.VALUE
    evidence: tuple[Candidate, ...] = ()
    statement: str = ""  # the model's grounded answer as it stated it, units restored
    english: str = ""  # its checked English rendering, for an English question
    verdict: bool | None = None  # a yes/no answer: does the sentence agree with the question
    figures: tuple[tuple[int, Figure], ...] = ()  # a comparison's (year, figure) pairs
    problems: tuple[str, ...] = ()
    looks: tuple[Look, ...] = ()
    second_look: bool = False  # accepted at the second look, the candidates in reverse order
    model_answer: str = ""  # the model's raw replies, for the record
    asked_years: tuple[int, ...] = ()  # out of scope: the years or report asked for
    held_years: tuple[int, ...] = ()  # out of scope: what the library holds
    points: tuple[Point, ...] = ()  # an open question's points, in the report's order
    more: int = 0  # relevant sentences not shown as points
    more_section: str = ""  # the section the first of them stands in
    topics: tuple[str, ...] = ()  # declined: the sections the period covers, nearest first
    unknown: tuple[str, ...] = ()  # declined: the question's words the library never uses
    indicator: str = ""  # a figures answer: the indicator as the reports name it
    cells: tuple[Cell, ...] = ()  # a figures answer: one cell per asked year
    grouped: tuple[str, ...] = ()  # other names of the indicator its cells were read under
    # Sentences of other documents that state the evidence's figure otherwise, cited after
    # the evidence and shown apart (`provenance`).
    conflicts: tuple[Candidate, ...] = ()

    @property
    def refused(self) -> bool:
        return self.outcome.refused

    @property
    def confidence(self) -> float | None:
        """The probability of the choice the answer rests on (None without log-probabilities)."""
        live = [look for look in self.looks if not look.superseded]
        return live[0].commitment.confidence if live else None
