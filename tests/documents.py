"""Make the test documents: one report as PDF (one, two and three columns), scanned PDF,
HTML, DOCX.

Nothing is downloaded. The PDFs are printed by Debian's Chromium (which `make test`
installs with the Noto CJK fonts) from HTML we write; the scan rasterises those pages
with pypdfium2 and wraps the images, with no text layer, in a PDF by Pillow. The HTML
page puts site chrome (navigation, breadcrumb, index fields, footer) around the
report; the DOCX has a target/actual table.

    python -m tests.documents OUT_DIR   # writes them all, to look at
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# The opening of the shipped 2026 report (corpus/000_…): its headings say what it reviews
# and plans; the document generated from it must keep both.
TITLE = "2026年上海市徐汇区政府工作报告"
DATE_LINE = "——2026年1月8日在上海市徐汇区第十八届人民代表大会第五次会议上"
TABLE = [
    ["指标", "2025年目标", "2025年完成"],
    ["地区生产总值增速(%)", "5", "5.2"],
    ["区级一般公共预算收入增速(%)", "4", "9.71"],
    ["新增跨国公司地区总部(家)", "8", "12"],
]
TABLE_ROW_FIGURE = "9.71"


def _report_lines(corpus: Path) -> list[str]:
    text = (corpus / "000_e92cbedd5edbb541.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _cut(line: str, max_chars: int) -> str:
    """A paragraph cut at its last full stop within max_chars."""
    return line if len(line) <= max_chars else line[:max_chars].rsplit("。", 1)[0] + "。"


def report_paragraphs(corpus: Path, max_chars: int = 1400) -> list[str]:
    """The first paragraphs of the shipped 2026 report, about max_chars in all."""
    out, size = [], 0
    for line in _report_lines(corpus)[1:]:
        if size + len(line) > max_chars and out:
            break
        out.append(_cut(line, max_chars))
        size += len(out[-1])
    return out


def plan_paragraphs(corpus: Path, max_chars: int = 500) -> list[str]:
    """The start of the same report's plan part (heading `2026年主要任务`)."""
    lines = _report_lines(corpus)
    start = next(i for i, line in enumerate(lines) if line.startswith("2026年主要任务"))
    out, size = [], 0
    for line in lines[start:]:
        out.append(_cut(line, max_chars))
        size += len(out[-1])
        if size > max_chars:
            break
    return out


def source_text(corpus: Path, *, table: bool = False) -> str:
    """What a generated version holds, as plain text (the reference for accuracy); its
    table, where it has one, as the row sentences the loaders make of it."""
    from app.ingest.tables import row_sentences

    rows = row_sentences(TABLE) if table else []
    return "\n".join(
        [TITLE, DATE_LINE, *report_paragraphs(corpus), *rows, *plan_paragraphs(corpus)]
    )


def char_accuracy(reference: str, text: str) -> float:
    """How well a text matches the reference, 0-1 (difflib's ratio over the characters,
    whitespace and character width ignored)."""
    import difflib
    import re
    import unicodedata

    def norm(t: str) -> str:
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", t))

    return difflib.SequenceMatcher(None, norm(reference), norm(text), autojunk=False).ratio()


def _table_html() -> str:
    head, *body = TABLE
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in body
    )
    cells = "".join(f"<th>{html.escape(c)}</th>" for c in head)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{rows}</tbody></table>"


def report_html(
    corpus: Path, *, columns: int = 1, table: bool = False, chrome: bool = False
) -> str:
    """The report as an HTML page: one or two columns, with a table and site chrome if asked."""
    plan = "".join(
        f"<h2>{html.escape(p)}</h2>" if i == 0 else f"<p>{html.escape(p)}</p>"
        for i, p in enumerate(plan_paragraphs(corpus))
    )
    first, *rest = report_paragraphs(corpus)
    body = f"<h2>{html.escape(first)}</h2>" + "".join(f"<p>{html.escape(p)}</p>" for p in rest)
    table_html = _table_html() if table else ""
    style = (
        "body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC';font-size:11pt;margin:0}"
        f".cols{{column-count:{columns};column-gap:28pt}}"
        "h1{font-size:16pt;text-align:center}h2{font-size:12pt}p{margin:0 0 6pt;text-indent:2em}"
        "table{border-collapse:collapse;margin:6pt 0}td,th{border:1px solid #000;padding:2pt 6pt}"
        "@page{size:A4;margin:18mm}"
    )
    nav = header = footer = ""
    if chrome:
        nav = (
            "<div class='top'><a href='/'>首页</a> | <a href='/zwgk'>政务公开</a> | "
            "<a href='/wap'>WAP手机版</a> | <a href='/en'>English</a></div>"
            "<div class='crumb'><img src='ico-crumb.png'>首页&gt;政务公开&gt;政府工作报告&gt;正文</div>"
        )
        header = "<div class='meta'>索引号:SY0012345-2026-0001 主题分类:综合政务 发布日期:2026-01-12</div>"
        footer = (
            "<footer><p>主办单位：上海市徐汇区人民政府办公室 联系电话：021-64872222</p>"
            "<p>版权所有© 徐汇区人民政府 沪ICP备05001234号</p></footer>"
        )
    return (
        f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>{TITLE}</title>"
        f"<style>{style}</style></head><body>{nav}<article>{header}<h1>{TITLE}</h1>"
        f"<p style='text-align:center'>{html.escape(DATE_LINE)}</p>"
        f"<div class='cols'>{body}{table_html}{plan}</div></article>{footer}</body></html>"
    )


def print_pdf(page_html: str, out: Path) -> Path:
    """Print an HTML page to PDF with headless Chromium."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "page.html"
        src.write_text(page_html, encoding="utf-8")
        subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={tmp}/profile",
                f"--print-to-pdf={out}",
                src.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    return out


def scan_pdf(pdf: Path, out: Path, dpi: int = 150) -> Path:
    """Rasterise every page and wrap the images in a PDF with no text layer (a scan)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(pdf))
    images = [page.render(scale=dpi / 72).to_pil().convert("L") for page in document]
    images[0].save(out, save_all=True, append_images=images[1:], resolution=dpi)
    return out


def write_docx(corpus: Path, out: Path) -> Path:
    """The report as a Word document: title, date line, paragraphs, the table, the plan."""
    from docx import Document

    doc = Document()
    doc.add_heading(TITLE, level=1)
    doc.add_paragraph(DATE_LINE)
    for paragraph in report_paragraphs(corpus):
        doc.add_paragraph(paragraph)
    head, *body = TABLE
    table = doc.add_table(rows=1, cols=len(head))
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = text
    for row in body:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    for paragraph in plan_paragraphs(corpus):
        doc.add_paragraph(paragraph)
    doc.save(out)
    return out


def make_all(corpus: Path, out_dir: Path) -> dict[str, Path]:
    """Every version of the report, by name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    one = print_pdf(report_html(corpus, columns=1, table=True), out_dir / "report-1col.pdf")
    two = print_pdf(report_html(corpus, columns=2), out_dir / "report-2col.pdf")
    three = print_pdf(report_html(corpus, columns=3), out_dir / "report-3col.pdf")
    page = out_dir / "report.html"
    page.write_text(report_html(corpus, table=True, chrome=True), encoding="utf-8")
    return {
        "pdf": one,
        "pdf2": two,
        "pdf3": three,
        "scan": scan_pdf(one, out_dir / "report-scan.pdf"),
        "html": page,
        "docx": write_docx(corpus, out_dir / "report.docx"),
    }


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    for name, path in make_all(root / "corpus", Path(sys.argv[1])).items():
        print(f"{name}: {path} ({path.stat().st_size} bytes)")
