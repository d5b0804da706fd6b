"""Composite questions are decomposed: a comparison is two cells of the figures table (or,
when the table lacks one, one grounded lookup per year) and a difference computed in code;
a yes/no question is decided by the sentence's direction."""

import pytest

from app.index import build_index
from app.service import QAService
from app.settings import Settings
from tests.fakes import ChoosingLLM

pytestmark = pytest.mark.unit

REPORTS = {
    "r2024.txt": (
        "2024-01-10",
        "2023年工作回顾\n一年来，经济运行回升向好。全年新增公共泊位5186个、公共充电桩692个。"
        "预计商品销售总额完成8155亿元，同比增长2.2%。\n2024年主要任务\n(一)建设\n新建公共充电桩300个。\n",
    ),
    "r2026.txt": (
        "2026-01",
        "2025年工作回顾\n一年来，发展稳中有进。全年新增公共泊位6720个、公共充电桩865个。"
        "预计完成商品销售总额7300亿元，同比下降4%。\n2026年主要任务\n(一)建设\n新建公共充电桩400个。\n",
    ),
}


@pytest.fixture
def two_reports(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    manifest = []
    for name, (delivered, text) in REPORTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
        title = f"{delivered[:4]}年徐汇区政府工作报告"
        manifest.append(
            f'["{name}"]\ntitle = "{title}"\nkind = "work_report"\ndelivered = "{delivered}"\n'
        )
    (corpus / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    settings = Settings(
        corpus_dir=corpus,
        index_dir=tmp_path / "index",
        show_progress=False,
        chunk_size=120,
        chunk_overlap=10,
    )
    index = build_index(settings, fake_embedder)
    return lambda llm: QAService(settings, index, fake_embedder, llm)


def test_a_comparison_is_two_cells_of_the_table_and_a_computed_difference(two_reports):
    llm = ChoosingLLM()
    answer = two_reports(llm).ask("2025年新增公共充电桩比2023年多多少个？")
    assert (
        answer.answer == "2023年为692个[1]，2025年为865个[2]；2025年较高，2025年比2023年多173个。"
    )
    assert [c["quote"] for c in answer.citations][0].count("692") == 1
    assert "865" in answer.citations[1]["quote"]
    assert answer.verification["outcome"] == "compared" and llm.prompts == []  # no model call


def test_a_comparison_the_table_lacks_a_year_of_is_looked_up_and_refused_when_missing(
    two_reports,
):
    llm = ChoosingLLM(("865", "2025年新增公共充电桩865个。", 0.9))
    answer = two_reports(llm).ask("2025年新增公共充电桩比2022年多多少个？")
    assert answer.refused and "865" not in answer.answer


def test_a_yes_no_question_follows_the_sentences_direction_not_the_models_words(two_reports):
    llm = ChoosingLLM(("7300", "是的，增长了。", 0.9))
    answer = two_reports(llm).ask("2025年商品销售总额比上一年增长了吗？")
    assert answer.answer.startswith("没有。") and "同比下降4%[1]" in answer.answer
    assert answer.verification["outcome"] == "verdict"
    llm = ChoosingLLM(("8155", "增长了2.2%。", 0.9))
    assert two_reports(llm).ask("2023年商品销售总额增长了吗？").answer.startswith("是。")
