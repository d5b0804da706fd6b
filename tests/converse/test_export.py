"""An answer or a conversation as Markdown."""

from __future__ import annotations

import re
import time

import pytest

from app.converse.export import conversation_markdown, turn_markdown
from app.converse.store import Conversation, Turn

pytestmark = pytest.mark.unit
SCRIPT = "<script>alert('x')</script>"


def hostile_turn() -> Turn:
    return Turn(
        turn_id="t_1",
        conversation_id="c_1",
        position=1,
        created=time.time(),
        question=f"2023年{SCRIPT}新增多少总部\n# 伪造的标题",
        resolved=f"<img src=x onerror=alert(1)>{SCRIPT}",
        resolved_by="code",
        answer=f"新增11家[1]。{SCRIPT}",
        citations=[{"n": 1, "title": "<b>报告</b>", "section": "回顾", "quote": "a < b & c"}],
        rating="down",
        comment=SCRIPT,
    )


def test_html_in_questions_answers_and_comments_is_escaped():
    text = conversation_markdown(Conversation("c_1", time.time(), "web", [hostile_turn()]))
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in text
    assert "> a &lt; b &amp; c" in text and "新增11家[1]。" in text  # markers stay as they are
    heading = next(line for line in text.splitlines() if line.startswith("## "))
    assert heading.endswith("# 伪造的标题")  # a line break in a question starts no heading
    assert "\n# 伪造的标题" not in text


def test_markdown_links_in_questions_and_answers_are_shown_as_text():
    turn = Turn(
        "t_3",
        "c_1",
        1,
        time.time(),
        "看[这里](javascript:alert(1))",
        "看[这里](javascript:alert(1))",
        "standalone",
        answer="新增11家[1]。\n[x]: javascript:alert(2)",
    )
    text = turn_markdown(turn)
    assert not re.search(r"(?<!\\)\]\(", text)  # no "](" left unescaped: no inline link
    assert "\n\\[x\\]: javascript" in text  # nor a reference definition
    assert "新增11家[1]。" in text


def test_an_ordinary_answer_reads_as_before():
    turn = Turn(
        "t_2", "c_1", 1, time.time(), "2023年新增多少总部", "2023年新增多少总部", "standalone"
    )
    turn.answer = "2023年新增跨国公司地区总部11家[1]。"
    assert (
        turn_markdown(turn, heading="#")
        == "# 2023年新增多少总部\n\n2023年新增跨国公司地区总部11家[1]。\n"
    )
