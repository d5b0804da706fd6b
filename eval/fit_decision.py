"""Fit the decision to answer (`app/answer/calibration.py`) on recorded eval runs, by halves.

Every eval row records its first look's option probabilities and the model's raw reply.
For each question whose first look chose a sentence, that look would answer with the
reply's text: right when the question is answerable and the text holds its reference
answer, wrong otherwise. A logistic regression over the look's features estimates the
probability of being right; the probability it must reach is chosen for the best sum of
answerable accuracy and unanswerable refusal. It is fitted on half A of all sets and
scored on half B, then the other way round, and finally on everything (the shipped fit).

The simulation sees the first look only: a question it refuses may still be answered by
the second look in the service, so the answerable accuracy here is a lower bound.

    python eval/fit_decision.py --set dev eval/dev.jsonl RESULTS.jsonl --set dev2 … \
        --out prompts/calibration.json --report eval/reports/calibration.md
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from app.answer.calibration import FEATURES, Calibration, features
from app.answer.grounding import Commitment, parse_reply
from app.eval.metrics import answer_correct, evidence_spans, half, load_questions
from app.retrieve.query import analyse_question

LATEST_REPORT = 2026
GRID = [round(0.02 * i, 2) for i in range(5, 50)]
COMPOSITE = ("compared", "refused: a year's figure not found")


def looks(items: list[dict], rows: list[dict], name: str) -> list[dict]:
    """One record per question: its half, whether it is answerable, its first look's
    features (None when it chose nothing) and whether that look's text is right."""
    by_id = {row["id"]: row for row in rows}
    found = []
    for item in items:
        row = by_id.get(item["id"])
        if row is None:
            continue
        verification = row.get("verification", {})
        commitments = verification.get("commitments", [])
        answerable = evidence_spans(item) is not None
        record = {"set": name, "id": item["id"], "half": half(item["id"]), "answerable": answerable}
        if verification.get("outcome") in COMPOSITE or not commitments:
            continue  # comparisons are decided per part; out of scope needs no decision
        first = commitments[0]
        commitment = Commitment(first["choice"], {int(k): v for k, v in first["probs"].items()})
        query = analyse_question(item["question"], LATEST_REPORT)
        record["features"] = features(commitment, query)
        choice, text = parse_reply(verification.get("model_answer", "").split("\n")[0])
        right = answer_correct(text, False, item.get("must_include", [])) if choice else False
        record["right"] = answerable and right
        found.append(record)
    return found


def _matrix(records: list[dict]) -> np.ndarray:
    return np.array([[r["features"][k] for k in FEATURES] for r in records])


def fit(records: list[dict]) -> Calibration:
    """The regression on the records' first looks, its threshold chosen on the same records."""
    from sklearn.linear_model import LogisticRegression

    chose = [r for r in records if r["features"] is not None]
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(_matrix(chose), [1 if r["right"] else 0 for r in chose])
    weights = {k: round(float(w), 4) for k, w in zip(FEATURES, model.coef_[0], strict=True)}
    intercept = round(float(model.intercept_[0]), 4)
    best = max(GRID, key=lambda t: objective(score(records, Calibration(weights, intercept, t))))
    return Calibration(weights, intercept, best)


def score(records: list[dict], calibration: Calibration | None) -> dict:
    """Answerable right, answerable refused and unanswerable refused when a first look is
    accepted by the calibration, or (None) by today's single threshold: 0.85 for Chinese
    questions, 0.5 for English ones."""

    def accepts(values: dict[str, float]) -> bool:
        if calibration is not None:
            return calibration.score(values) >= calibration.threshold
        least = 0.5 if values["english"] else 0.85
        return 1 / (1 + np.exp(-values["logit_p"])) >= least

    right = refused = refused_unanswerable = answerable = unanswerable = 0
    for r in records:
        accepted = r["features"] is not None and accepts(r["features"])
        if r["answerable"]:
            answerable += 1
            right += accepted and r["right"]
            refused += not accepted
        else:
            unanswerable += 1
            refused_unanswerable += not accepted
    nan = float("nan")
    return {
        "n": len(records),
        "answer": right / answerable if answerable else nan,
        "false_refusal": refused / answerable if answerable else nan,
        "refusal": refused_unanswerable / unanswerable if unanswerable else nan,
    }


def objective(s: dict) -> float:
    return s["answer"] + s["refusal"]


def _row(label: str, s: dict) -> str:
    return f"| {label} | {s['n']} | {s['answer']:.3f} | {s['false_refusal']:.3f} | {s['refusal']:.3f} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", nargs=3, action="append", metavar=("NAME", "QUESTIONS", "RESULTS"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    records = []
    for name, questions, results in args.set:
        rows = [json.loads(line) for line in Path(results).read_text(encoding="utf-8").splitlines()]
        records += looks(load_questions(Path(questions)), rows, name)
    names = [name for name, _, _ in args.set]
    lines = [
        "# The decision to answer, fitted by halves",
        "",
        "First looks only (a refused look's second look is not simulated: answer accuracy is a",
        "lower bound). Each half is scored with the fit made on the other half.",
        "",
    ]
    fits = {}
    for chosen, held in (("A", "B"), ("B", "A")):
        fits[held] = fit([r for r in records if r["half"] == chosen])
        lines.append(
            f"Fit on half {chosen}: {json.dumps(fits[held].to_dict(), ensure_ascii=False)}"
        )
    lines += [
        "",
        "| set, half (fit on the other half) | n | answer | false refusal | refusal |",
        "|---|---|---|---|---|",
    ]
    for name in [*names, "all"]:
        for held in ("A", "B"):
            part = [r for r in records if r["half"] == held and name in (r["set"], "all")]
            lines.append(_row(f"{name} {held}, calibrated", score(part, fits[held])))
            lines.append(_row(f"{name} {held}, threshold 0.85 / 0.5", score(part, None)))
    shipped = fit(records)
    lines += ["", f"Shipped (fit on all): {json.dumps(shipped.to_dict(), ensure_ascii=False)}"]
    for name in [*names, "all"]:
        part = [r for r in records if name in (r["set"], "all")]
        lines.append(_row(f"{name}, shipped fit (in-sample)", score(part, shipped)))
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(json.dumps(shipped.to_dict(), indent=1) + "\n", encoding="utf-8")
    if args.report:
        args.report.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
