"""The OpenAI-compatible endpoint driven by the real `openai` Python client over loopback:
with the fake model, and with the small real model on the shipped corpus."""

from __future__ import annotations

import pytest

from app.index import build_index
from app.service import QAService
from app.web.app import create_app
from tests.fakes import ChoosingLLM, HashEmbedder
from tests.servers import serve_in_thread

FIRST = "2023年新增多少跨国公司地区总部"


def client_for(base: str):
    from openai import OpenAI

    return OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0, timeout=120)


@pytest.fixture
def served(settings):
    embedder = HashEmbedder()
    llm = ChoosingLLM(*[("11家", "2023年新增跨国公司地区总部11家。", 0.9)] * 10)
    service = QAService(settings, build_index(settings, embedder), embedder, llm)
    with serve_in_thread(create_app(settings, service=service)) as base:
        yield client_for(base), service


@pytest.mark.unit
def test_the_openai_client_gets_a_cited_answer(served):
    client, service = served
    assert [m.id for m in client.models.list()] == ["xuhui-qa"]
    completion = client.chat.completions.create(
        model="xuhui-qa", messages=[{"role": "user", "content": FIRST}]
    )
    text = completion.choices[0].message.content
    assert text.startswith("2023年新增跨国公司地区总部11家[1]。") and "\n[1] " in text
    extra = completion.model_dump()
    assert extra["refused"] is False and "11家" in extra["citations"][0]["quote"]
    turn = service.store.turn(completion.id.removeprefix("chatcmpl-"))
    assert turn.question == FIRST and turn.answer in text


@pytest.mark.unit
def test_the_openai_client_streams_and_follows_up(served):
    client, _ = served
    chunks = list(
        client.chat.completions.create(
            model="xuhui-qa", messages=[{"role": "user", "content": FIRST}], stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "11家[1]" in text
    assert chunks[-1].model_dump()["citations"][0]["n"] == 1
    follow = client.chat.completions.create(
        model="xuhui-qa",
        messages=[
            {"role": "user", "content": FIRST},
            {"role": "assistant", "content": text},
            {"role": "user", "content": "那2024年呢？"},
        ],
    )
    assert follow.model_dump()["resolved_question"] == "2024年新增多少跨国公司地区总部"


@pytest.mark.unit
def test_the_openai_client_sees_bad_requests_as_errors(served):
    import openai

    client, _ = served
    with pytest.raises(openai.UnprocessableEntityError):
        client.chat.completions.create(
            model="xuhui-qa", messages=[{"role": "assistant", "content": "hello"}]
        )


@pytest.mark.integration
@pytest.mark.slow
def test_the_openai_client_with_the_small_real_model(real_settings, real_index, real_embedder):
    from app.models import assets
    from app.models.llm import LlamaCppLLM

    path = assets.gguf_path(real_settings.models_dir, "qwen2.5-coder-0.5b")
    llm = LlamaCppLLM(path, n_threads=2)
    settings = real_settings
    service = QAService(settings, real_index, real_embedder, llm)
    with serve_in_thread(create_app(settings, service=service)) as base:
        client = client_for(base)
        first = client.chat.completions.create(
            model="xuhui-qa",
            messages=[{"role": "user", "content": "2025年徐汇引进了多少个亿元级项目？"}],
        )
        follow = list(
            client.chat.completions.create(
                model="xuhui-qa",
                stream=True,
                messages=[
                    {"role": "user", "content": "2025年徐汇引进了多少个亿元级项目？"},
                    {"role": "assistant", "content": first.choices[0].message.content},
                    {"role": "user", "content": "那2023年呢？"},
                ],
            )
        )
    for reply, figure, wrong in (
        (first.model_dump(), "16", "12"),
        (follow[-1].model_dump(), "12", "16"),
    ):
        # Whatever the small model wrote, what comes back is grounded: the year's own
        # figure with its citation, or a refusal; never the other year's figure.
        if not reply["refused"]:
            quotes = " ".join(c["quote"] for c in reply["citations"])
            assert figure in quotes and f"亿元级项目{wrong}" not in quotes
    assert follow[-1].model_dump()["resolved_question"] == "2023年徐汇引进了多少个亿元级项目？"
    text = "".join(c.choices[0].delta.content or "" for c in follow if c.choices)
    assert text.strip()
