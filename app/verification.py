"""Check an answer before it is returned: citations, numbers, key terms and years.

- every [n] refers to a passage that was given;
- every number in the answer occurs in a passage it cites (years the question or the
  passage's period names are exempt);
- the cited passage holds the question's key terms near that number, so that a
  figure about something else ("17.1亿美元 实到外资") is not returned as the GDP;
- a cited passage is about a year the question asks about.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from app.context import ContextPassage
from app.years import YearQuery

_MARKER = re.compile(r"\[(\s*\d+(?:\s*[,，、]\s*\d+)*\s*)\]")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:,\d{3})*(?:\.\d+)?(?![\d])")
_REFUSAL = re.compile(
    r"未提及|没有提及|未提到|没有提到|未给出|没有给出|无法回答|do(?:es)? not (?:say|mention|give|state)|not mentioned|no information",
    re.I,
)
NEAR_CHARS = 40
NEAR_COVERAGE = 0.5  # share of the question's key-term weight that must stand near a figure


@dataclass
class Verification:
    ok: bool
    problems: list[str] = field(default_factory=list)
    cited: list[int] = field(default_factory=list)


def normalise_digits(text: str) -> str:
    """Full-width digits and punctuation to ASCII (NFKC) for number comparison."""
    return unicodedata.normalize("NFKC", text)


def citation_numbers(answer: str) -> list[int]:
    """The passage numbers cited by [n] / [n, m] markers, in order of first use."""
    found: list[int] = []
    for group in _MARKER.findall(answer):
        for part in re.split(r"[,，、]", group):
            n = int(part.strip())
            if n not in found:
                found.append(n)
    return found


def strip_markers(answer: str) -> str:
    return _MARKER.sub("", answer)


def numbers_in(text: str) -> list[str]:
    """Numbers as written, thousands separators removed: '1,500' → '1500'."""
    return [n.replace(",", "") for n in _NUMBER.findall(normalise_digits(text))]


def contains_number(text: str, number: str) -> bool:
    """Whether `number` occurs in text as a whole number (not inside 2011 or 11.5)."""
    pattern = rf"(?<![\d.]){re.escape(number)}(?![\d]|\.\d)"
    return re.search(pattern, normalise_digits(text).replace(",", "")) is not None


def is_refusal(answer: str) -> bool:
    return bool(_REFUSAL.search(answer))


def _near(text: str, number: str, terms: dict[str, float]) -> bool:
    """Whether most of the key terms' weight stands within NEAR_CHARS of the number."""
    plain = normalise_digits(text).replace(",", "").lower()
    total = sum(terms.values()) or 1.0
    for match in re.finditer(rf"(?<![\d.]){re.escape(number)}(?![\d]|\.\d)", plain):
        window = plain[max(0, match.start() - NEAR_CHARS) : match.end() + NEAR_CHARS]
        if sum(w for t, w in terms.items() if t in window) / total >= NEAR_COVERAGE:
            return True
    return False


def is_about(c: ContextPassage, asked: set[int]) -> bool:
    """Whether a passage is about the asked year(s).

    One year asked: the passage's section is about that year alone (a review or a
    plan; a five-year summary is not about any single year), or the passage names it.
    Several years asked: any overlap.
    """
    chunk = c.passage.chunk
    if len(asked) == 1:
        (year,) = asked
        return (year in chunk.years and len(chunk.years) <= 2) or year in chunk.mentioned_years
    return bool(asked & (set(chunk.years) | set(chunk.mentioned_years)))


def verify(
    answer: str,
    question: str,
    context: list[ContextPassage],
    years: YearQuery,
    key_terms: dict[str, float],
) -> Verification:
    """Check citations, numbers, key terms and years of an answer; list what is wrong."""
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
    exempt = set(numbers_in(question))
    for c in cited_passages:
        exempt.update(str(y) for y in c.passage.chunk.years)
    if context:
        exempt.update(str(n) for n in range(1, len(context) + 1))  # stray marker-like numbers
    for number in numbers_in(strip_markers(answer)):
        if number in exempt:
            continue
        holders = [c for c in cited_passages if contains_number(c.passage.chunk.text, number)]
        if not holders:
            problems.append(f"the number {number} is in no cited passage")
            continue
        if key_terms and not any(_near(c.passage.chunk.text, number, key_terms) for c in holders):
            problems.append(f"the number {number} stands near none of the question's terms")
    if years.years and cited_passages and not refusal:
        asked = set(years.years)
        if not any(is_about(c, asked) for c in cited_passages):
            problems.append(f"no cited passage is about {sorted(asked)}")
    return Verification(ok=not problems, problems=problems, cited=[n for n in cited if n in by_n])
