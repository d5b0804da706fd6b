"""The page in real headless Chromium (Debian's package), driven by Playwright.

The server runs in this process on a loopback port with the fake models, so what is
tested is the page: streaming, citation chips, the passage dialog, the admin upload
with its progress, and escaping. Screenshots go to test-output/.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from pathlib import Path

import pytest

from app.index import build_index
from app.service import QAService
from tests.fakes import ChoosingLLM
from tests.servers import serve_in_thread

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
TOKEN = "browser-admin-token-1"
REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "test-output"


@contextlib.contextmanager
def sample_server(root: Path, llm, token: str, extra: dict[str, str] | None = None):
    """The sample corpus (plus `extra` files) with the fake embedder and `llm`, served on
    loopback; yields (base URL, settings, service)."""
    from app.settings import Settings
    from app.web.app import create_app
    from tests.conftest import write_sample_corpus
    from tests.fakes import HashEmbedder

    corpus = write_sample_corpus(root)
    for name, text in (extra or {}).items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings(
        corpus_dir=corpus,
        index_dir=root / "index",
        show_progress=False,
        chunk_size=120,
        chunk_overlap=10,
        admin_token=token,
    )
    embedder = HashEmbedder()
    service = QAService(settings, build_index(settings, embedder), embedder, llm)
    with serve_in_thread(create_app(settings, service=service)) as base:
        yield base, settings, service


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    llm = ChoosingLLM(*[("11家", "2023年新增跨国公司地区总部11家。", 0.9)] * 20)
    with sample_server(tmp_path_factory.mktemp("browser"), llm, TOKEN) as (base, settings, _):
        yield base, settings


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_ask_streams_the_answer_and_a_citation_opens_its_passage(server, page):
    base, _ = server
    page.goto(base + "/")
    page.fill("#question", "2023年新增多少跨国公司地区总部？")
    page.click("#ask-button")
    page.wait_for_selector("#answer .chip")
    assert "2023年新增跨国公司地区总部11家" in page.inner_text("#answer")
    assert "2024年徐汇区政府工作报告" in page.inner_text("#source-note")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "browser-answer.png"), full_page=True)
    page.click("#answer .chip")
    page.wait_for_selector("#passage[open]")
    assert "11家" in page.inner_text("#passage-text")
    assert page.locator("#passage-text mark").count() >= 1
    href = page.get_attribute("#passage-link", "href")
    page.goto(base + href)
    assert page.locator("mark#hl").count() == 1


def test_an_open_question_shows_its_points_as_a_list_with_citation_chips(server, page):
    base, settings = server
    settings.open_relevance_band = 1.0  # the fake embedder's similarities mean little
    page.goto(base + "/")
    page.fill("#question", "2024年徐汇在稳增长方面有哪些计划？")
    page.click("#ask-button")
    page.wait_for_selector("#answer ol.points li .chip")
    items = page.locator("#answer ol.points li")
    assert items.count() >= 1
    assert "据2024年报告" in page.inner_text("#answer p.lead")
    listed = page.inner_text("#answer ol.points")
    assert "固定资产投资总额增长10%" in listed or "新增各类绿地8公顷" in listed
    assert page.locator("#citations li").count() >= items.count()
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "browser-open-answer.png"), full_page=True)
    page.click("#answer ol.points li .chip")
    page.wait_for_selector("#passage[open]")
    assert page.locator("#passage-text mark").count() >= 1


def upload_on_the_page(page, base: str, path: Path) -> None:
    """Choose a file on the library page with the admin token and submit it."""
    page.goto(base + "/documents")
    page.fill("#token", TOKEN)
    page.set_input_files("#file", str(path))
    page.click("#upload-form button[type=submit]")


def test_admin_uploads_a_report_and_finds_it_by_search(server, page):
    base, settings = server
    upload = settings.corpus_dir.parent / "upload.txt"
    upload.write_text("2024年徐汇区新建口袋公园27座,全部向市民开放。", encoding="utf-8")
    upload_on_the_page(page, base, upload)
    # The page reloads when indexing is done; the library then lists the file.
    page.wait_for_selector("tr[id='doc-upload']", timeout=30000)
    response = page.request.get(base + "/api/search", params={"q": "口袋公园", "k": "1"})
    assert "口袋公园27座" in response.json()["passages"][0]["text"]
    page.screenshot(path=str(OUTPUT / "browser-documents.png"), full_page=True)


def test_a_script_in_a_document_shows_as_text(server, page):
    base, settings = server
    (settings.corpus_dir / "xss.txt").write_text(
        "徐汇区<script>window.pwned=1</script><img src=x onerror=window.pwned=2>新增绿地8公顷。",
        encoding="utf-8",
    )
    page.request.post(base + "/api/admin/reindex", headers={"X-Admin-Token": TOKEN})
    for _ in range(100):
        if page.request.get(base + "/api/documents/xss").ok:
            break
        time.sleep(0.1)
    page.goto(base + "/documents/xss")
    assert "<script>window.pwned=1</script>" in page.inner_text("article")
    assert page.evaluate("window.pwned") is None
    page.goto(base + "/")
    page.fill("#question", "<img src=x onerror=window.pwned=3>新增绿地")
    page.select_option("#mode", "extractive")
    page.click("#ask-button")
    page.wait_for_function(
        "document.querySelector('#status').textContent.length > 0 && !document.querySelector('#ask-button').disabled"
    )
    assert page.evaluate("window.pwned") is None


def test_the_page_switches_to_english_and_fits_a_phone(server, browser):
    base, _ = server
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="en-US",
        extra_http_headers={"Accept-Language": "en-US"},
    )
    page = context.new_page()
    page.goto(base + "/")
    assert "Xuhui Government Work Report Q&A" in page.inner_text("header")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    context.close()


def test_a_scanned_report_uploaded_on_the_page_shows_ocr_progress_then_answers(server, page):
    from tests.documents import print_pdf, report_html, scan_pdf

    base, settings = server
    root = settings.corpus_dir.parent
    scan = scan_pdf(
        print_pdf(report_html(REPO / "corpus", table=True), root / "r.pdf"), root / "扫描件.pdf"
    )
    upload_on_the_page(page, base, scan)
    page.wait_for_function(
        "document.querySelector('#upload-status')?.textContent.includes('by OCR')", timeout=60000
    )
    page.screenshot(path=str(OUTPUT / "browser-ocr-progress.png"), full_page=True)
    # The page reloads when indexing is done; the library then lists the scan.
    page.wait_for_selector("tr[id='doc-扫描件']", timeout=240000)
    page.goto(base + "/")
    page.select_option("#mode", "extractive")
    page.fill("#question", "2025年区级一般公共预算收入增速的目标是多少？")
    page.click("#ask-button")
    try:
        page.wait_for_selector("#answer .chip", timeout=30000)
    finally:
        page.screenshot(path=str(OUTPUT / "browser-ocr-answer.png"), full_page=True)
    assert "2025年目标4" in page.inner_text("#answer"), page.inner_text("#answer")


# Two reports added as an administrator adds them: no manifest entry, their year read
# from their own title and headings.
SERIES_REPORTS = {
    "r2025.txt": "2025年上海市徐汇区政府工作报告\n2024年工作回顾\n一年来,城区面貌持续改善。"
    "全年新增公共绿地6.2公顷,新增公共泊位3000个。\n2025年主要任务\n(一)生态\n新增公共绿地5公顷。\n",
    "r2026.txt": "2026年上海市徐汇区政府工作报告\n2025年工作回顾\n一年来,生态环境不断优化。"
    "全年新增公共绿地7.5公顷。\n2026年主要任务\n(一)生态\n新增公共绿地6公顷。\n",
}


def test_a_series_question_shows_a_table_a_chart_and_a_csv_download(tmp_path, page):
    with sample_server(tmp_path, ChoosingLLM(), TOKEN, SERIES_REPORTS) as (base, _, _):
        page.goto(base + "/")
        page.fill("#question", "2023年到2025年每年新增公共绿地多少公顷？")
        page.click("#ask-button")
        page.wait_for_selector("#answer table.figures")
        rows = page.locator("#answer table.figures tbody tr")
        assert rows.count() == 3
        assert "报告未载" in rows.nth(0).inner_text()  # 2023: no report states it
        assert "6.2公顷" in rows.nth(1).inner_text() and "7.5公顷" in rows.nth(2).inner_text()
        assert page.locator("#answer svg.chart circle").count() == 2
        with page.expect_download() as download:
            page.click("#answer a.csv")
        csv = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert csv.splitlines()[2].startswith('"2024","6.2公顷","6.2","公顷","actual"')
        rows.nth(1).locator(".chip").click()
        page.wait_for_selector("#passage[open]")
        assert "6.2公顷" in page.inner_text("#passage-text mark")
        page.keyboard.press("Escape")
        OUTPUT.mkdir(exist_ok=True)
        page.screenshot(path=str(OUTPUT / "browser-series-answer.png"), full_page=True)
