import pytest

from app.index import build_index
from app.service import QAService
from tests.fakes import ScriptedLLM

pytestmark = pytest.mark.unit


@pytest.fixture
def service_with(settings, fake_embedder):
    index = build_index(settings, fake_embedder)

    def make(*replies: str) -> tuple[QAService, ScriptedLLM]:
        llm = ScriptedLLM(*replies)
        return QAService(settings, index, fake_embedder, llm), llm

    return make


def test_a_supported_answer_is_returned_with_its_citation_and_source(service_with):
    service, llm = service_with("2023年新增跨国公司地区总部11家[1]。")
    answer = service.ask("2023年新增多少跨国公司地区总部")
    assert answer.answer == "2023年新增跨国公司地区总部11家[1]。"
    assert not answer.refused and answer.verification["ok"]
    (citation,) = answer.citations
    assert "11家" in citation["text"] and citation["years"] == [2023]
    assert "2024年徐汇区政府工作报告" in answer.source_note and "回顾2023年" in answer.source_note
    start, end = citation["highlights"][0]
    assert end > start


def test_an_invented_number_is_never_returned(service_with):
    service, _ = service_with("2023年新增跨国公司地区总部15家[1]。")
    answer = service.ask("2023年新增多少跨国公司地区总部")
    assert "15" not in answer.answer
    assert answer.verification["repaired"] in ("extractive", "refusal")
    assert "the number 15 is in no cited passage" in answer.verification["problems"]


def test_the_models_refusal_stays_a_refusal(service_with):
    service, _ = service_with("报告中未提及2023年新增绿地的面积。")
    answer = service.ask("2023年新增多少跨国公司地区总部")
    assert answer.refused and answer.answer.startswith("报告中未提及")


def test_a_question_sharing_nothing_with_the_reports_is_refused_without_the_model(service_with):
    service, llm = service_with("不该被调用")
    answer = service.ask("居民人均可支配收入是多少")
    assert answer.refused and llm.prompts == []


def test_a_figure_from_another_year_is_refused(service_with):
    service, _ = service_with("新增跨国公司地区总部11家[1]。")
    answer = service.ask("2026年新增多少跨国公司地区总部")
    assert answer.refused


def test_streaming_yields_tokens_then_the_verified_answer(service_with):
    service, _ = service_with("2023年新增跨国公司地区总部11家[1]。")
    events = list(service.ask_stream("2023年新增多少跨国公司地区总部"))
    tokens = [p for kind, p in events if kind == "token"]
    assert "".join(tokens) == "2023年新增跨国公司地区总部11家[1]。"
    assert events[-1][0] == "answer" and events[-1][1].answer == "".join(tokens)


def test_extractive_mode_quotes_the_best_sentence_without_the_model(service_with):
    service, llm = service_with()
    answer = service.ask("2023年新增多少跨国公司地区总部", mode="extractive")
    assert "新增跨国公司地区总部11家" in answer.answer and answer.answer.endswith("[1]")
    assert llm.prompts == [] and answer.mode == "extractive"


def test_the_prompt_prefix_is_fixed_and_the_question_carries_its_year(service_with):
    service, llm = service_with("11家[1]。", "10%[1]。")
    service.ask("2023年新增多少跨国公司地区总部")
    service.ask("2024年固定资产投资总额增长目标是多少")
    first, second = llm.prompts
    assert first[:-1] == second[:-1]  # system turn and worked examples: cacheable
    assert first[0]["role"] == "system" and len(first) >= 3
    assert "问题问的是2023年" in first[-1]["content"] and "回顾2023年" in first[-1]["content"]
    assert "问题问的是2024年" in second[-1]["content"]


def test_a_year_no_document_covers_is_answered_as_such(service_with):
    service, llm = service_with("不该被调用")
    answer = service.ask("2015年新增多少跨国公司地区总部")
    assert answer.refused and "2015" in answer.answer and "现有文件不涉及" in answer.answer
    assert llm.prompts == []
    english = service.ask("How many headquarters were added in 2015?")
    assert english.refused and english.answer.startswith("The reports do not say")
