"""The MCP tools, through the official SDK's own client, over both transports: streamable
HTTP mounted in the web app (fake models, loopback) and stdio (`xuhui-qa mcp` started as
a process, with the packaged embedder on a small corpus)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from app.index import build_index
from app.service import QAService
from app.web.app import create_app
from tests.fakes import ChoosingLLM, HashEmbedder
from tests.servers import serve_in_thread

REPO = Path(__file__).resolve().parents[2]
TOOLS = {"search_reports", "ask_reports", "figures", "list_documents", "get_document"}


async def exercise(client) -> dict:
    """Call every tool once, as an agent would; return what came back."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    docs = (await client.call_tool("list_documents", {})).structured_content["documents"]
    doc_id = docs[0]["doc_id"]
    found = await client.call_tool("search_reports", {"query": "跨国公司地区总部", "k": 3})
    one = await client.call_tool("get_document", {"doc_id": doc_id, "length": 50})
    asked = await client.call_tool(
        "ask_reports", {"question": "2023年新增多少跨国公司地区总部", "mode": "extractive"}
    )
    missing = await client.call_tool("get_document", {"doc_id": "no-such-doc"})
    figures = await client.call_tool(
        "figures", {"indicator": "跨国公司地区总部", "first_year": 2022, "last_year": 2023}
    )
    return {
        "figures": figures.structured_content,
        "tools": tools,
        "docs": docs,
        "search": found.structured_content,
        "document": one.structured_content,
        "ask": asked.structured_content,
        "missing": missing,
    }


def check(result: dict) -> None:
    assert set(result["tools"]) >= TOOLS
    schema = result["tools"]["ask_reports"].input_schema
    assert schema["required"] == ["question"] and "history" in schema["properties"]
    assert result["tools"]["ask_reports"].output_schema["properties"]["citations"]
    assert (
        result["docs"][0]["kind"] == "work_report" and 2023 in result["docs"][0]["reviewed_years"]
    )
    assert any("11家" in p["text"] for p in result["search"]["passages"])
    assert len(result["document"]["text"]) == 50 and result["document"]["total_characters"] > 50
    ask = result["ask"]
    assert not ask["refused"] and "11家" in ask["citations"][0]["quote"]
    assert ask["citations"][0]["link"].startswith("/documents/")
    assert result["missing"].is_error
    rows = result["figures"]["rows"]
    assert [(r["year"], r["stated"], r["written"]) for r in rows] == [
        (2022, False, None),
        (2023, True, "11家"),
    ]
    assert "11家" in rows[1]["quote"] and rows[1]["link"].startswith("/documents/")


@pytest.mark.unit
def test_mcp_over_streamable_http_in_the_web_app(settings):
    from mcp import Client

    embedder = HashEmbedder()
    llm = ChoosingLLM(*[("11家", "2023年新增跨国公司地区总部11家。", 0.9)] * 5)
    service = QAService(settings, build_index(settings, embedder), embedder, llm)
    with serve_in_thread(create_app(settings, service=service)) as base:

        async def run():
            async with Client(f"{base}/mcp") as client:
                result = await exercise(client)
                follow = await client.call_tool(
                    "ask_reports",
                    {"question": "那2024年呢？", "history": ["2023年新增多少跨国公司地区总部"]},
                )
                return result, follow.structured_content

        result, follow = asyncio.run(run())
    check(result)
    assert follow["resolved_question"] == "2024年新增多少跨国公司地区总部"
    stored = service.store.log(limit=5)
    assert {t.question for t in stored} >= {"那2024年呢？", "2023年新增多少跨国公司地区总部"}


@pytest.mark.unit
def test_mcp_over_http_needs_a_key_when_chat_is_closed(settings):
    import httpx

    closed = settings.model_copy(update={"chat_open": False, "chat_keys": ["agent-key-0001"]})
    embedder = HashEmbedder()
    service = QAService(closed, build_index(closed, embedder), embedder, ChoosingLLM())
    with serve_in_thread(create_app(closed, service=service)) as base:
        denied = httpx.post(f"{base}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert denied.status_code == 401


async def unknown_document_calls(client) -> list:
    """Every tool that takes a doc_id, called with one the library does not hold."""
    return [
        await client.call_tool(name, {**arguments, "doc_id": "no-such-doc"})
        for name, arguments in (
            ("ask_reports", {"question": "2023年新增多少跨国公司地区总部"}),
            ("ask_reports", {"question": "2023年新增多少跨国公司地区总部", "mode": "extractive"}),
            ("search_reports", {"query": "跨国公司地区总部"}),
            ("get_document", {}),
        )
    ]


@pytest.mark.unit
@pytest.mark.parametrize("transport", ["in-process", "http"])
def test_an_unknown_document_is_an_error_that_names_it(settings, transport):
    from mcp import Client

    from app.mcp_server import build_mcp

    embedder = HashEmbedder()
    llm = ChoosingLLM(*[("11家", "2023年新增跨国公司地区总部11家。", 0.9)] * 5)
    service = QAService(settings, build_index(settings, embedder), embedder, llm)

    async def run(target):
        async with Client(target) as client:
            return await unknown_document_calls(client)

    if transport == "in-process":  # the tools as `xuhui-qa mcp` serves them
        results = asyncio.run(run(build_mcp(lambda: service)))
    else:
        with serve_in_thread(create_app(settings, service=service)) as base:
            results = asyncio.run(run(f"{base}/mcp"))
    for result in results:
        assert result.is_error and "no-such-doc" in result.content[0].text
    assert service.store.log() == []  # nothing was answered, so nothing is remembered


@pytest.mark.unit
def test_a_question_of_invisible_fillers_is_an_error(settings):
    from mcp import Client

    from app.mcp_server import build_mcp

    embedder = HashEmbedder()
    service = QAService(settings, build_index(settings, embedder), embedder, ChoosingLLM())

    async def run():
        async with Client(build_mcp(lambda: service)) as client:
            asked = await client.call_tool("ask_reports", {"question": "\u3164\u200b"})
            searched = await client.call_tool("search_reports", {"query": "\u3000\u3164"})
            return asked, searched

    for result in asyncio.run(run()):
        assert result.is_error and "the question is empty" in result.content[0].text
    assert service.store.log() == []


@pytest.mark.integration
@pytest.mark.slow
def test_mcp_over_stdio_with_the_packaged_embedder(tmp_path, real_settings):
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    from tests.conftest import write_sample_corpus

    corpus = write_sample_corpus(tmp_path)
    env = {
        **os.environ,
        "XUHUI_CORPUS_DIR": str(corpus),
        "XUHUI_INDEX_DIR": str(tmp_path / "index"),
        "XUHUI_MODELS_DIR": str(real_settings.models_dir),
        "XUHUI_ANSWER_MODE": "extractive",
    }
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "app", "--no-progress", "mcp"], env=env, cwd=str(REPO)
    )

    async def run():
        async with Client(server) as client:
            return await exercise(client)

    check(asyncio.run(asyncio.wait_for(run(), timeout=300)))
