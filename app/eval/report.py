"""The Markdown report of an evaluation run: answers and retrieval, overall and by type."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from app.eval.metrics import (
    answer_accuracy,
    by_type,
    citation_accuracy,
    false_refusal_rate,
    figures_outside_citations,
    half,
    latency_summary,
    recall_at_k,
    refusal_accuracy,
    refusals_quoting_evidence,
)

RECALL_KS = (1, 3, 5, 10)


def _table(items: list[dict], metrics: dict[str, dict]) -> list[str]:
    lines = ["| type | n | " + " | ".join(metrics) + " |", "|---|---|" + "---|" * len(metrics)]
    overall = " | ".join(f"{m['score']:.3f}" for m in metrics.values())
    lines.append(f"| **all** | {len(items)} | {overall} |")
    per_type = {name: by_type(items, m["individual_scores"]) for name, m in metrics.items()}
    for qtype in sorted({i.get("type", "untyped") for i in items}):
        n = sum(1 for i in items if i.get("type") == qtype)
        cells = [
            f"{per_type[name][qtype]:.3f}" if qtype in per_type[name] else "–" for name in metrics
        ]
        lines.append(f"| {qtype} | {n} | " + " | ".join(cells) + " |")
    return lines


def _halves(items: list[dict], metrics: dict[str, dict]) -> list[str]:
    """The metrics on each fixed half of the question set (choose on one, report the other)."""
    lines = ["| half | n | " + " | ".join(metrics) + " |", "|---|---|" + "---|" * len(metrics)]
    for name in "AB":
        keep = [half(i["id"]) == name for i in items]
        cells = []
        for m in metrics.values():
            scores = [s for s, k in zip(m["individual_scores"], keep, strict=True) if k]
            counted = [s for s in scores if s is not None]
            cells.append(f"{sum(counted) / len(counted):.3f}" if counted else "–")
        lines.append(f"| {name} | {sum(keep)} | " + " | ".join(cells) + " |")
    return lines


def render_report(
    items: list[dict], rows: list[dict], *, title: str, with_answers: bool = True
) -> str:
    """The report: answer metrics (unless a retrieval-only run), retrieval recall, latency."""
    texts = [[p["text"] for p in row["retrieved"]] for row in rows]
    recall = {f"recall@{k}": recall_at_k(items, texts, k) for k in RECALL_KS}
    latency = latency_summary([row["latency_ms"] for row in rows])
    lines = [f"# Evaluation of {title}", ""]
    if with_answers:
        answers = {
            "answer_acc": answer_accuracy(items, rows),
            "citation_acc": citation_accuracy(items, rows),
            "refusal_acc": refusal_accuracy(items, rows),
            "false_refusal": false_refusal_rate(items, rows),
        }
        lines += ["## Answers", ""] + _table(items, answers) + [""]
        lines += _halves(items, answers) + [""]
        outcomes = Counter(str(r["verification"].get("outcome")) for r in rows)
        checked = {r["id"]: figures_outside_citations(r, r["question"]) for r in rows}
        quoting = refusals_quoting_evidence(items, rows)
        quoted_ids = [
            i["id"] for i, s in zip(items, quoting["individual_scores"], strict=True) if s
        ]
        unsupported = {k: v[0] for k, v in checked.items() if v[0]}
        computed = {k: v[1] for k, v in checked.items() if v[1]}
        wrong = [
            i["id"]
            for i, s in zip(items, answers["answer_acc"]["individual_scores"], strict=True)
            if s == 0.0
        ]
        looked = [r for r in rows if _second_look_taken(r)]
        answered_again = [r["id"] for r in looked if r["verification"].get("looks") == 2]
        lines += [
            f"Outcomes: {dict(outcomes)}.",
            f"Second looks (the candidates reversed after a refused choice): {len(looked)},"
            f" {len(answered_again)} of them answered {answered_again or ''}".rstrip()
            + ".",
            f"Answers with a figure not in the sentence they cite: {unsupported or 'none'}"
            f" (differences computed from two cited figures: {computed or 'none'}).",
            f"Refusals that quote their own evidence: {len(quoted_ids)} {quoted_ids or ''}".rstrip()
            + ".",
            f"Wrong or refused answerable questions: {', '.join(wrong) or 'none'}.",
            "",
        ]
    lines += ["## Retrieval", ""] + _table(items, recall) + [""]
    lines.append(
        f"Latency per question: median {latency['median_ms']} ms, p90 {latency['p90_ms']} ms."
    )
    misses = [
        item["id"]
        for item, score in zip(items, recall["recall@5"]["individual_scores"], strict=True)
        if score == 0.0
    ]
    lines.append(f"Evidence missed in the top 5: {', '.join(misses) or 'none'}.")
    return "\n".join(lines)


def _second_look_taken(row: dict) -> bool:
    verification = row.get("verification") or {}
    commitments = verification.get("commitments") or []
    return verification.get("looks") == 2 or any(c.get("superseded") for c in commitments)


def publish(text: str, report: Path | None) -> None:
    """Print a report and, when a path is given, write it there."""
    print(text)
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(text + "\n", encoding="utf-8")
