"""Evaluation metrics, each a pure function returning {"individual_scores": [...], "score": x}.

Definitions (the dev set's README):
- a passage *covers* an evidence span when the span, whitespace removed, occurs in the
  passage's whitespace-free text, or shares a common substring of at least
  max(10, 60% of the span) characters with it;
- recall@k counts a question when every evidence span is covered within the top k;
  unanswerable questions (evidence null) are left out.
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from difflib import SequenceMatcher
from pathlib import Path

from app.errors import BadInputError
from app.text.markers import strip_markers
from app.text.numbers import contains_number, derived, is_number, numbers_in, plain, whole_number

_WS = re.compile(r"\s+")


def compact(text: str) -> str:
    """Text with all whitespace removed."""
    return _WS.sub("", text)


def longest_common_substring(a: str, b: str) -> int:
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size


def covers(passage_text: str, span: str) -> bool:
    """Whether a passage covers an evidence span (exactly, or by a long common substring)."""
    span_c, passage_c = compact(span), compact(passage_text)
    if not span_c:
        return False
    if span_c in passage_c:
        return True
    return longest_common_substring(span_c, passage_c) >= max(10, 0.6 * len(span_c))


def evidence_spans(item: dict) -> list[str] | None:
    evidence = item.get("evidence")
    if evidence is None:
        return None
    return [evidence] if isinstance(evidence, str) else list(evidence)


def recall_at_k(items: list[dict], retrieved: list[list[str]], k: int) -> dict:
    """Share of answerable questions whose every evidence span is covered in the top k."""
    scores: list[float | None] = []
    for item, passages in zip(items, retrieved, strict=True):
        spans = evidence_spans(item)
        if spans is None:
            scores.append(None)
            continue
        top = passages[:k]
        hit = all(any(covers(p, span) for p in top) for span in spans)
        scores.append(1.0 if hit else 0.0)
    counted = [s for s in scores if s is not None]
    return {"individual_scores": scores, "score": sum(counted) / len(counted) if counted else 0.0}


def normalise_answer(text: str) -> str:
    """NFKC (full-width → ASCII), citation markers and thousands separators removed."""
    return plain(strip_markers(text))


def includes(answer: str, expected: str) -> bool:
    """Whether the answer contains the expected string; a bare number only as a whole number."""
    answer_n, expected_n = normalise_answer(answer), normalise_answer(expected)
    if is_number(expected_n):
        return whole_number(expected_n).search(answer_n) is not None
    return expected_n.lower() in answer_n.lower()


def answer_correct(answer: str, refused: bool, must_include: list[list[str]]) -> bool:
    """Every must_include group matched by at least one of its strings; a refusal never matches."""
    if refused or not must_include:
        return False
    return all(any(includes(answer, option) for option in group) for group in must_include)


def answer_accuracy(items: list[dict], rows: list[dict]) -> dict:
    """Share of answerable questions answered correctly."""
    scores = [
        None
        if evidence_spans(i) is None
        else float(answer_correct(r["answer"], r["refused"], i.get("must_include") or []))
        for i, r in zip(items, rows, strict=True)
    ]
    counted = [s for s in scores if s is not None]
    return {"individual_scores": scores, "score": sum(counted) / len(counted) if counted else 0.0}


def citation_accuracy(items: list[dict], rows: list[dict]) -> dict:
    """Share of correct answers whose cited passages cover every evidence span."""
    scores: list[float | None] = []
    for item, row in zip(items, rows, strict=True):
        spans = evidence_spans(item)
        if spans is None or not answer_correct(
            row["answer"], row["refused"], item.get("must_include") or []
        ):
            scores.append(None)
            continue
        cited = [c["text"] for c in row["citations"]]
        scores.append(float(all(any(covers(t, s) for t in cited) for s in spans)))
    counted = [s for s in scores if s is not None]
    return {"individual_scores": scores, "score": sum(counted) / len(counted) if counted else 0.0}


def refusal_accuracy(items: list[dict], rows: list[dict]) -> dict:
    """Share of unanswerable questions (evidence null) that were refused."""
    scores = [
        float(r["refused"]) if evidence_spans(i) is None else None
        for i, r in zip(items, rows, strict=True)
    ]
    counted = [s for s in scores if s is not None]
    return {"individual_scores": scores, "score": sum(counted) / len(counted) if counted else 0.0}


def false_refusal_rate(items: list[dict], rows: list[dict]) -> dict:
    """Share of answerable questions that were refused."""
    scores = [
        None if evidence_spans(i) is None else float(r["refused"])
        for i, r in zip(items, rows, strict=True)
    ]
    counted = [s for s in scores if s is not None]
    return {"individual_scores": scores, "score": sum(counted) / len(counted) if counted else 0.0}


def load_questions(path: Path) -> list[dict]:
    """Read a JSONL question set; each line needs at least `id` and `question`."""
    if not path.is_file():
        raise BadInputError(f"question file {path} does not exist")
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{path}:{n}: not JSON ({exc.msg})") from exc
        if "question" not in item:
            raise BadInputError(f"{path}:{n}: no 'question' field")
        item.setdefault("id", f"q{n}")
        item.setdefault("type", "untyped")
        items.append(item)
    return items


def by_type(items: list[dict], scores: Iterable[float | None]) -> dict[str, float]:
    """Mean of the individual scores per question type (None scores are left out)."""
    groups: dict[str, list[float]] = defaultdict(list)
    for item, score in zip(items, scores, strict=True):
        if score is not None:
            groups[item.get("type", "untyped")].append(score)
    return {t: sum(v) / len(v) for t, v in sorted(groups.items())}


def latency_summary(latencies_ms: list[float]) -> dict:
    if not latencies_ms:
        return {"median_ms": 0.0, "p90_ms": 0.0}
    ordered = sorted(latencies_ms)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered), 1), "p90_ms": round(p90, 1)}


def half(item_id: str) -> str:
    """The dev-set half an item belongs to ("A" or "B"), fixed by a hash of its id: settings
    are chosen on one half and reported on the other."""
    return "AB"[hashlib.sha256(item_id.encode()).digest()[0] % 2]


def refusals_quoting_evidence(items: list[dict], rows: list[dict]) -> dict:
    """Answerable questions refused with a text that quotes their evidence (should be none):
    a refusal must never contradict itself by quoting the sentence that answers."""
    scores: list[float | None] = []
    for item, row in zip(items, rows, strict=True):
        spans = evidence_spans(item)
        if spans is None or not row["refused"]:
            scores.append(None)
            continue
        text = compact(strip_markers(row["answer"]))
        scores.append(float(any(compact(s) in text for s in spans if len(compact(s)) >= 6)))
    counted = [s for s in scores if s is not None]
    return {"individual_scores": scores, "score": sum(counted)}


def figures_outside_citations(row: dict, question: str) -> tuple[list[str], list[str]]:
    """Numbers of an answer that no cited sentence holds (should be none), and those that
    are the difference or sum of two cited figures (a comparison's computed result).
    Years and the question's own numbers are not figures."""
    if row.get("refused"):
        return [], []
    cited = [c.get("quote") or c["text"] for c in row["citations"]]
    exempt = set(numbers_in(question)) | {str(y) for c in row["citations"] for y in c["years"]}
    missing = [
        n
        for n in numbers_in(strip_markers(row["answer"]))
        if n not in exempt and not any(contains_number(t, n) for t in cited)
    ]
    computed = [n for n in missing if derived(n, cited)]
    return [n for n in missing if n not in computed], computed


def resolution_correct(
    resolved: str, resolved_years: list[int], expect: dict, previous: str = ""
) -> bool:
    """Whether a follow-up was read as the expected standalone question: the same years,
    every expected topic word in it, and not simply the previous question again (a
    follow-up always asks something the previous question did not)."""

    def plain(text: str) -> str:
        return re.sub(r"[^\w]", "", text).lower()

    return (
        resolved_years == expect["years"]
        and all(term.lower() in resolved.lower() for term in expect["terms"])
        and plain(resolved) != plain(previous)
    )


def followup_scores(items: list[dict], rows: list[dict]) -> dict:
    """Resolution rate and answer accuracy of the follow-up turns (`eval/conversations.jsonl`):
    an unanswerable follow-up is right when it is refused."""
    resolved = [
        float(resolution_correct(r["resolved"], r["resolved_years"], i["expect"], i["history"][-1]))
        for i, r in zip(items, rows, strict=True)
    ]
    answered = [
        float(r["refused"])
        if i.get("unanswerable")
        else float(answer_correct(r["answer"], r["refused"], i.get("must_include") or []))
        for i, r in zip(items, rows, strict=True)
    ]
    n = len(items) or 1
    return {
        "resolved": {"individual_scores": resolved, "score": sum(resolved) / n},
        "answer": {"individual_scores": answered, "score": sum(answered) / n},
    }


def key_points_covered(answer: str, key_points: list[list[str]]) -> int:
    """How many of an open question's key points the answer names (a point: any of its
    alternatives, matched as `includes` matches)."""
    return sum(1 for group in key_points if any(includes(answer, option) for option in group))


def open_scores(items: list[dict], rows: list[dict]) -> dict:
    """An open question set's scores: the share of covered questions whose answer names at
    least half their key points, the share of uncovered ones declined, and the answers
    stating a figure their cited sentences do not hold."""
    covered, declined, outside = [], [], []
    for item, row in zip(items, rows, strict=True):
        points = item.get("key_points") or []
        if not points:
            declined.append(float(row["refused"]))
            continue
        named = 0 if row["refused"] else key_points_covered(row["answer"], points)
        covered.append(float(named * 2 >= len(points)))
        outside.append(float(bool(point_figures_outside(row, item["question"]))))
    return {
        "half_covered": sum(covered) / len(covered) if covered else 0.0,
        "declined": sum(declined) / len(declined) if declined else 0.0,
        "with_outside_figures": int(sum(outside)),
        "covered_n": len(covered),
        "uncovered_n": len(declined),
    }


def point_figures_outside(row: dict, question: str) -> list[str]:
    """Numbers of an open answer's points that the point's own cited sentences do not
    hold (should be none); an answer without points is checked as a whole."""
    if row.get("refused"):
        return []
    if not row.get("points"):
        wrong, _ = figures_outside_citations(row, question)
        return wrong
    by_n = {c["n"]: c for c in row["citations"]}
    wrong = []
    for point in row["points"]:
        cited = [by_n[n] for n in point["citations"] if n in by_n]
        wrong += figures_outside_citations({"answer": point["text"], "citations": cited}, question)[
            0
        ]
    return wrong
