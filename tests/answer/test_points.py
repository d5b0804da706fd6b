import pytest

from app.answer.decision import Decision, Form, Outcome, Point
from app.answer.render import render
from app.domain import AskOptions
from app.eval.metrics import point_figures_outside
from app.index import build_index
from app.retrieve.query import unknown_nouns
from app.service import QAService
from tests.answer.helpers import candidate, q
from tests.fakes import ScriptedLLM

pytestmark = pytest.mark.unit

PLAN_QUESTION = "2024年徐汇在稳增长方面有哪些计划？"


@pytest.fixture
def service_with(settings, fake_embedder):
    index = build_index(settings, fake_embedder)

    def make(llm=None) -> QAService:
        return QAService(settings, index, fake_embedder, llm)

    return make


def test_an_open_question_is_answered_with_points_each_quoting_its_cited_sentences(
    service_with, settings
):
    settings.open_relevance_band = 1.0  # the fake embedder's similarities mean little
    answer = service_with().ask(PLAN_QUESTION, AskOptions(mode="extractive"))
    assert not answer.refused
    assert answer.verification["form"] == "open"
    assert answer.verification["outcome"] == "answered: points"
    lines = answer.answer.split("\n")
    assert lines[0].startswith("据2024年报告（2024年目标任务）")
    assert len(answer.points) == len(lines) - 1 - ("另有" in lines[-1])
    by_n = {c["n"]: c for c in answer.citations}
    for point in answer.points:
        for n in point["citations"]:
            assert by_n[n]["quote"].rstrip("。；") in point["text"]
            assert 2024 in by_n[n]["years"]  # the plan section, not the 2023 review
    assert point_figures_outside(answer.to_dict(), PLAN_QUESTION) == []
    quoted = " ".join(c["quote"] for c in answer.citations)
    assert "固定资产投资总额增长10%" in quoted and "新增各类绿地8公顷" in quoted


def test_a_topic_the_library_never_names_is_declined_with_the_nearest_sections(service_with):
    answer = service_with().ask(
        "2024年徐汇在宠物管理方面有哪些计划？", AskOptions(mode="extractive")
    )
    assert answer.refused and answer.verification["outcome"] == "refused: nothing about the topic"
    assert answer.answer.startswith("报告中没有关于“宠物”的内容")
    assert answer.citations == [] and answer.points == []


def test_an_english_point_whose_rendering_changes_a_figure_is_kept_in_chinese(service_with):
    question = "What does Xuhui plan for fixed-asset investment growth in 2024?"
    llm = ScriptedLLM(*["Fixed-asset investment will grow by 12%."] * 6)
    answer = service_with(llm).ask(question)
    assert answer.verification["outcome"] == "answered: points"
    assert "12%" not in answer.answer
    assert any(p["text"].startswith("(in Chinese) ") for p in answer.points)
    assert answer.answer.startswith("According to")


def test_nouns_the_library_never_uses_are_found_whole_or_by_their_parts():
    vocabulary = {"房子", "绿地", "新增", "管理"}
    assert unknown_nouns("宠物管理", vocabulary) == ["宠物"]
    assert unknown_nouns("老房子", vocabulary) == []  # 房子 is used


def test_points_render_as_a_numbered_list_with_markers_and_what_is_not_shown():
    first = candidate(1, "新增各类绿地8公顷。", [2024], "plan")
    second = candidate(2, "固定资产投资总额增长10%。", [2024], "plan")
    third = candidate(3, "新建公园5座；", [2024], "plan")
    decision = Decision(
        Outcome.SUMMARISED,
        Form.OPEN,
        (first, second, third),
        points=(Point((1,)), Point((2, 3))),
        more=4,
        more_section="(一)稳增长",
    )
    text = render(decision, q(PLAN_QUESTION))
    assert text.split("\n") == [
        "据2024年报告（2024年目标任务），主要有以下2点：",
        "1. 新增各类绿地8公顷[1]。",
        "2. 固定资产投资总额增长10%；新建公园5座[2][3]。",
        "另有4条相关内容，见“(一)稳增长”等部分。",
    ]
