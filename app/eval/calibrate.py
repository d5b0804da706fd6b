"""Calibrating the confidence thresholds on data: choose them on one half of a question
set, report the other half beside it.

An eval run made with the thresholds at 0 records, for every answer, the probability
the model gave its chosen sentence. Raising a threshold turns the answers below it into
refusals; nothing else changes. So every threshold can be scored from one run. Chinese
and English questions get a threshold each: an English question's choice among Chinese
sentences is measurably less sure.

One thing the simulation cannot see: in the service, an answer refused as unsure gets a
second look (the candidates in reverse order), which may answer it. A run at threshold 0
refuses nothing as unsure, so it takes no such looks, and the accuracy a threshold is
credited with here is a lower bound of what the service gives with it.
"""

from __future__ import annotations

from app.eval.metrics import answer_correct, evidence_spans, half
from app.text.cjk import chinese_share

GRID = [round(0.05 * i, 2) for i in range(0, 20)]
LANGUAGES = ("zh", "en")


def language(item: dict) -> str:
    return "zh" if chinese_share(item["question"]) >= 0.5 else "en"


def confidence(row: dict) -> float | None:
    """The least confidence among the model choices the row's answer rests on (None when
    it made none); a look superseded by a second look is left out."""
    values = [
        c["confidence"]
        for c in row.get("verification", {}).get("commitments", [])
        if c.get("confidence") is not None and not c.get("superseded")
    ]
    return min(values) if values else None


def correct_at(item: dict, row: dict, threshold: float) -> bool:
    """Whether the row is right once answers below the threshold become refusals."""
    p = confidence(row)
    refused = row["refused"] or (p is not None and p < threshold)
    if evidence_spans(item) is None:
        return refused
    return answer_correct(row["answer"], refused, item.get("must_include") or [])


def accuracy_at(items: list[dict], rows: list[dict], thresholds: dict[str, float] | float) -> dict:
    """Answer accuracy (answerable), refusal accuracy (unanswerable) and both together."""
    if not isinstance(thresholds, dict):
        thresholds = dict.fromkeys(LANGUAGES, thresholds)
    right = [correct_at(i, r, thresholds[language(i)]) for i, r in zip(items, rows, strict=True)]
    answerable = [ok for ok, i in zip(right, items, strict=True) if evidence_spans(i)]
    unanswerable = [ok for ok, i in zip(right, items, strict=True) if not evidence_spans(i)]
    answer_acc = sum(answerable) / len(answerable) if answerable else 0.0
    refusal_acc = sum(unanswerable) / len(unanswerable) if unanswerable else 0.0
    return {
        "answer_acc": answer_acc,
        "refusal_acc": refusal_acc,
        "overall": sum(right) / len(right) if right else 0.0,
        # answerable and unanswerable questions weigh the same, however few the latter
        "balanced": (answer_acc + refusal_acc) / 2 if answerable and unanswerable else answer_acc,
    }


def choose_threshold(items: list[dict], rows: list[dict], grid: list[float] = GRID) -> float:
    """The threshold with the best balanced accuracy (answer accuracy on answerable
    questions and refusal accuracy on unanswerable ones, weighed alike: a set has few
    unanswerable questions, and counting questions would let them count for little);
    the lowest such, to refuse least."""
    return max(grid, key=lambda t: (accuracy_at(items, rows, t)["balanced"], -t))


def choose_thresholds(items: list[dict], rows: list[dict]) -> dict[str, float]:
    """A threshold per question language, each chosen on that language's questions."""
    chosen = {}
    for lang in LANGUAGES:
        pairs = [(i, r) for i, r in zip(items, rows, strict=True) if language(i) == lang]
        chosen[lang] = (
            choose_threshold([i for i, _ in pairs], [r for _, r in pairs]) if pairs else 0.5
        )
    return chosen


def cross_halves(items: list[dict], rows: list[dict]) -> list[dict]:
    """Choose on half A and report B, then choose on B and report A."""
    parts = {}
    for name in "AB":
        keep = [half(i["id"]) == name for i in items]
        parts[name] = (
            [i for i, k in zip(items, keep, strict=True) if k],
            [r for r, k in zip(rows, keep, strict=True) if k],
        )
    report = []
    for chosen_on, reported_on in (("A", "B"), ("B", "A")):
        thresholds = choose_thresholds(*parts[chosen_on])
        report.append(
            {
                "chosen_on": chosen_on,
                "thresholds": thresholds,
                "on_chosen": accuracy_at(*parts[chosen_on], thresholds),
                "reported_on": reported_on,
                "on_reported": accuracy_at(*parts[reported_on], thresholds),
            }
        )
    return report
