"""Structural grounding: the model's committed choice, and what its answer may say.

The model opens its reply with the number of the candidate sentence that answers
("[2] …", "[0]" for none); its probability, read from the token log-probabilities, is
the confidence. The answer is then checked against that one sentence: every figure it
states must occur in the sentence as written (units included), a question asking
for a figure must get one, and the figures the question itself states about what it
asks (PM2.5, 10个重点项目, 百万级项目) must stand in the sentence's passage, and so must
one of the reports' own indicator names the question uses (商品销售总额: not answered
from the 社会消费品零售总额 sentence). Nothing else matches the question's words against
the passage: which sentence answers is the model's call, measured by its confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.answer.candidates import Candidate
from app.domain import Query
from app.retrieve.indicators import names_in
from app.text.markers import strip_markers
from app.text.numbers import (
    FIGURE_WITH_UNIT,
    contains_number,
    han_numbers,
    is_number,
    normalise_digits,
    numbers_in,
    plain,
)
from app.text.units import wrong_kind
from app.text.years import YEAR, mentioned_years, without_plan_names

_REFUSAL = re.compile(
    r"未提及|没有提及|未提到|没有提到|未给出|没有给出|无法回答|没有相关|"
    r"do(?:es)? not (?:say|mention|give|state)|not mentioned|no information",
    re.I,
)
_LEAD = re.compile(r"^\s*\[\s*(\d)\s*\]\s*")
_ENGLISH_AMOUNT = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<scale>billion|million|thousand)"
    r"(?:\s*(?:yuan|RMB|US dollars|dollars|USD))?",
    re.I,
)
UP = re.compile(r"增长|提高|提升|增加|上升")
DOWN = re.compile(r"下降|减少|降低|回落|下滑")


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL.search(text))


def parse_reply(raw: str) -> tuple[int | None, str]:
    """The reply's leading choice ("[2] …" → 2) and the answer text after it."""
    match = _LEAD.match(raw)
    if not match:
        return None, raw.strip()
    return int(match.group(1)), raw[match.end() :].strip()


@dataclass
class Commitment:
    """Which candidate the model says answers (0: none), with the probability of each."""

    choice: int | None
    probs: dict[int, float] = field(default_factory=dict)

    @property
    def confidence(self) -> float | None:
        """The probability of the choice, or None when the backend gave no log-probabilities."""
        if self.choice is None or not self.probs:
            return None
        return self.probs.get(self.choice, 0.0)

    @property
    def p_none(self) -> float | None:
        return self.probs.get(0) if self.probs else None

    def to_dict(self) -> dict:
        return {
            "choice": self.choice,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "p_none": None if self.p_none is None else round(self.p_none, 4),
            "probs": {str(k): round(v, 4) for k, v in sorted(self.probs.items())},
        }


SCALES = {"billion": 1e9, "million": 1e6, "thousand": 1e3}
_CHINESE_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(亿|万)(美元|元)?")
CHINESE_SCALES = {"亿": 1e8, "万": 1e4}


def fix_units(answer: str, shown: str) -> str:
    """An English amount written back as the report gives it: "5 billion yuan" where the
    report says 50亿元 (the same amount), or "300 billion yuan" where it says 300亿元 (the
    number copied and 亿, 10^8, misread as billion)."""
    amounts = [
        (float(m.group(1)) * CHINESE_SCALES[m.group(2)], m.group(1), m.group(0))
        for m in _CHINESE_AMOUNT.finditer(plain(shown))
    ]

    def repair(match: re.Match) -> str:
        number, scale = match["n"], match["scale"].lower()
        value = float(number) * SCALES[scale]
        for amount, _, written in amounts:
            if abs(amount - value) <= 1e-9 * value:
                return written
        for _, written_number, written in amounts:
            if written_number == number:
                return written
        return match.group(0)

    return _ENGLISH_AMOUNT.sub(repair, answer)


def scaled_amounts(answer: str) -> list[str]:
    """English amounts with a scale word ("12 billion", "3 million yuan") left in an answer
    after `fix_units`: none of them matched an amount of the sentence, so the scale was
    made up in translation ("亿元级项目12个" rendered as "12 billion yuan-level projects")."""
    return [match.group(0) for match in _ENGLISH_AMOUNT.finditer(answer)]


def exempt_numbers(query: Query, candidate: Candidate) -> set[str]:
    """Numbers an answer may state without the sentence holding them: the question's own,
    and the years the candidate's section is about or names."""
    chunk = candidate.passage.chunk
    years = chunk.years + chunk.mentioned_years + query.years
    years += mentioned_years(candidate.text, candidate.passage.delivered)
    return set(numbers_in(query.text)) | {str(y) for y in years}


def figures(text: str, query: Query, candidate: Candidate) -> list[str]:
    """The figures an answer states, years and the question's own numbers left out."""
    exempt = exempt_numbers(query, candidate)
    return [n for n in numbers_in(strip_markers(text)) if n not in exempt]


_MAGNITUDE = re.compile(r"[十百千万亿]+元?级")  # 百万级, 亿元级: a figure written in words


def qualifiers(query: Query) -> list[str]:
    """The figures a question states about what it asks ("PM2.5", "10个重点项目", "百万级
    项目"), years and plans' ordinals ("the 14th Five-Year Plan") left out: the evidence
    must be about them. In a yes/no or comparison
    question a number is the claim to check ("是否超过1000亿元"), not the subject."""
    text = without_plan_names(" ".join(t for t in (query.text, query.translation) if t))
    years = set(YEAR.findall(normalise_digits(text)))
    claims = query.yes_no or query.comparison_cue
    found = [] if claims else [n for n in numbers_in(text) if n not in years]
    found += _MAGNITUDE.findall(text)
    return list(dict.fromkeys(found))


def _asked(kind: str) -> str:
    return "a count" if kind == "count" else f"an amount of {kind}"


def ground(text: str, query: Query, candidate: Candidate) -> list[str]:
    """What is wrong with an answer that cites `candidate` (empty when it is grounded)."""
    chunk = candidate.passage.chunk
    passage = f"{plain(chunk.section)}\n{plain(chunk.text)}"  # a heading may name the subject
    problems = [
        f"the question's {q} is not in the passage of the chosen sentence [{candidate.n}]"
        for q in qualifiers(query)
        if not (contains_number(passage, q) if is_number(q) else q in passage)
    ]
    named = [*query.indicators, *query.indicator_words]
    if query.indicators and not any(names_in(name, passage) for name in named):
        problems.append(
            f"the question asks about {'/'.join(query.indicators)}, which the passage of"
            f" the chosen sentence [{candidate.n}] does not name"
        )
    stated = figures(text, query, candidate)
    for number in stated:
        if not contains_number(candidate.text, number):
            problems.append(f"the number {number} is not in the chosen sentence [{candidate.n}]")
    other = wrong_kind(query.asked_kind, stated, strip_markers(text))
    if other and not problems:
        problems.append(
            f"the question asks for {_asked(query.asked_kind)} and the answer's figures"
            f" ({', '.join(other)}) are of another kind"
        )
    if query.asks_figure and not stated and not figures(candidate.text, query, candidate):
        problems.append("the question asks for a figure and the chosen sentence gives none")
    elif query.asks_figure and not stated:
        problems.append("the question asks for a figure and the answer gives none")
    return problems


@dataclass
class Figure:
    """One figure as the chosen sentence gives it: value, the number as written, unit."""

    value: float
    text: str
    unit: str
    candidate: Candidate

    @property
    def written(self) -> str:
        return f"{self.text}{self.unit}"


def figure_in(answer: str, query: Query, candidate: Candidate) -> Figure | None:
    """The first figure of the answer that the chosen sentence holds, with its unit there."""
    sentence = han_numbers(plain(candidate.text))
    for number in figures(answer, query, candidate):
        if not contains_number(sentence, number):
            continue
        for match in FIGURE_WITH_UNIT.finditer(sentence):
            if match.group(1) == number:
                unit = match.group(2).replace("％", "%")
                return Figure(float(number), number, unit, candidate)
    return None


def direction(text: str) -> int:
    """+1 when the text says something rose, -1 when it fell, 0 when it says neither."""
    down, up = DOWN.search(text), UP.search(text)
    if down and (not up or down.start() < up.start()):
        return -1
    return 1 if up else 0


_CLAUSE_END = re.compile(r"[，,；;。：:！!？?（）()]")
_LOOSE = re.compile(r"[\s“”\"'‘’「」、]")


def _clauses_stating(sentence: str, numbers: list[str]) -> list[str] | None:
    """The clause of the sentence that states each number, loosely written (no spaces or
    quotes), or None when one of them stands in no clause of it."""
    clauses = [_LOOSE.sub("", c) for c in _CLAUSE_END.split(plain(sentence))]
    found = []
    for number in numbers:
        clause = next((c for c in clauses if contains_number(c, number)), None)
        if clause is None:
            return None
        found.append(clause)
    return found


def pooled(
    commitment: Commitment, text: str, query: Query, candidates: list[Candidate]
) -> Commitment:
    """The commitment with its choice's probability pooled over the candidates that state
    the answer's figures in the chosen sentence's own clauses ("五年累计增加公共文化服务
    设施13万平方米" in a report and in a feature that restates it): two documents stating one
    figure split the model's choice between them, and neither half alone is sure."""
    by_n = {c.n: c for c in candidates}
    chosen = by_n.get(commitment.choice or 0)
    if chosen is None or not commitment.probs:
        return commitment
    clauses = _clauses_stating(chosen.text, figures(text, query, chosen))
    if not clauses:
        return commitment
    probs = dict(commitment.probs)
    for c in candidates:
        loose = _LOOSE.sub("", plain(c.text))
        if c.n != chosen.n and all(clause in loose for clause in clauses):
            probs[chosen.n] = probs.get(chosen.n, 0.0) + probs.pop(c.n, 0.0)
    return Commitment(commitment.choice, probs)
