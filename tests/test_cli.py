from pathlib import Path

import pytest

from app.cli import main

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.unit


def test_empty_question_is_a_one_line_error(capsys):
    assert main(["search", "   "]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: the question is empty"


@pytest.mark.parametrize("question", ["\u3164", "\u200b\u3000\ufeff\u3164\uffa0"])
def test_a_question_of_invisible_fillers_is_empty(capsys, question):
    assert main(["ask", question]) == 2
    assert capsys.readouterr().err.strip() == "error: the question is empty"


def test_missing_corpus_folder_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XUHUI_MODELS_DIR", str(tmp_path))
    code = main(["--corpus", str(tmp_path / "nope"), "--index-dir", str(tmp_path / "i"), "index"])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def missing_corpus_env(tmp_path) -> dict[str, str]:
    """Settings whose corpus folder does not exist and whose index was never built; the
    embedder is any existing path (never loaded)."""
    import os

    return {
        **os.environ,
        "XUHUI_CORPUS_DIR": str(tmp_path / "no-such-corpus"),
        "XUHUI_INDEX_DIR": str(tmp_path / "index"),
        "XUHUI_MODELS_DIR": str(tmp_path),
        "XUHUI_EMBEDDER": str(tmp_path),
    }


def test_serve_without_a_corpus_folder_or_an_index_says_so_in_one_line(tmp_path):
    import subprocess
    import sys

    from tests.servers import free_port

    done = subprocess.run(
        [sys.executable, "-m", "app", "serve", "--port", str(free_port())],
        env=missing_corpus_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: the corpus folder {tmp_path / 'no-such-corpus'} does not exist and there is "
        "no index to serve: create the folder with the documents in it, or point "
        "XUHUI_CORPUS_DIR (or --corpus) at the folder that holds them"
    ]


def test_a_question_without_a_corpus_folder_or_an_index_names_the_folder(
    tmp_path, capsys, monkeypatch
):
    for name, value in missing_corpus_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    assert main(["search", "2023年新增多少总部"]) == 2
    err = capsys.readouterr().err
    assert "no-such-corpus does not exist" in err and "XUHUI_CORPUS_DIR" in err


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


def test_chat_follows_up_and_leaves_on_end_of_input(settings, fake_embedder, capsys, monkeypatch):
    import io

    from app import cli
    from app.index import build_index
    from app.service import QAService
    from tests.fakes import ChoosingLLM

    llm = ChoosingLLM(*[("11家", "2023年新增跨国公司地区总部11家。", 0.9)] * 3)
    service = QAService(settings, build_index(settings, fake_embedder), fake_embedder, llm)
    monkeypatch.setattr(cli, "_service", lambda args: service)
    monkeypatch.setattr("sys.stdin", io.StringIO("2023年新增多少跨国公司地区总部\n那2024年呢？\n"))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "2023年新增跨国公司地区总部11家" in out
    assert "(理解为 / read as: 2024年新增多少跨国公司地区总部)" in out
    turns = service.store.log()
    assert len({t.conversation_id for t in turns}) == 1 and len(turns) == 2  # one conversation
