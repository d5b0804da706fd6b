"""Run a question set through the service and report the metrics overall and by type."""

from __future__ import annotations

import json
import time
from pathlib import Path

from app.evaluation import by_type, latency_summary, load_questions, recall_at_k
from app.service import QAService

RECALL_KS = (1, 3, 5, 10)


def run_eval(
    service: QAService,
    *,
    questions: Path,
    out: Path,
    report: Path | None = None,
    retrieval_only: bool = True,
) -> int:
    """Write one JSON result per question to `out`, print the metrics, optionally a report."""
    from tqdm import tqdm

    items = load_questions(questions)
    rows = []
    for item in tqdm(items, desc="questions", disable=not service.settings.show_progress):
        started = time.perf_counter()
        result = service.search(item["question"], k=10)
        latency = (time.perf_counter() - started) * 1000
        retrieved = [p.to_dict() for p in result.passages]
        rows.append(
            {
                "id": item["id"],
                "question": item["question"],
                "type": item.get("type"),
                "answer": "",
                "refused": False,
                "citations": [],
                "retrieved": retrieved,
                "latency_ms": round(latency, 1),
            }
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as sink:
        for row in rows:
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")

    texts = [[p["text"] for p in row["retrieved"]] for row in rows]
    metrics = {f"recall@{k}": recall_at_k(items, texts, k) for k in RECALL_KS}
    latency = latency_summary([row["latency_ms"] for row in rows])
    lines = [f"# Evaluation of {questions} ({len(items)} questions)", ""]
    lines.append("| type | n | " + " | ".join(metrics) + " |")
    lines.append("|---|---|" + "---|" * len(metrics))
    answerable = [i for i in items if i.get("evidence") is not None]
    lines.append(
        f"| **all** | {len(answerable)} | "
        + " | ".join(f"{m['score']:.3f}" for m in metrics.values())
        + " |"
    )
    per_type = {name: by_type(items, m["individual_scores"]) for name, m in metrics.items()}
    for qtype in sorted({t for scores in per_type.values() for t in scores}):
        n = sum(1 for i in answerable if i.get("type") == qtype)
        lines.append(
            f"| {qtype} | {n} | "
            + " | ".join(f"{per_type[name][qtype]:.3f}" for name in metrics)
            + " |"
        )
    lines.append("")
    lines.append(f"Search latency: median {latency['median_ms']} ms, p90 {latency['p90_ms']} ms.")
    misses = [
        item["id"]
        for item, score in zip(items, metrics["recall@5"]["individual_scores"], strict=True)
        if score == 0.0
    ]
    lines.append(f"Missed at 5: {', '.join(misses) or 'none'}.")
    text = "\n".join(lines)
    print(text)
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(text + "\n", encoding="utf-8")
    return 0
