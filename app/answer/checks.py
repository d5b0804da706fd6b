"""Check an answer before it is returned: citations, numbers, key terms and years.

- every [n] refers to a passage that was given;
- every number in the answer occurs in the text shown from a passage it cites, or, for
  a comparison question, is the difference or sum of two such numbers; years the
  question or the passage's period names are exempt;
- the sentence holding the number in the passage also holds what the answer says the
  number is (the key terms of the answer's clause), so that a figure about something
  else ("17.1亿美元 实到外资") is not returned as the GDP;
- a cited passage is about a year the question asks about, and about what happened
  (a review) unless the question asks for a target (a plan).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.answer.context import ContextPassage
from app.domain import Query
from app.retrieve.query import key_terms, term_weights
from app.text.cjk import has_han
from app.text.markers import citation_numbers, strip_markers
from app.text.numbers import contains_number, derived, numbers_in, plain
from app.text.sentences import split_sentences

_REFUSAL = re.compile(
    r"未提及|没有提及|未提到|没有提到|未给出|没有给出|无法回答|"
    r"do(?:es)? not (?:say|mention|give|state)|not mentioned|no information",
    re.I,
)
_CLAUSE = re.compile(r"[^。；，,;：:！？!?\n]+")
UNITS = frozenset(
    [
        "亿元",
        "万元",
        "元",
        "亿美元",
        "万美元",
        "美元",
        "亿",
        "万",
        "千",
        "百",
        "家",
        "个",
        "台",
        "套",
        "间",
        "公顷",
        "平方米",
        "万平方米",
        "平方公里",
        "公里",
        "米",
        "亩",
        "人",
        "人次",
        "项",
        "例",
        "倍",
        "幅",
        "条",
        "所",
        "座",
        "幢",
        "栋",
        "件",
        "岁",
        "天",
        "年",
        "月",
        "日",
        "百分点",
        "个百分点",
    ]
)
ENGLISH_CLOSENESS = 0.6  # normalised question similarity of the sentence holding a number
NEAR_COVERAGE = 0.5  # share of the claimed (or asked) terms' weight the number's sentence must hold
QUESTION_COVERAGE = 0.25  # share of the question's terms the figure's sentence must hold
QUOTE_COVERAGE = 0.75  # share of the question's key terms a quoted answer must hold


@dataclass
class Verification:
    ok: bool
    problems: list[str] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)


def is_refusal(answer: str) -> bool:
    return bool(_REFUSAL.search(answer))


def sentences_with(text: str, number: str) -> list[str]:
    """The sentences of a passage that hold the number."""
    return [s.text for s in split_sentences(plain(text)) if contains_number(s.text, number)]


def claimed_terms(answer: str, number: str, idf: dict[str, float] | None) -> dict[str, float]:
    """The key terms of the answer's clause around the number: what it says the number is."""
    for clause in _CLAUSE.findall(plain(strip_markers(answer))):
        if contains_number(clause, number):
            # Chinese words only: an English clause's words cannot be found in the reports.
            terms = [t for t in key_terms(clause) if t not in UNITS and has_han(t)]
            return term_weights(terms, idf)
    return {}


def coverage(text: str, terms: dict[str, float]) -> float:
    total = sum(terms.values())
    if not total:
        return 1.0
    lowered = text.lower()
    return sum(w for t, w in terms.items() if t in lowered) / total


def _supports(sentence: str, claimed: dict[str, float], question_terms: dict[str, float]) -> bool:
    """Whether the sentence holding a number backs the answer's use of it.

    It must hold what the answer's clause (or the question) says the number is, and
    something of what the question asks about: an answer that quotes a true figure
    about green space to a question about listed companies is no answer.
    """
    near_claim = coverage(sentence, claimed) if claimed else 0.0
    near_question = coverage(sentence, question_terms) if question_terms else 1.0
    return max(near_claim, near_question if question_terms else 0.0) >= NEAR_COVERAGE and (
        near_question >= QUESTION_COVERAGE
    )


def is_about(c: ContextPassage, asked: set[int], wants_plan: bool) -> bool:
    """Whether a passage is about the asked year(s).

    One year asked: the section is about that year alone (a five-year summary is not
    about any single year), or the passage names it ("2023年", or "去年" in a report
    of 2024). A plan is not about what happened in its year. Several years: any overlap.
    """
    chunk = c.passage.chunk
    if len(asked) > 1:
        return bool(asked & (set(chunk.years) | set(chunk.mentioned_years)))
    (year,) = asked
    if year in chunk.mentioned_years:
        return True
    if year not in chunk.years or len(chunk.years) > 2:
        return False
    return not (chunk.phase == "plan" and not wants_plan)


def _number_problem(
    number: str,
    answer: str,
    query: Query,
    context: list[ContextPassage],
    cited_passages: list[ContextPassage],
    question_terms: dict[str, float],
    idf: dict[str, float] | None,
    refusal: bool,
) -> str | None:
    """What is wrong with one figure of the answer, or None when its citation backs it."""
    holders = [c for c in cited_passages if contains_number(c.text, number)]
    if holders and query.years and not refusal:
        # The figure itself must come from a passage about the asked year, not
        # from another cited passage ("五年新增…27家" is no answer for 2023).
        asked = set(query.years)
        if not any(is_about(c, asked, query.wants_plan) for c in holders):
            return f"the number {number} comes from a passage about another period"
    if not holders:
        # Only a question comparing two named years may state the difference of two
        # figures it was shown.
        if query.compares_years and derived(number, [c.text for c in context]):
            return None
        return f"the number {number} is in no cited passage"
    claimed = claimed_terms(answer, number, idf) if has_han(answer) else {}
    if not claimed and not question_terms:
        # English on both sides: no words to look up, so the sentence holding the
        # number must be among those most similar to the question.
        closeness = max(
            (x.coverage for c in holders for x in c.sentences if contains_number(x.text, number)),
            default=0.0,
        )
        if closeness < ENGLISH_CLOSENESS:
            return f"the number {number} comes from a sentence far from the question"
        return None
    # The number's sentence holds what the answer's clause says it is, or what the
    # question asks about.
    sentences = [x for c in holders for x in sentences_with(c.text, number)]
    if not any(_supports(x, claimed, question_terms) for x in sentences):
        return f"the number {number} is not about what the answer says it is"
    return None


def verify(
    answer: str,
    query: Query,
    context: list[ContextPassage],
    question_terms: dict[str, float],
    *,
    idf: dict[str, float] | None = None,
    quoted: bool = False,
) -> Verification:
    """Check citations, numbers, key terms and years of an answer; list what is wrong.

    `quoted` answers (extractive quotes) hold their passages' numbers verbatim: they are
    checked for relevance to the question instead of number by number.
    """
    problems: list[str] = []
    cited = citation_numbers(answer)
    by_n = {c.n: c for c in context}
    for n in cited:
        if n not in by_n:
            problems.append(f"cites [{n}], which was not given")
    cited_passages = [by_n[n] for n in cited if n in by_n]
    refusal = is_refusal(answer)
    if not cited_passages and not refusal:
        problems.append("cites no passage")
    shown = [c.text for c in cited_passages]
    exempt = set(numbers_in(query.text))
    for c in cited_passages:
        exempt.update(str(y) for y in c.passage.chunk.years + c.passage.chunk.mentioned_years)
    if quoted:
        if not question_terms:
            problems.append("a quote cannot be checked against a question with no Chinese terms")
        elif coverage("".join(shown), question_terms) < QUOTE_COVERAGE:
            problems.append("the quoted sentences hold too few of the question's terms")
    else:
        for number in numbers_in(strip_markers(answer)):
            if number in exempt:
                continue
            problem = _number_problem(
                number, answer, query, context, cited_passages, question_terms, idf, refusal
            )
            if problem:
                problems.append(problem)
    if not refusal and not quoted and query.asks_figure:
        figures = [n for n in numbers_in(strip_markers(answer)) if n not in exempt]
        if not figures:
            problems.append("the question asks for a figure and the answer gives none")
    if query.years and cited_passages and not refusal:
        asked = set(query.years)
        if not any(is_about(c, asked, query.wants_plan) for c in cited_passages):
            kind = "targets for" if query.wants_plan else "what happened in"
            problems.append(f"no cited passage is about {kind} {sorted(asked)}")
    return Verification(ok=not problems, problems=problems, cited=[n for n in cited if n in by_n])
