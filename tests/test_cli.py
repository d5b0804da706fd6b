import pytest

from app.cli import main

pytestmark = pytest.mark.unit


def test_empty_question_is_a_one_line_error(capsys):
    assert main(["search", "   "]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: the question is empty"


def test_missing_corpus_folder_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XUHUI_MODELS_DIR", str(tmp_path))
    code = main(["--corpus", str(tmp_path / "nope"), "--index-dir", str(tmp_path / "i"), "index"])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def test_missing_index_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XUHUI_EMBEDDER", str(tmp_path))  # any existing path: never loaded
    assert main(["--index-dir", str(tmp_path / "i"), "search", "2023年新增多少总部"]) == 2
    assert "xuhui-qa index" in capsys.readouterr().err


def test_bad_setting_is_a_one_line_error(capsys, monkeypatch):
    monkeypatch.setenv("XUHUI_CHUNK_SIZE", "-5")
    assert main(["search", "问题"]) == 2
    assert capsys.readouterr().err.startswith("error: invalid settings")


def test_help_does_not_import_torch(capsys):
    import subprocess
    import sys

    code = "import sys\nfrom app.cli import build_parser\nbuild_parser()\nprint('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
