"""Run a question set through the service and report the metrics overall and by type."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from app.eval.metrics import (
    answer_accuracy,
    by_type,
    citation_accuracy,
    false_refusal_rate,
    latency_summary,
    load_questions,
    recall_at_k,
    refusal_accuracy,
)
from app.service import QAService
from app.text.markers import strip_markers
from app.text.numbers import contains_number, derived, numbers_in

RECALL_KS = (1, 3, 5, 10)


def _row_from_search(service: QAService, item: dict) -> dict:
    started = time.perf_counter()
    result = service.search(item["question"], k=10)
    latency = (time.perf_counter() - started) * 1000
    return {
        "answer": "",
        "refused": False,
        "citations": [],
        "retrieved": [p.to_dict() for p in result.passages],
        "latency_ms": round(latency, 1),
    }


def _row_from_answer(service: QAService, item: dict, mode: str | None) -> dict:
    started = time.perf_counter()
    answer = service.ask(item["question"], mode=mode)
    latency = (time.perf_counter() - started) * 1000
    return {
        "answer": answer.answer,
        "refused": answer.refused,
        "citations": answer.citations,
        "retrieved": answer.retrieved[:10],
        "source_note": answer.source_note,
        "verification": answer.verification,
        "latency_ms": round(latency, 1),
    }


def unsupported_numbers(row: dict, question: str) -> tuple[list[str], list[str]]:
    """Numbers in an answer that no cited passage contains (should be none), and those
    that are the difference or sum of two cited figures (a comparison's computed result)."""
    cited = [c["text"] for c in row["citations"]]
    exempt = set(numbers_in(question)) | {str(y) for c in row["citations"] for y in c["years"]}
    missing = [
        n
        for n in numbers_in(strip_markers(row["answer"]))
        if n not in exempt and not any(contains_number(t, n) for t in cited)
    ]
    computed = [n for n in missing if derived(n, cited)]
    return [n for n in missing if n not in computed], computed


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


def run_eval(
    service: QAService,
    *,
    questions: Path,
    out: Path,
    report: Path | None = None,
    retrieval_only: bool = False,
    mode: str | None = None,
) -> int:
    """Write one JSON result per question to `out`, print the metrics, optionally a report."""
    from tqdm import tqdm

    items = load_questions(questions)
    rows = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as sink:
        for item in tqdm(items, desc="questions", disable=not service.settings.show_progress):
            if retrieval_only:
                row = _row_from_search(service, item)
            else:
                row = _row_from_answer(service, item, mode)
            row = {"id": item["id"], "question": item["question"], "type": item.get("type"), **row}
            rows.append(row)
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")
            sink.flush()  # a long run can be followed, and survives an interruption

    texts = [[p["text"] for p in row["retrieved"]] for row in rows]
    recall = {f"recall@{k}": recall_at_k(items, texts, k) for k in RECALL_KS}
    latency = latency_summary([row["latency_ms"] for row in rows])
    used_mode = "retrieval only" if retrieval_only else (mode or service.settings.answer_mode)
    lines = [f"# Evaluation of {questions} ({len(items)} questions, {used_mode})", ""]
    if not retrieval_only:
        answers = {
            "answer_acc": answer_accuracy(items, rows),
            "citation_acc": citation_accuracy(items, rows),
            "refusal_acc": refusal_accuracy(items, rows),
            "false_refusal": false_refusal_rate(items, rows),
        }
        lines += ["## Answers", ""] + _table(items, answers) + [""]
        repairs = Counter(str(r["verification"].get("repaired")) for r in rows)
        checked = {r["id"]: unsupported_numbers(r, r["question"]) for r in rows}
        unsupported = {k: v[0] for k, v in checked.items() if v[0]}
        computed = {k: v[1] for k, v in checked.items() if v[1]}
        wrong = [
            i["id"]
            for i, s in zip(items, answers["answer_acc"]["individual_scores"], strict=True)
            if s == 0.0
        ]
        lines += [
            f"Verification outcomes: {dict(repairs)} (None = the model's answer passed as is).",
            f"Answers with a number no cited passage contains: {unsupported or 'none'}"
            f" (differences computed from two cited figures: {computed or 'none'}).",
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
    text = "\n".join(lines)
    print(text)
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(text + "\n", encoding="utf-8")
    return 0
