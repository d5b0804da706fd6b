"""Screenshots of the running service, as a person sees it (for eval/reports/).

Start the service first (`make serve`, or `xuhui-qa serve`), then:
    .venv/bin/python eval/screenshots.py --url http://127.0.0.1:8000
It asks a Chinese and an English question, opens a citation, and shows the library.
"""

from __future__ import annotations

import argparse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def ask(page, url: str, question: str, timeout_ms: int) -> None:
    page.goto(url + "/")
    page.fill("#question", question)
    page.click("#ask-button")
    page.wait_for_function(
        "document.querySelector('#citations').children.length > 0 || "
        "document.querySelector('#answer').classList.contains('refused')",
        timeout=timeout_ms,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(REPO / "eval" / "reports"))
    parser.add_argument("--timeout", type=int, default=120, help="Seconds to wait for an answer.")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        zh = browser.new_context(viewport={"width": 1100, "height": 1000}, locale="zh-CN")
        page = zh.new_page()
        ask(page, args.url, "2023年新增多少跨国公司地区总部？", args.timeout * 1000)
        page.screenshot(path=str(out / "screenshot-answer-zh.png"), full_page=True)
        page.click("#answer .chip")
        page.wait_for_selector("#passage[open]")
        page.screenshot(path=str(out / "screenshot-citation.png"))
        page.goto(args.url + "/documents")
        page.screenshot(path=str(out / "screenshot-documents.png"), full_page=False)
        en = browser.new_context(
            viewport={"width": 1100, "height": 1000},
            locale="en-US",
            extra_http_headers={"Accept-Language": "en-US,en"},
        )
        page = en.new_page()
        ask(
            page,
            args.url,
            "How many new talent apartments did Xuhui add in 2023?",
            args.timeout * 1000,
        )
        page.screenshot(path=str(out / "screenshot-answer-en.png"), full_page=True)
        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        page = phone.new_page()
        ask(page, args.url, "2025年徐汇区全年收储土地多少亩？", args.timeout * 1000)
        page.screenshot(path=str(out / "screenshot-phone.png"), full_page=True)
        browser.close()
    for name in sorted(out.glob("screenshot-*.png")):
        print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
