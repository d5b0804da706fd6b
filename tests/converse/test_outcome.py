import pytest

from app.converse.chat import outcome_of
from app.domain import Answer

pytestmark = pytest.mark.unit


def _answer(refused: bool = False, **verification) -> Answer:
    return Answer("q", "a", refused, "llm", verification={"looks": 1, **verification})


def test_an_answer_is_repaired_when_the_checks_set_the_model_s_draft_aside():
    assert outcome_of(_answer(outcome="answered")) == "answered"
    assert outcome_of(_answer(outcome="answered", looks=2)) == "repaired"
    assert outcome_of(_answer(outcome="answered: kept in Chinese")) == "repaired"
    assert outcome_of(_answer(True, outcome="refused: unsure", looks=2)) == "refused"
