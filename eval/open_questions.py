"""Open questions (`eval/open.jsonl`: key points listed before the first run) through the
service, scored by halves: the share of covered questions whose answer names at least half
their key points, uncovered topics declined, and answers with a figure outside their
cited sentences. `python eval/open_questions.py [--mode extractive] [--report FILE]`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.eval.metrics import half, key_points_covered, latency_summary, load_questions, open_scores
from app.eval.report import publish
from app.eval.runner import answer_row
from app.service import build_service
from app.settings import Settings

ROOT = Path(__file__).resolve().parent


def _line(name: str, items: list[dict], rows: list[dict]) -> str:
    s = open_scores(items, rows)
    return (
        f"| {name} | {s['covered_n']} | {s['half_covered']:.2f} | {s['uncovered_n']} | "
        f"{s['declined']:.2f} | {s['with_outside_figures']} |"
    )


def render(items: list[dict], rows: list[dict], title: str) -> str:
    lines = [
        f"# Open questions: {title}",
        "",
        "| questions | covered | ≥ half key points | uncovered | declined | figure outside citations |",
        "|---|---|---|---|---|---|",
        _line("all", items, rows),
    ]
    for h in "AB":
        pairs = [(i, r) for i, r in zip(items, rows, strict=True) if half(i["id"]) == h]
        lines.append(_line(f"half {h}", *map(list, zip(*pairs, strict=True))))
    for lang in ("zh", "en"):
        pairs = [(i, r) for i, r in zip(items, rows, strict=True) if i["lang"] == lang]
        lines.append(_line(lang, *map(list, zip(*pairs, strict=True))))
    for kind in sorted({i["kind"] for i in items}):
        pairs = [(i, r) for i, r in zip(items, rows, strict=True) if i["kind"] == kind]
        lines.append(_line(kind, *map(list, zip(*pairs, strict=True))))
    latency = latency_summary([r["latency_ms"] for r in rows])
    lines += [
        "",
        f"Latency: median {latency['median_ms'] / 1000:.1f} s, p90 {latency['p90_ms'] / 1000:.1f} s.",
        "",
    ]
    lines += [
        "| id | half | kind | key points named | outcome | form |",
        "|---|---|---|---|---|---|",
    ]
    for item, row in zip(items, rows, strict=True):
        points = item.get("key_points") or []
        named = key_points_covered(row["answer"], points) if points and not row["refused"] else 0
        shown = f"{named}/{len(points)}" if points else "—"
        v = row["verification"]
        lines.append(
            f"| {item['id']} | {half(item['id'])} | {item['kind']} | {shown} | {v.get('outcome')} | {v.get('form')} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=Path, default=ROOT / "open.jsonl")
    parser.add_argument("--mode", choices=["llm", "extractive"])
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "open-results.jsonl")
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    service = build_service(Settings())
    items = load_questions(args.questions)
    rows = []
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as sink:
        for item in items:
            row = {"id": item["id"], "question": item["question"]}
            row |= answer_row(service, item, args.mode)
            rows.append(row)
            sink.write(json.dumps(row, ensure_ascii=False) + "\n")
            sink.flush()
    text = render(
        items, rows, f"{args.questions.name} ({len(items)} questions, {args.mode or 'llm'})"
    )
    publish(text, args.report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
