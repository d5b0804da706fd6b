"""The router measured against the hand-labelled forms (`eval/forms.jsonl`, labelled once
before the router was tuned; `eval/forms-own.jsonl`, 40 questions in other words; the
figures sets, whose questions carry their form), by set and by half:
`python eval/router.py [--report eval/reports/router.md]`."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from app.answer.router import route
from app.eval.metrics import half
from app.eval.report import publish
from app.retrieve.query import analyse_question

ROOT = Path(__file__).resolve().parent
SETS = {
    "dev": ROOT / "dev.jsonl",
    "dev2": ROOT / "dev2.jsonl",
    "probes": ROOT / "probes.jsonl",
    "english": ROOT / "english.jsonl",
    "own": ROOT / "forms-own.jsonl",
}
# Sets whose questions are labelled with their form in the same file.
LABELLED = {"figures": ROOT / "figures.jsonl", "figures-new": ROOT / "figures-new.jsonl"}
LATEST_REPORT = 2026  # the newest work report in the shipped corpus anchors 去年 / 今年


def _questions() -> dict[tuple[str, str], str]:
    found = {}
    for name, path in {**SETS, **LABELLED}.items():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                found[(item.get("set", name) if name == "own" else name, item["id"])] = item[
                    "question"
                ]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    questions = _questions()
    labels = [
        json.loads(line)
        for path in (ROOT / "forms.jsonl", ROOT / "forms-own.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for name, path in LABELLED.items():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                labels.append({"set": name, "id": item["id"], "form": item["form"]})
    right: Counter = Counter()
    total: Counter = Counter()
    confusion: Counter = Counter()
    misses = []
    for label in labels:
        key = (label["set"], label["id"])
        query = analyse_question(questions[key], LATEST_REPORT)
        named = route(query).value
        for group in (label["set"], f"{label['set']} {half(label['id'])}", "all"):
            total[group] += 1
            right[group] += named == label["form"]
        confusion[(label["form"], named)] += 1
        if named != label["form"]:
            misses.append(f"- {label['set']} {label['id']}: {label['form']} read as {named}")
    lines = [
        "# The router against the hand-labelled forms",
        "",
        "| set | n | accuracy |",
        "|---|---|---|",
    ]
    for group in sorted(total):
        lines.append(f"| {group} | {total[group]} | {right[group] / total[group]:.3f} |")
    lines += ["", "| labelled → routed | n |", "|---|---|"]
    lines += [f"| {a} → {b} | {n} |" for (a, b), n in sorted(confusion.items()) if a != b]
    lines += ["", "Misrouted:", *misses]
    text = "\n".join(lines)
    publish(text, args.report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
