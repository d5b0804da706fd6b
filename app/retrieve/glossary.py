"""A bilingual glossary: the English words readers use for the reports' Chinese terms.

The reports are Chinese; an English question names their indicators in words a small
model may translate loosely ("GDP" → "国内生产总值", where the reports say 地区生产总值).
The glossary (`prompts/glossary.tsv`, editable data) is consulted twice for an English
question: the entries it holds are shown to the model that translates it, and their
Chinese terms are added to its search, so the reports' own words are found even when the
translation misses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Glossary:
    """English variants (lower case) → the reports' Chinese term."""

    terms: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        variants = sorted(self.terms, key=len, reverse=True)  # the longest variant wins
        alternation = "|".join(re.escape(v) for v in variants)
        pattern = re.compile(rf"\b(?:{alternation})(?:e?s)?\b", re.I) if variants else None
        object.__setattr__(self, "_pattern", pattern)

    def find(self, text: str) -> list[tuple[str, str]]:
        """The (English as written, Chinese) entries a text holds, in text order, once each."""
        if self._pattern is None:
            return []
        found: list[tuple[str, str]] = []
        for match in self._pattern.finditer(text):
            chinese = self._chinese(match.group(0))
            if chinese and all(chinese != c for _, c in found):
                found.append((match.group(0), chinese))
        return found

    def _chinese(self, written: str) -> str | None:
        lowered = written.lower()
        for candidate in (lowered, lowered[:-1], lowered[:-2]):
            if candidate in self.terms:
                return self.terms[candidate]
        return None


def parse_glossary(text: str) -> Glossary:
    """Entries from the file's lines: `variant|variant<TAB>中文`; "#" starts a comment."""
    terms: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        english, sep, chinese = line.partition("\t")
        if not sep or not chinese.strip():
            raise ValueError(f"glossary line {number}: expected 'English<TAB>中文', got {line!r}")
        for variant in english.split("|"):
            variant = variant.strip().lower()
            if not variant:
                continue
            terms[variant] = chinese.strip()
            if variant.endswith("s") and len(variant) > 3:  # "charging points" → "charging point"
                terms.setdefault(variant[:-1], chinese.strip())
    return Glossary(terms)


def load_glossary(path: Path) -> Glossary:
    """The glossary file, or an empty glossary when there is none."""
    if not path.is_file():
        return Glossary()
    return parse_glossary(path.read_text(encoding="utf-8"))
