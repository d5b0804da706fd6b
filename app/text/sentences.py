"""Sentences: the one splitter, used for context selection, sentence vectors and checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE = re.compile(r"[^。；！？!?;\n]+[。；！？!?;]?")


@dataclass
class Sentence:
    text: str
    start: int  # offsets within the text it was split from
    end: int
    score: float = 0.0
    coverage: float = 0.0  # share of the question's key terms (or similarity) it holds


def split_sentences(text: str) -> list[Sentence]:
    """Sentences (with their end mark) at 。；！？ and line ends; blank pieces dropped."""
    return [
        Sentence(m.group(0), m.start(), m.end())
        for m in _SENTENCE.finditer(text)
        if m.group(0).strip()
    ]
