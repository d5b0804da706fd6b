"""Follow-up questions measured: `python eval/followups.py [REPORT.md]`.

For each two-turn conversation of `eval/conversations.jsonl` (written from the dev set's
topics, the second turn elliptical), the first question is asked, then the follow-up in
the same stored conversation. Reported:
- how many follow-ups were read as the right standalone question (its years and topic
  words), and how many of them by code or by the model;
- how many follow-ups were answered right (an unanswerable one: refused);
- the follow-up's latency against the same standalone question asked on its own right
  after the same first question (so the model's prompt cache is alike): the cost of
  resolving, median and the median of the differences, for code-resolved ones.
Uses the configured model (the 1.5B by default) and a scratch conversation database.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.eval.metrics import followup_scores, half  # noqa: E402
from app.service import build_service  # noqa: E402
from app.settings import Settings  # noqa: E402


def main(report: Path) -> int:
    items = [
        json.loads(line) for line in (ROOT / "eval/conversations.jsonl").open(encoding="utf-8")
    ]
    scratch = Path(tempfile.mkdtemp()) / "followups.sqlite3"
    settings = Settings(show_progress=False, database=scratch)
    service = build_service(settings)
    rows = []
    for n, item in enumerate(items, start=1):
        first = service.converse(item["history"][0], channel="eval")
        follow = service.converse(item["question"], conversation_id=first.conversation_id)
        # The same standalone question on its own, right after the same first question
        # again (so that the model's prompt cache is where it was for the follow-up), and
        # right after it in time (so that both meet the same load on the machine).
        service.ask(item["history"][0])
        standalone = service.ask(follow.question)
        query = service._retriever.analyse(follow.question)
        rows.append(
            {
                "id": item["id"],
                "shape": item["shape"],
                "question": item["question"],
                "resolved": follow.question,
                "resolved_by": follow.resolution["how"],
                "resolved_years": query.years,
                "answer": follow.answer,
                "refused": follow.refused,
                "followup_ms": follow.timings["total_ms"],
                "resolve_ms": follow.timings["resolve_ms"],
                "standalone_ms": standalone.timings["total_ms"],
            }
        )
        print(
            f"{n}/{len(items)} {item['id']} {rows[-1]['resolved_by']}: {follow.question}",
            flush=True,
        )
    scores = followup_scores(items, rows)
    write_report(report, items, rows, scores)
    out = report.with_suffix(".jsonl")
    out.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    print(report.read_text(encoding="utf-8"))
    return 0


def write_report(report: Path, items: list[dict], rows: list[dict], scores: dict) -> None:
    resolved, answered = (
        scores["resolved"]["individual_scores"],
        scores["answer"]["individual_scores"],
    )
    by_how: dict[str, int] = {}
    for r in rows:
        by_how[r["resolved_by"]] = by_how.get(r["resolved_by"], 0) + 1
    code = [r for r in rows if r["resolved_by"] == "code"]
    lines = [
        "# Follow-up questions",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')} · `python eval/followups.py` · "
        f"{len(items)} two-turn conversations (`eval/conversations.jsonl`), model "
        f"`{Settings().llm_model}`.",
        "",
        "| | all | half A | half B |",
        "|---|---|---|---|",
    ]
    for name, values in (
        ("read as the right standalone question", resolved),
        ("answered right", answered),
    ):
        cells = []
        for part in (None, "A", "B"):
            chosen = [
                v
                for i, v in zip(items, values, strict=True)
                if part is None or half(i["id"]) == part
            ]
            cells.append(f"{sum(chosen) / len(chosen):.2f} ({int(sum(chosen))}/{len(chosen)})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Resolved by: " + ", ".join(f"{k} {v}" for k, v in sorted(by_how.items())), ""]
    if code:
        follow = statistics.median(r["followup_ms"] for r in code) / 1000
        alone = statistics.median(r["standalone_ms"] for r in code) / 1000
        extra = statistics.median(r["followup_ms"] - r["standalone_ms"] for r in code) / 1000
        resolve = statistics.median(r["resolve_ms"] for r in code)
        lines += [
            f"Latency, code-resolved follow-ups (n={len(code)}): follow-up median {follow:.1f} s, "
            f"the same question on its own {alone:.1f} s; median difference {extra:+.2f} s "
            f"(resolving itself: median {resolve:.1f} ms).",
            "",
        ]
    lines += [
        "| id | shape | follow-up | read as | by | right | answer |",
        "|---|---|---|---|---|---|---|",
    ]
    for r, ok, good in zip(rows, resolved, answered, strict=True):
        answer = r["answer"].replace("\n", " ").replace("|", "/")[:80]
        lines.append(
            f"| {r['id']} | {r['shape']} | {r['question']} | {r['resolved']} | {r['resolved_by']} | "
            f"{'✓' if ok else '✗'} {'✓' if good else '✗'} | {answer} |"
        )
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "eval/reports/followups.md"))
