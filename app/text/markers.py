"""Citation markers: `[1]`, `[1, 2]`, `[1，3]` in answers (the page's app.js mirrors this)."""

from __future__ import annotations

import re

MARKER = re.compile(r"\[(\s*\d+(?:\s*[,，、]\s*\d+)*\s*)\]")


def citation_numbers(answer: str) -> list[int]:
    """The passage numbers cited by [n] / [n, m] markers, in order of first use."""
    found: list[int] = []
    for group in MARKER.findall(answer):
        for part in re.split(r"[,，、]", group):
            n = int(part.strip())
            if n not in found:
                found.append(n)
    return found


def strip_markers(answer: str) -> str:
    return MARKER.sub("", answer)
