"""Figures questions (`eval/figures.jsonl`, written before the figures table was built):
comparisons, targets against actuals, several values and series over years, in Chinese and
English, through the service, scored by halves.

- comparison, target_actual, values: right when the answer is not refused and holds every
  `must_include` group;
- series: of the labelled cells, the share found (the answer's table states the year with
  the labelled number), the cells stated wrong (a year stated with another number, or a
  labelled-absent year given a figure), and absent years said absent.

`python eval/figures_questions.py [--questions FILE] [--mode llm|extractive] [--report FILE]`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.eval.metrics import answer_correct, half, latency_summary, load_questions
from app.eval.report import publish
from app.eval.runner import answer_row
from app.service import build_service
from app.settings import Settings
from app.text.numbers import numbers_in

ROOT = Path(__file__).resolve().parent


def _number(value: str) -> str | None:
    found = numbers_in(value)
    return found[0] if found else None


def series_scores(item: dict, row: dict) -> dict:
    """Cells found and wrong, absent years said absent, for one series question."""
    stated = {r["year"]: r for r in (row.get("table") or {}).get("rows", []) if r.get("stated")}
    found = wrong = 0
    for cell in item.get("cells", []):
        number = _number(cell["value"])
        got = stated.get(cell["year"])
        if got is None:
            continue
        if number is not None and number in numbers_in(got.get("written") or ""):
            found += 1
        else:
            wrong += 1
    absent = item.get("absent_years", [])
    said_absent = sum(1 for year in absent if year not in stated)
    wrong += len(absent) - said_absent
    return {
        "cells": len(item.get("cells", [])),
        "found": found,
        "wrong": wrong,
        "absent": len(absent),
        "said_absent": said_absent,
    }


def _summary(items: list[dict], rows: list[dict]) -> dict:
    out = {"n": len(items)}
    judged = [(i, r) for i, r in zip(items, rows, strict=True) if i["form"] != "series"]
    out["judged"] = len(judged)
    out["right"] = sum(
        answer_correct(r["answer"], r["refused"], i["must_include"]) for i, r in judged
    )
    series = [
        series_scores(i, r) for i, r in zip(items, rows, strict=True) if i["form"] == "series"
    ]
    for key in ("cells", "found", "wrong", "absent", "said_absent"):
        out[key] = sum(s[key] for s in series)
    out["series"] = len(series)
    return out


def _line(name: str, items: list[dict], rows: list[dict]) -> str:
    s = _summary(items, rows)
    right = f"{s['right'] / s['judged']:.2f} ({s['right']}/{s['judged']})" if s["judged"] else "—"
    cells = f"{s['found'] / s['cells']:.2f} ({s['found']}/{s['cells']})" if s["cells"] else "—"
    absent = f"{s['said_absent']}/{s['absent']}" if s["absent"] else "—"
    return f"| {name} | {s['n']} | {right} | {s['series']} | {cells} | {s['wrong']} | {absent} |"


def render(items: list[dict], rows: list[dict], title: str) -> str:
    lines = [
        f"# Figures questions: {title}",
        "",
        "| questions | n | comparisons, targets, values right | series | cells found | "
        "cells wrong | absent years said absent |",
        "|---|---|---|---|---|---|---|",
        _line("all", items, rows),
    ]

    def subset(name: str, keep) -> None:
        pairs = [(i, r) for i, r in zip(items, rows, strict=True) if keep(i)]
        if pairs:
            lines.append(_line(name, *map(list, zip(*pairs, strict=True))))

    for h in "AB":
        subset(f"half {h}", lambda i, h=h: half(i["id"]) == h)
    for lang in ("zh", "en"):
        subset(lang, lambda i, lang=lang: i["lang"] == lang)
    for form in sorted({i["form"] for i in items}):
        subset(form, lambda i, form=form: i["form"] == form)
    latency = latency_summary([r["latency_ms"] for r in rows])
    lines += [
        "",
        f"Latency: median {latency['median_ms'] / 1000:.1f} s, p90 {latency['p90_ms'] / 1000:.1f} s.",
        "",
        "| id | half | form | lang | result | outcome | answer |",
        "|---|---|---|---|---|---|---|",
    ]
    for item, row in zip(items, rows, strict=True):
        if item["form"] == "series":
            s = series_scores(item, row)
            result = f"{s['found']}/{s['cells']} cells, {s['wrong']} wrong, {s['said_absent']}/{s['absent']} absent"
        else:
            result = (
                "right"
                if answer_correct(row["answer"], row["refused"], item["must_include"])
                else "wrong"
            )
        answer = row["answer"].replace("\n", " ").replace("|", "/")[:120]
        lines.append(
            f"| {item['id']} | {half(item['id'])} | {item['form']} | {item['lang']} | {result} | "
            f"{row['verification'].get('outcome', '')} | {answer} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "figures.jsonl")
    parser.add_argument("--mode", choices=["llm", "extractive"], default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "figures-results.jsonl")
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "figures-questions.md")
    parser.add_argument("--only", default="", help="Comma-separated forms to run (default: all).")
    args = parser.parse_args()
    items = load_questions(args.questions)
    if args.only:
        items = [i for i in items if i["form"] in args.only.split(",")]
    service = build_service(Settings())
    service.warm_up_model()
    rows = []
    with args.out.open("w", encoding="utf-8") as out:
        for item in items:
            row = answer_row(service, item, args.mode)
            rows.append(row)
            out.write(json.dumps({"id": item["id"], **row}, ensure_ascii=False) + "\n")
            print(
                item["id"],
                row["verification"].get("outcome"),
                row["answer"][:80].replace("\n", " "),
                flush=True,
            )
    text = render(items, rows, f"{args.questions.name}, {args.mode or 'default'} mode")
    publish(text, args.report)


if __name__ == "__main__":
    main()
