import pytest

from app.eval.calibrate import accuracy_at, choose_threshold, confidence, cross_halves

pytestmark = pytest.mark.unit


def row(answer: str, p: float | None, refused: bool = False) -> dict:
    commitments = [] if p is None else [{"confidence": p}]
    return {"answer": answer, "refused": refused, "verification": {"commitments": commitments}}


ITEMS = [
    {"id": "a1", "question": "新增多少", "evidence": "x", "must_include": [["11"]]},
    {"id": "a2", "question": "新增多少", "evidence": "x", "must_include": [["12"]]},
    {"id": "u1", "question": "人口多少", "evidence": None},
    {"id": "u2", "question": "收入多少", "evidence": None},
]
ROWS = [row("11家", 0.9), row("12家", 0.6), row("30家", 0.4), row("7家", 0.7)]


def test_the_least_confidence_of_a_rows_choices():
    assert confidence(row("x", 0.8)) == 0.8
    both = {"verification": {"commitments": [{"confidence": 0.9}, {"confidence": 0.5}]}}
    assert confidence(both) == 0.5 and confidence(row("x", None)) is None
    looked = [{"confidence": 0.4, "superseded": True}, {"confidence": 0.9}]
    assert confidence({"verification": {"commitments": looked}}) == 0.9  # the second look's


def test_answers_below_the_threshold_become_refusals():
    at = lambda t: tuple(accuracy_at(ITEMS, ROWS, t).values())  # noqa: E731
    # (answer accuracy, refusal accuracy, overall, balanced)
    assert at(0.0) == (1.0, 0.0, 0.5, 0.5)
    assert at(0.5) == (1.0, 0.5, 0.75, 0.75)
    assert at(0.8) == (0.5, 1.0, 0.75, 0.75)


def test_the_lowest_threshold_with_the_most_right_is_chosen():
    assert choose_threshold(ITEMS, ROWS, [0.0, 0.5, 0.65, 0.8]) == 0.5  # ties 0.8


def test_cross_halves_reports_the_half_it_did_not_choose_on():
    items = [{**i, "id": f"{i['id']}-{n}"} for n in range(10) for i in ITEMS]
    parts = cross_halves(items, ROWS * 10)
    assert [(p["chosen_on"], p["reported_on"]) for p in parts] == [("A", "B"), ("B", "A")]
    assert all(0 <= t < 1 for p in parts for t in p["thresholds"].values())


def test_each_language_gets_its_own_threshold():
    from app.eval.calibrate import choose_thresholds

    items = [
        {"id": "z1", "question": "2023年新增多少", "evidence": "x", "must_include": [["11"]]},
        {"id": "z2", "question": "2023年人口多少", "evidence": None},
        {"id": "e1", "question": "How many were added?", "evidence": "x", "must_include": [["12"]]},
        {"id": "e2", "question": "What was the population?", "evidence": None},
    ]
    rows = [row("11家", 0.95), row("3万人", 0.8), row("12家", 0.6), row("9人", 0.3)]
    chosen = choose_thresholds(items, rows)
    assert 0.8 < chosen["zh"] <= 0.95 and 0.3 < chosen["en"] <= 0.6
