"""Repairs of a model answer that failed its checks: a mistranslated unit, missing citations.

Each repair returns a new answer text; the answerer checks it again before using it.
"""

from __future__ import annotations

import re

from app.answer.context import ContextPassage
from app.text.markers import citation_numbers, strip_markers
from app.text.numbers import contains_number, numbers_in

_ENGLISH_AMOUNT = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<scale>billion|million)\s*(?P<unit>yuan|RMB|US dollars|dollars|USD)?",
    re.I,
)


def fix_units(answer: str, context: list[ContextPassage]) -> str:
    """Undo a mistranslated unit: "300 billion yuan" where the report says 300亿元 (3×10^10).

    The number was copied but 亿 (10^8) was read as billion (10^9); the answer gets the
    report's own figure back.
    """
    shown = " ".join(c.text for c in context)

    def repair(match: re.Match) -> str:
        number, unit = match["n"], (match["unit"] or "").lower()
        chinese_scale = "亿" if match["scale"].lower() == "billion" else "万"
        currency = "美元" if "dollar" in unit or unit == "usd" else ("元" if unit else "")
        if re.search(rf"(?<![\d.]){re.escape(number)}\s*{chinese_scale}", shown):
            return f"{number}{chinese_scale}{currency}"
        return match.group(0)

    return _ENGLISH_AMOUNT.sub(repair, answer)


def recite(answer: str, context: list[ContextPassage]) -> str:
    """Repair missing citations: cite the shown passages that hold the answer's numbers,
    or, for an answer without numbers, the passage it shares the most text with."""
    cited = set(citation_numbers(answer))
    wanted: list[int] = []
    for number in numbers_in(strip_markers(answer)):
        if any(contains_number(c.text, number) for c in context if c.n in cited):
            continue
        for c in context:
            if contains_number(c.text, number) and c.n not in wanted:
                wanted.append(c.n)
                break
    if not cited and not wanted and context:

        def overlap(c: ContextPassage) -> int:
            grams = {c.text[i : i + 2] for i in range(len(c.text) - 1)}
            return sum(answer[i : i + 2] in grams for i in range(len(answer) - 1))

        best = max(context, key=overlap)
        if overlap(best) >= 4:
            wanted.append(best.n)
    if not wanted:
        return answer
    body = answer.rstrip()
    end = body[-1] if body and body[-1] in "。.!！" else ""
    body = body[: len(body) - len(end)] if end else body
    return body + "".join(f"[{n}]" for n in wanted) + end
