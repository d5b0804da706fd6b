"""Run a question set through the service: one JSON row per question, then the report."""

from __future__ import annotations

import json
import time
from pathlib import Path

from app.domain import AskOptions
from app.eval.metrics import load_questions
from app.eval.report import publish, render_report
from app.service import QAService


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


def answer_row(service: QAService, item: dict, mode: str | None) -> dict:
    """One question answered through the service, as an eval results row."""
    started = time.perf_counter()
    answer = service.ask(item["question"], AskOptions(mode=mode))
    latency = (time.perf_counter() - started) * 1000
    return {
        "answer": answer.answer,
        "refused": answer.refused,
        "citations": answer.citations,
        "retrieved": answer.retrieved[:10],
        "source_note": answer.source_note,
        "points": answer.points,
        "table": answer.table,
        "verification": answer.verification,
        "latency_ms": round(latency, 1),
    }


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
                row = answer_row(service, item, mode)
            row = {"id": item["id"], "question": item["question"], "type": item.get("type"), **row}
            rows.append(row)
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")
            sink.flush()  # a long run can be followed, and survives an interruption

    used_mode = "retrieval only" if retrieval_only else (mode or service.settings.answer_mode)
    title = f"{questions} ({len(items)} questions, {used_mode})"
    text = render_report(items, rows, title=title, with_answers=not retrieval_only)
    publish(text, report)
    return 0
