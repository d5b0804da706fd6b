"""A table row, as a reader would use it: found by `xuhui-qa search`, cited by `xuhui-qa ask`
(the real embedder and the real 1.5B model, on a corpus of one generated DOCX)."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from tests.conftest import REPO
from tests.documents import TABLE_ROW_FIGURE, write_docx

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROW = "区级一般公共预算收入增速(%)：2025年目标4，2025年完成9.71。"


@pytest.fixture(scope="module")
def cli(tmp_path_factory, real_settings):
    corpus = tmp_path_factory.mktemp("tables") / "corpus"
    corpus.mkdir()
    write_docx(REPO / "corpus", corpus / "report2026.docx")
    index = tmp_path_factory.mktemp("tables-index")
    base = ["--no-progress", "--corpus", str(corpus), "--index-dir", str(index)]
    assert main([*base, "index"]) == 0
    return base


def test_the_row_is_found_by_search(cli, capsys):
    capsys.readouterr()
    assert main([*cli, "search", "2025年区级一般公共预算收入增速的目标", "--json"]) == 0
    passages = json.loads(capsys.readouterr().out)["passages"]
    assert any(ROW in p["text"] for p in passages[:3]), [p["text"][:80] for p in passages[:3]]


def test_the_rows_figure_is_answered_and_cited(cli, capsys):
    capsys.readouterr()
    question = "2025年区级一般公共预算收入增速的目标是多少？"
    assert main([*cli, "ask", question, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert not answer["refused"], answer["answer"]
    assert "4" in answer["answer"] and TABLE_ROW_FIGURE not in answer["answer"], answer["answer"]
    assert any(ROW in c["text"] for c in answer["citations"]), answer["citations"]
