"""PDF, Word and HTML files are parsed in a child process with a memory and a time limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import UnreadableDocumentError
from app.ingest import loaders, worker
from app.ingest.pipeline import ParseLimits, ingest

pytestmark = pytest.mark.unit
PAGE = (
    "<html><head><title>徐汇区2025年工作简报</title></head><body><article>"
    "<h1>徐汇区2025年工作简报</h1><p>2025年徐汇区新建口袋公园12座，新增公共泊位6720个。</p>"
    "</article></body></html>"
)


def big_table(path: Path, rows: int) -> Path:
    cells = "".join(f"<tr><td>徐汇区第{i}项</td><td>{i}亿元</td></tr>" for i in range(rows))
    path.write_text(f"<html><body><article><table>{cells}</table></article></body></html>")
    return path


def test_a_file_parsed_apart_reads_as_it_does_in_process(tmp_path):
    page = tmp_path / "brief.html"
    page.write_text(PAGE, encoding="utf-8")
    assert worker.run("load", page, memory_mb=2048, timeout_s=120) == loaders.load(page)
    assert worker.run("check", page, memory_mb=2048, timeout_s=120) == ""


def test_a_parse_that_needs_more_memory_than_allowed_is_set_aside(tmp_path):
    page = big_table(tmp_path / "huge.html", 100_000)
    with pytest.raises(UnreadableDocumentError, match="more than 300 MB of memory"):
        worker.run("load", page, memory_mb=300, timeout_s=120)


def test_a_parse_past_its_time_limit_is_stopped(tmp_path):
    page = tmp_path / "brief.html"
    page.write_text(PAGE, encoding="utf-8")
    with pytest.raises(UnreadableDocumentError, match="longer than 0.01 s"):
        worker.run("load", page, memory_mb=2048, timeout_s=0.01)


def test_the_child_reports_an_unreadable_file_in_its_own_words(tmp_path):
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UnreadableDocumentError, match="broken.docx"):
        worker.run("load", broken, memory_mb=2048, timeout_s=120)


def test_ingest_sets_a_ballooning_file_aside_and_reads_the_rest(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "brief.html").write_text(PAGE, encoding="utf-8")
    big_table(corpus / "huge.html", 100_000)
    result = ingest(corpus, ["徐汇"], limits=ParseLimits(memory_mb=300, timeout_s=120))
    assert [d.source_file for d in result.documents] == ["brief.html"]
    assert len(result.errors) == 1 and "huge.html" in result.errors[0]
