"""A conversation in real headless Chromium: ask, follow up with "那2024年呢？", see how it
was read and its cited answer, give 👎 with a comment, find it in the question log, and
export the log as CSV. The server runs in this process with the fake models."""

from __future__ import annotations

import csv
import io

import pytest

from tests.fakes import ChoosingLLM
from tests.web.test_browser import OUTPUT, browser, page, sample_server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TOKEN = "browser-admin-token-2"
REPORT_2025 = """上海市徐汇区 区长 李 四
2024年工作回顾
一年来,全区经济稳中有进。新增跨国公司地区总部9家,累计总量保持中心城区第一。
2025年主要任务
(一)稳增长
新增各类绿地10公顷。
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    llm = ChoosingLLM(
        ("11家", "2023年新增跨国公司地区总部11家。", 0.9),
        ("9家", "2024年新增跨国公司地区总部9家。", 0.9),
    )
    root = tmp_path_factory.mktemp("conversation")
    with sample_server(root, llm, TOKEN, {"report2025.txt": REPORT_2025}) as (base, _, service):
        yield base, service


def test_a_follow_up_its_feedback_and_the_question_log(server, page):  # noqa: F811
    base, service = server
    page.goto(base + "/")
    page.fill("#question", "2023年新增多少跨国公司地区总部")
    page.click("#ask-button")
    page.wait_for_selector("#feedback:not([hidden])")
    assert "11家" in page.inner_text("#answer")
    assert "?c=c_" in page.url  # the link that reopens the conversation

    page.fill("#question", "那2024年呢？")
    page.click("#ask-button")
    page.wait_for_function("document.querySelectorAll('#turns li').length === 2")
    assert page.inner_text("#resolved") == "理解为：2024年新增多少跨国公司地区总部"
    assert "2024年新增跨国公司地区总部9家" in page.inner_text("#answer")
    assert page.locator("#answer .chip").count() == 1
    assert "新增跨国公司地区总部9家" in page.inner_text("#citations")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "browser-conversation.png"), full_page=True)

    page.click("#thumb-down")
    page.fill("#feedback-comment", "想看累计数")
    page.click("#feedback-send")
    page.wait_for_function(
        "document.getElementById('feedback-status').textContent === '已记录，谢谢！'"
    )

    reopened = page.url
    page.goto(reopened)  # the link shows the conversation again
    page.wait_for_function("document.querySelectorAll('#turns li').length === 2")
    assert "理解为：2024年新增多少跨国公司地区总部" in page.inner_text("#turns")

    page.goto(base + "/admin/log")
    page.fill("#token", TOKEN)
    page.select_option("#log-rating", "down")
    page.click("#log-filter")
    page.wait_for_selector("#log-rows tr")
    row = page.inner_text("#log-rows tr")
    assert "那2024年呢？" in row and "想看累计数" in row and "已回答" in row
    page.screenshot(path=str(OUTPUT / "browser-log.png"), full_page=True)
    with page.expect_download() as download:
        page.click(".log-export[data-format=csv]")
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["question"], r["rating"], r["comment"]) for r in rows] == [
        ("那2024年呢？", "down", "想看累计数")
    ]
