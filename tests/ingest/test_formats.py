"""One report as it arrives in every format: PDF (one to three columns), scanned PDF, HTML
with site chrome, DOCX with a table. Each is read back to the text it was made from,
with the same kind and years. The documents are generated (tests/documents.py)."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest

from app.ingest import loaders
from app.ingest.pipeline import ingest
from tests.conftest import REPO
from tests.documents import CHROMIUM, TABLE_ROW_FIGURE, char_accuracy, make_all, source_text

pytestmark = [pytest.mark.slow]

CORPUS = REPO / "corpus"
# name → (has the table, least character accuracy)
FORMATS = {
    "pdf": (True, 0.98),
    "pdf2": (False, 0.98),
    "pdf3": (False, 0.98),
    "scan": (True, 0.95),
    "html": (True, 0.98),
    "docx": (True, 0.98),
}


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    return make_all(CORPUS, tmp_path_factory.mktemp("documents"))


@pytest.fixture(scope="module")
def texts(documents):
    return {name: loaders.load(path) for name, path in documents.items()}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_reads_back_to_its_source_text(texts, name):
    table, least = FORMATS[name]
    accuracy = char_accuracy(source_text(CORPUS, table=table), texts[name])
    assert accuracy >= least, f"{name}: {accuracy:.4f}"


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_each_format_keeps_the_reports_kind_years_and_date(documents, name, tmp_path):
    shutil.copy(documents[name], tmp_path)
    (doc,) = ingest(tmp_path, ["徐汇"]).documents
    assert doc.kind == "work_report"
    assert (doc.reviewed_years, doc.planned_years) == ([2025], [2026])
    assert doc.delivered == "2026-01-08"
    assert doc.title == "2026年上海市徐汇区政府工作报告"


@pytest.mark.parametrize("name", ["pdf", "scan", "html", "docx"])
def test_a_table_row_keeps_its_label_header_and_figure_together(texts, name):
    row = f"区级一般公共预算收入增速(%)：2025年目标 4，2025年完成 {TABLE_ROW_FIGURE}。"
    # OCR may read a bracket full-width or half-width: compare in NFKC.
    assert unicodedata.normalize("NFKC", row) in unicodedata.normalize("NFKC", texts[name])


def test_the_site_chrome_around_an_html_report_is_gone(texts):
    for chrome in ("WAP手机版", "索引号", "首页", "版权所有", "021-64872222"):
        assert chrome not in texts["html"]


def test_two_columns_are_read_one_after_the_other(texts):
    text = texts["pdf2"]
    # The first column ends mid-paragraph; the right column carries on from there.
    assert (
        text.index("2025年工作回顾") < text.index("创新生态持续完善") < text.index("2026年主要任务")
    )
