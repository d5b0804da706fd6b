"""Choose the confidence threshold on one half of the dev set, report the other half.

Run the eval with the threshold at 0 so every answer records its confidence:
    XUHUI_MIN_CONFIDENCE=0 xuhui-qa eval --out eval/reports/dev-results.jsonl
    XUHUI_MIN_CONFIDENCE=0 xuhui-qa eval --questions eval/probes.jsonl --out eval/reports/probes-results.jsonl
then: python eval/calibrate.py eval/dev.jsonl eval/reports/dev-results.jsonl \
        --check eval/probes.jsonl eval/reports/probes-results.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.eval.calibrate import GRID, accuracy_at, choose_thresholds, cross_halves  # noqa: E402
from app.eval.metrics import load_questions  # noqa: E402


def rows_for(items: list[dict], results: Path) -> list[dict]:
    by_id = {}
    for line in results.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            by_id[row["id"]] = row
    return [by_id[i["id"]] for i in items]


def fmt(m: dict) -> str:
    return (
        f"answer {m['answer_acc']:.3f} · refusal {m['refusal_acc']:.3f} · all {m['overall']:.3f}"
        f" · balanced {m['balanced']:.3f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("results", type=Path)
    parser.add_argument("--check", nargs=2, type=Path, metavar=("QUESTIONS", "RESULTS"))
    parser.add_argument("--out", type=Path, default=REPO / "eval/reports/calibration.md")
    args = parser.parse_args()
    items = load_questions(args.questions)
    rows = rows_for(items, args.results)
    lines = [f"# Confidence threshold, chosen on one half of {args.questions}", ""]
    for part in cross_halves(items, rows):
        chosen = ", ".join(f"{k} {v:.2f}" for k, v in part["thresholds"].items())
        lines.append(
            f"- chosen on half {part['chosen_on']}: thresholds {chosen} "
            f"({fmt(part['on_chosen'])}); on half {part['reported_on']}: {fmt(part['on_reported'])}"
        )
    shipped = choose_thresholds(items, rows)
    chosen = ", ".join(f"{k} {v:.2f}" for k, v in shipped.items())
    lines.append(
        f"- chosen on the whole set (the shipped defaults): {chosen} "
        f"({fmt(accuracy_at(items, rows, shipped))})"
    )
    if args.check:
        check_items = load_questions(args.check[0])
        check_rows = rows_for(check_items, args.check[1])
        lines.append(
            f"- {args.check[0]} at those: {fmt(accuracy_at(check_items, check_rows, shipped))}"
        )
    lines += [
        "",
        "Thresholds are chosen for the best balanced accuracy (answer accuracy and refusal "
        "accuracy weighed alike), per question language; the table applies one threshold "
        "to both languages.",
    ]
    lines += [
        "",
        "| threshold | dev answer | dev refusal | dev all |"
        + (" probes answer | probes refusal | probes all |" if args.check else ""),
        "|---|---|---|---|" + ("---|---|---|" if args.check else ""),
    ]
    check = None
    if args.check:
        check_items = load_questions(args.check[0])
        check = (check_items, rows_for(check_items, args.check[1]))
    for t in GRID:
        m = accuracy_at(items, rows, t)
        cells = [
            f"{t:.2f}",
            f"{m['answer_acc']:.3f}",
            f"{m['refusal_acc']:.3f}",
            f"{m['overall']:.3f}",
        ]
        if check:
            c = accuracy_at(*check, t)
            cells += [f"{c['answer_acc']:.3f}", f"{c['refusal_acc']:.3f}", f"{c['overall']:.3f}"]
        lines.append("| " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    print(text)
    args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
