"""The LLM backends with the real small model (Qwen2.5-Coder-0.5B): in-process, and
through an OpenAI-compatible server started as a separate process on loopback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.models import assets
from app.models.llm import Lead, LlamaCppLLM, OpenAICompatibleLLM, complete_text
from app.service import QAService
from tests.servers import free_port, stop, wait_until_up

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CHOICE = [
    {
        "role": "system",
        "content": "先写出能回答问题的候选句编号，如[1]；都不能回答写[0]。然后回答。",
    },
    {
        "role": "user",
        "content": "候选句：\n[1]新增绿地23.37公顷。\n[2]新增跨国公司地区总部11家、外资研发中心1家。\n"
        "问题：新增多少跨国公司地区总部？",
    },
]
MESSAGES = [
    {"role": "system", "content": "只根据资料回答，数字照抄。"},
    {
        "role": "user",
        "content": "资料：[1]新增跨国公司地区总部11家、外资研发中心1家。\n问题：新增多少跨国公司地区总部？",
    },
]


@pytest.fixture(scope="session")
def small_model(real_settings):
    path = assets.gguf_path(real_settings.models_dir, "qwen2.5-coder-0.5b")
    if not path.is_file():
        pytest.fail("the small model is not assembled: run `make models`")
    return path


def test_local_backend_generates_and_streams(small_model):
    llm = LlamaCppLLM(small_model, n_ctx=1024, n_threads=2)
    assert "11" in complete_text(llm, MESSAGES, max_tokens=40)
    pieces = list(llm.complete(MESSAGES, stream=True, max_tokens=40))
    assert len(pieces) > 1 and "11" in "".join(pieces)


def test_local_backend_commits_to_a_choice_with_its_probability(small_model):
    llm = LlamaCppLLM(small_model, n_ctx=1024, n_threads=2)
    lead = Lead(["0", "1", "2"])
    reply = complete_text(llm, CHOICE, max_tokens=30, lead=lead)
    assert reply.startswith("[") and reply[1] in "012" and reply[2] == "]"
    assert set(lead.probs) == {"0", "1", "2"} and sum(lead.probs.values()) == pytest.approx(1)
    assert max(lead.probs, key=lead.probs.get) == reply[1]  # greedy: the likeliest option
    assert 0 < lead.mass <= 1


def test_an_evaluated_prefix_is_kept_and_loaded_by_the_next_process(small_model, tmp_path):
    follow = [*MESSAGES, {"role": "assistant", "content": "11家。"}]
    follow.append({"role": "user", "content": "外资研发中心呢？"})
    fresh = LlamaCppLLM(small_model, n_ctx=1024, n_threads=2)
    expected = complete_text(fresh, follow, max_tokens=20)

    first = LlamaCppLLM(small_model, n_ctx=1024, n_threads=2, state_dir=tmp_path)
    first.prime(MESSAGES)
    (saved,) = tmp_path.glob("prefix-*.state")
    assert first.calls[-1]["cached_tokens"] == 0  # evaluated, then written

    second = LlamaCppLLM(small_model, n_ctx=1024, n_threads=2, state_dir=tmp_path)
    second.prime(MESSAGES)
    assert second.calls == []  # loaded: nothing evaluated
    assert complete_text(second, follow, max_tokens=20) == expected
    assert second.calls[-1]["cached_tokens"] > 20  # the loaded prefix was reused

    saved.write_bytes(saved.read_bytes()[:100])  # truncated: evaluated anew, not trusted
    third = LlamaCppLLM(small_model, n_ctx=1024, n_threads=2, state_dir=tmp_path)
    third.prime(MESSAGES)
    assert third.calls and complete_text(third, follow, max_tokens=20) == expected
    assert saved.stat().st_size > 100  # and written again whole


def test_pipeline_with_the_small_model_returns_a_verified_answer(
    small_model, real_settings, real_index, real_embedder
):
    service = QAService(
        real_settings, real_index, real_embedder, LlamaCppLLM(small_model, n_threads=2)
    )
    answer = service.ask("2023年新增多少跨国公司地区总部")
    # Whatever the small model wrote, what is returned is grounded: either the figure from
    # the 2024 report's review of 2023, cited, or a refusal; never another number.
    assert answer.verification["commitments"][0]["probs"]
    if not answer.refused:
        assert "11" in answer.answer
        assert any("新增跨国公司地区总部11家" in c["quote"] for c in answer.citations)
    unanswerable = service.ask("2025年徐汇区居民人均可支配收入是多少")
    assert unanswerable.refused


@pytest.fixture(scope="module")
def llama_server(small_model):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(small_model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "1024",
            "--n_threads",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_up(f"{base}/models", process, 120)
        yield base
    finally:
        stop(process)


def test_openai_compatible_backend_against_a_real_server(llama_server):
    llm = OpenAICompatibleLLM(llama_server, "qwen2.5-coder-0.5b")
    assert "11" in complete_text(llm, MESSAGES, max_tokens=40)
    pieces = list(llm.complete(MESSAGES, stream=True, max_tokens=40))
    assert len(pieces) > 1 and "11" in "".join(pieces)


def test_openai_compatible_backend_reads_the_choice_probabilities(llama_server):
    llm = OpenAICompatibleLLM(llama_server, "qwen2.5-coder-0.5b")
    lead = Lead(["0", "1", "2"])
    reply = complete_text(llm, CHOICE, max_tokens=30, lead=lead)
    assert reply.startswith("[") and reply[1] in "012"  # the grammar reached the server
    assert set(lead.probs) == {"0", "1", "2"} and sum(lead.probs.values()) == pytest.approx(1)
    assert max(lead.probs, key=lead.probs.get) == reply[1]


def test_openai_compatible_backend_reports_an_unreachable_server():
    from app.errors import LLMError

    llm = OpenAICompatibleLLM(f"http://127.0.0.1:{free_port()}/v1", "none", timeout=2)
    with pytest.raises(LLMError, match="failed"):
        complete_text(llm, MESSAGES)
