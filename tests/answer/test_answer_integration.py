"""The whole answer path with the real 1.5B model on the real corpus, on questions of
eval/probes.jsonl (written for this project, not the dev set): paraphrases that avoid
the reports' words are answered with the figure, cited to its sentence; plausible but
absent figures are refused without a number; a comparison is computed."""

from __future__ import annotations

import pytest

from app.models import assets
from app.models.llm import LlamaCppLLM
from app.service import QAService

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def service(real_settings, real_index, real_embedder):
    path = assets.gguf_path(real_settings.models_dir, "qwen2.5-coder-1.5b")
    if not path.is_file():
        pytest.fail("the answering model is not assembled: run `make models`")
    llm = LlamaCppLLM(path, n_ctx=real_settings.llm_n_ctx, n_threads=2)
    return QAService(real_settings, real_index, real_embedder, llm)


@pytest.mark.parametrize(
    ("question", "figure", "evidence"),
    [
        ("2023年徐家汇书院一年里来了多少人？", "196", "全年入馆 196 万人次"),
        ("2023年徐汇的生活垃圾有多大比例被回收再利用？", "45", "生活垃圾回收利用率达 45%"),
        ("How many public parking spaces did Xuhui add in 2025?", "6720", "公共泊位6720个"),
    ],
)
def test_a_paraphrase_is_answered_with_its_figure_and_sentence(service, question, figure, evidence):
    answer = service.ask(question)
    assert not answer.refused, answer.verification
    assert figure in answer.answer and "[1]" in answer.answer
    assert evidence.replace(" ", "") in answer.citations[0]["quote"].replace(" ", "")
    assert answer.verification["commitments"][0]["confidence"] > 0.85


@pytest.mark.parametrize(
    "question", ["2025年徐汇区居民消费价格涨幅是多少？", "2025年徐汇区PM2.5平均浓度是多少？"]
)
def test_a_plausible_but_absent_figure_is_refused(service, question):
    answer = service.ask(question)
    assert answer.refused and not any(ch.isdigit() for ch in answer.answer.split("。")[0])


def test_a_comparison_is_two_grounded_figures_and_their_difference(service):
    answer = service.ask("2019年徐汇商品销售总额比2018年增加了多少亿元？")
    assert answer.verification["outcome"] == "compared"
    assert "5800亿元[1]" in answer.answer and "6300亿元[2]" in answer.answer
    assert "多500亿元" in answer.answer
