"""Calibrating the confidence threshold on data: choose it on one half of a question set,
report the other half beside it.

An eval run made with the threshold at 0 records, for every answer, the probability the
model gave its chosen sentence. Raising the threshold turns the answers below it into
refusals; nothing else changes. So every threshold can be scored from one run.
"""

from __future__ import annotations

from app.eval.metrics import answer_correct, evidence_spans, half

GRID = [round(0.05 * i, 2) for i in range(0, 20)]


def confidence(row: dict) -> float | None:
    """The least confidence among the row's model choices (None when it made none)."""
    values = [
        c["confidence"]
        for c in row.get("verification", {}).get("commitments", [])
        if c.get("confidence") is not None
    ]
    return min(values) if values else None


def correct_at(item: dict, row: dict, threshold: float) -> bool:
    """Whether the row is right once answers below the threshold become refusals."""
    p = confidence(row)
    refused = row["refused"] or (p is not None and p < threshold)
    if evidence_spans(item) is None:
        return refused
    return answer_correct(row["answer"], refused, item.get("must_include") or [])


def accuracy_at(items: list[dict], rows: list[dict], threshold: float) -> dict:
    """Answer accuracy (answerable), refusal accuracy (unanswerable) and both together."""
    answerable = [(i, r) for i, r in zip(items, rows, strict=True) if evidence_spans(i)]
    unanswerable = [(i, r) for i, r in zip(items, rows, strict=True) if not evidence_spans(i)]

    def share(pairs):
        return sum(correct_at(i, r, threshold) for i, r in pairs) / len(pairs) if pairs else 0.0

    overall = sum(correct_at(i, r, threshold) for i, r in zip(items, rows, strict=True))
    return {
        "answer_acc": share(answerable),
        "refusal_acc": share(unanswerable),
        "overall": overall / len(items) if items else 0.0,
    }


def choose_threshold(items: list[dict], rows: list[dict], grid: list[float] = GRID) -> float:
    """The threshold with the most questions right (the lowest such, to refuse least)."""
    return max(grid, key=lambda t: (accuracy_at(items, rows, t)["overall"], -t))


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
        threshold = choose_threshold(*parts[chosen_on])
        report.append(
            {
                "chosen_on": chosen_on,
                "threshold": threshold,
                "on_chosen": accuracy_at(*parts[chosen_on], threshold),
                "reported_on": reported_on,
                "on_reported": accuracy_at(*parts[reported_on], threshold),
            }
        )
    return report
