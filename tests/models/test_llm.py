"""The lead: a reply opening with a bracketed choice, and its probabilities read from
the model's token log-probabilities (both backends' readers, with scripted inputs)."""

import math
from types import SimpleNamespace

import numpy as np
import pytest

from app.models.llm import Lead, OpenAICompatibleLLM, _LeadRecorder, _read_lead

pytestmark = pytest.mark.unit


def test_the_grammar_allows_only_the_options():
    assert Lead(["0", "1", "2"]).grammar() == 'root ::= "[" ( "0" | "1" | "2" ) "]" [^\\n]*'


def test_probabilities_are_renormalised_over_the_options():
    lead = Lead(["0", "1", "2"])
    lead.record({"1": math.log(0.6), "2": math.log(0.2), "x": math.log(0.1)})
    assert lead.probs == pytest.approx({"0": 0.0, "1": 0.75, "2": 0.25})
    assert lead.mass == pytest.approx(0.8)


def test_the_local_recorder_reads_the_step_after_the_opening_bracket():
    lead = Lead(["0", "1"])
    open_id, ids = 7, {"0": 3, "1": 4}
    recorder = _LeadRecorder(lead, open_id, ids)
    logits = np.zeros(10, dtype=np.float32)
    logits[4] = 3.0
    recorder([1, 2, 5], logits)  # the prompt: nothing recorded
    assert lead.mass is None
    recorder([1, 2, 5, 6], logits)  # a generated token that is not "["
    assert lead.mass is None
    out = recorder([1, 2, 5, 6, 7], logits)  # right after "["
    assert out is logits  # the logits are never changed
    expected = math.exp(3) / (math.exp(3) + 1)
    assert lead.probs["1"] == pytest.approx(expected, rel=1e-5)


def token(text: str, alternatives: dict[str, float]):
    top = [SimpleNamespace(token=t, logprob=lp) for t, lp in alternatives.items()]
    return SimpleNamespace(token=text, top_logprobs=top)


def test_the_server_reader_reads_the_token_after_the_opening_bracket():
    lead = Lead(["0", "1", "2"])
    text = _read_lead(lead, "", [token("[", {"[": 0.0})])
    assert text == "[" and lead.mass is None
    _read_lead(lead, text, [token("2", {"2": math.log(0.7), "1": math.log(0.2), "是": -3})])
    assert lead.probs == pytest.approx({"0": 0.0, "1": 0.2 / 0.9, "2": 0.7 / 0.9})


class _Stream:
    """An OpenAI client's stream of one-piece chunks that records whether it was closed."""

    def __init__(self, pieces):
        self.pieces = pieces
        self.closed = False

    def __iter__(self):
        for piece in self.pieces:
            delta = SimpleNamespace(content=piece)
            yield SimpleNamespace(choices=[SimpleNamespace(delta=delta, logprobs=None)])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True


def test_a_reader_that_leaves_closes_the_stream_to_the_model_server():
    llm = OpenAICompatibleLLM("http://127.0.0.1:9/v1", "m")
    stream = _Stream(["2023年", "新增", "11家"])
    llm._client = SimpleNamespace(
        chat=SimpleNamespace(completions=SimpleNamespace(create=lambda **_: stream))
    )
    reply = llm.complete([{"role": "user", "content": "?"}], stream=True)
    assert next(reply) == "2023年"
    reply.close()  # the client left after the first piece
    assert stream.closed
    assert list(llm.complete([{"role": "user", "content": "?"}])) == ["2023年新增11家"]
