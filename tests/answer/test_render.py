import pytest

from app.answer.decision import Cell, Decision, Form, Outcome
from app.answer.grounding import Figure
from app.answer.render import cite, comparison_text, refusal_text
from app.answer.render.figures import target_text
from app.figures.extract import FigureRow
from tests.answer.helpers import candidate

pytestmark = pytest.mark.unit


def figure(value: str, unit: str) -> Figure:
    return Figure(float(value), value, unit, candidate(1, f"{value}{unit}", [2023]))


def test_comparison_states_both_figures_and_the_computed_difference():
    text = comparison_text((2025, figure("89.3", "%")), (2023, figure("87.7", "%")), False)
    assert text == "2023年为87.7%[1]，2025年为89.3%[2]；2025年较高，2025年比2023年提高1.6个百分点。"
    fewer = comparison_text((2023, figure("31", "条")), (2025, figure("20", "条")), False)
    assert fewer.endswith("2023年较高，2025年比2023年少11条。")
    english = comparison_text((2023, figure("692", "个")), (2025, figure("865", "个")), True)
    assert english == "2023: 692[1]; 2025: 865[2]. 2025 was 173 higher than 2023."
    money = comparison_text((2023, figure("3.41", "亿元")), (2025, figure("3.7", "亿元")), True)
    assert money == (
        "2023: 341 million yuan (3.41亿元)[1]; 2025: 370 million yuan (3.7亿元)[2]. "
        "2025 was 29 million yuan (0.29亿元) higher than 2023."
    )


def test_figures_in_different_units_are_not_subtracted():
    text = comparison_text((2023, figure("3.41", "亿元")), (2025, figure("3700", "万元")), False)
    assert text == "2023年为3.41亿元[1]，2025年为3700万元[2]。"


def test_a_refusal_points_to_the_passage_without_quoting_it():
    nearest = candidate(4, "新增跨国公司地区总部11家。", [2023])
    text = refusal_text(nearest, english=False)
    assert text == "报告中未提及。相关段落见2024年报告（回顾2023年）[1]。"
    assert "11" not in refusal_text(nearest, english=True, unsure=True)


def test_cite_puts_the_marker_before_the_stop():
    assert cite("新增11家。", 1, False) == "新增11家[1]。"
    assert cite("Added 11", 2, True) == "Added 11[2]."


def _row(written: str, kind: str, qualifier: str | None, phase: str) -> FigureRow:
    value = written.rstrip("%亿元")
    unit = written[len(value) :]
    return FigureRow(
        indicator="区级一般公共预算收入",
        value=value,
        unit=unit,
        written=written,
        kind=kind,
        start_year=2023,
        end_year=2023,
        phase=phase,
        qualifier=qualifier,
        doc_id="report2024",
        doc_kind="work_report",
        sentence=f"完成{written}",
        start=2,
        end=2 + len(written),
    )


def test_a_target_against_its_result_reads_the_same_in_both_languages():
    target = Cell(2023, _row("5%", "rate", "增长", "target"), (1,))
    growth = Cell(2023, _row("12.3%", "rate", "增长", "expected"), (2,))
    level = Cell(2023, _row("230.5亿元", "money", None, "actual"), (2,))
    met = Decision(
        Outcome.TARGET_MET, Form.TARGET_ACTUAL, (), verdict=True, cells=(target, growth, level)
    )
    assert target_text(met, english=False) == (
        "2023年目标：增长5%[1]；实际：预计230.5亿元，增长12.3%[2]；达到目标。"
    )
    assert target_text(met, english=True) == (
        "2023 target: growth of 5%[1]; result: 23.05 billion yuan (230.5亿元), growth of 12.3%"
        " (expected)[2]; the target was met."
    )
    untargeted = Decision(
        Outcome.TARGET_PART, Form.TARGET_ACTUAL, (), cells=(Cell(2023, None), growth)
    )
    assert target_text(untargeted, english=True) == (
        "the reports state no 2023 target for this; result: growth of 12.3% (expected)[2];"
        " whether the target was met cannot be told from the reports."
    )


def test_conflicts_are_cited_after_the_evidence_apart_in_either_language():
    from dataclasses import replace

    from app.answer.render import render
    from tests.answer.helpers import q

    chosen = candidate(1, "完成区级一般公共预算收入309.25亿元。", [2025])
    page = replace(candidate(0, "完成区级一般公共预算收入350亿元。", [2025]), authority=1)
    flagged = replace(page, instruction=True)
    decision = Decision(
        Outcome.ANSWERED,
        evidence=(chosen,),
        statement="2025年区级一般公共预算收入309.25亿元。",
        english="The 2025 district-level general public budget revenue was 309.25亿元.",
        conflicts=(page, flagged),
    )
    zh = render(replace(decision, english=""), q("2025年区级一般公共预算收入是多少", [2025]))
    assert zh.startswith("2025年区级一般公共预算收入309.25亿元[1]。（未采用：")
    assert "来源不明的文件的说法不同：“完成区级一般公共预算收入350亿元。”[2]" in zh
    assert "来源不明的文件（该句是写给AI助手的指令）的说法不同" in zh and zh.endswith("[3]）")
    en = render(decision, q("What was the revenue in 2025?", [2025]))
    assert en.startswith("The 2025 district-level general public budget revenue was 309.25亿元[1].")
    assert " Not used: a text of unknown source states it otherwise: “" in en
    assert "(a sentence addressed to an AI assistant)" in en
    refused = replace(decision, outcome=Outcome.UNSURE)
    assert "未采用" not in render(refused, q("2025年区级一般公共预算收入是多少", [2025]))
