import pytest

from app.eval.report import render_report

pytestmark = pytest.mark.unit

ITEMS = [
    {"id": "a1", "question": "新增多少", "evidence": "新增11家", "must_include": [["11"]]},
    {"id": "a2", "question": "建成多少", "evidence": "建成12个", "must_include": [["12"]]},
    {"id": "u1", "question": "人口多少", "evidence": None},
]


def row(item_id: str, answer: str, refused: bool, commitments: list[dict], looks: int = 1):
    quote = answer.rstrip("。")
    citations = [] if refused else [{"text": quote, "quote": quote, "years": []}]
    return {
        "id": item_id,
        "question": "",
        "answer": answer,
        "refused": refused,
        "citations": citations,
        "retrieved": [{"text": quote}],
        "verification": {"outcome": "x", "commitments": commitments, "looks": looks},
        "latency_ms": 1.0,
    }


def test_the_report_counts_second_looks_and_those_that_answered():
    rows = [
        row("a1", "新增11家。", False, [{"confidence": 0.4, "superseded": True}, {}], looks=2),
        row("a2", "报告中未提及。", True, [{"superseded": True}, {"superseded": True}]),
        row("u1", "报告中未提及。", True, [{"confidence": 0.2}]),
    ]
    report = render_report(ITEMS, rows, title="t")
    assert "Second looks (the candidates reversed after a refused choice): 2, 1 of them" in report
    assert "answered ['a1']." in report
