"""Reading order of PDF pages, with hand-made character boxes (no PDF needed)."""

import pytest

from app.ingest.pdf import Line, find_gutters, ocr_tables, paragraphs

pytestmark = pytest.mark.unit


def _chars(x0: float, x1: float, rows: int, per_row: int = 10) -> list[dict]:
    step = (x1 - x0) / per_row
    return [
        {"x0": x0 + i * step, "x1": x0 + (i + 1) * step, "top": r * 14.0}
        for r in range(rows)
        for i in range(per_row)
    ]


def test_two_columns_have_a_gutter_and_a_title_across_it_does_not_hide_it():
    chars = _chars(50, 280, 30) + _chars(310, 545, 30) + _chars(200, 400, 1)
    (gutter,) = find_gutters(chars, 595)
    assert 280 <= gutter <= 310


def test_one_column_has_no_gutter():
    assert find_gutters(_chars(50, 545, 40), 595) == []


def test_a_newspaper_page_of_four_columns_has_three_gutters():
    columns = [(40, 160), (180, 300), (320, 440), (460, 580)]
    chars = [c for x0, x1 in columns for c in _chars(x0, x1, 40, per_row=8)]
    gutters = find_gutters(chars, 620)
    assert [round(g) for g in gutters] == [170, 310, 450]


def test_an_indent_or_a_short_aside_is_not_a_column():
    chars = _chars(50, 545, 40) + _chars(600, 610, 2, per_row=1)  # a page number far right
    assert find_gutters(chars, 620) == []


def test_lines_that_reach_the_right_edge_continue_on_the_next():
    lines = [
        Line(50, 300, 0, "2025年工作回顾"),
        Line(72, 545, 14, "一年来,全区经济社会发展总体平稳、"),
        Line(50, 545, 28, "稳中有进。预计全年地区生产总值突破"),
        Line(50, 200, 42, "4000亿元。"),
        Line(72, 545, 56, "新增各类绿地10.32公顷,建成"),
        Line(50, 120, 70, "口袋公园。"),
        Line(50, 545, 84, "指标：目标 8，完成 7.1。", row=True),
    ]
    assert paragraphs(lines) == [
        "2025年工作回顾",
        "一年来,全区经济社会发展总体平稳、稳中有进。预计全年地区生产总值突破4000亿元。",
        "新增各类绿地10.32公顷,建成口袋公园。",
        "指标：目标 8，完成 7.1。",
    ]


def test_ocr_boxes_in_rows_of_cells_become_table_rows():
    def box(x0: float, top: float, text: str) -> Line:  # 20 px a character, rows 40 apart
        return Line(x0, x0 + 20 * len(text), top, text)

    lines = [
        box(100, 0, "上一段的最后一句。"),
        box(100, 40, "指标"),
        box(400, 43, "2025年目标"),
        box(700, 38, "2025年完成"),
        box(100, 80, "地区生产总值增速(%)"),
        box(400, 81, "5"),
        box(700, 79, "5.2"),
        box(100, 120, "区级一般公共预算收入增速(%)|4"),  # a ruling read as "|"
        box(700, 121, "9.71"),
        box(100, 160, "下一段。"),
    ]
    texts = [line.text for line in ocr_tables(lines)]
    assert texts == [
        "上一段的最后一句。",
        "地区生产总值增速(%)：2025年目标 5，2025年完成 5.2。",
        "区级一般公共预算收入增速(%)：2025年目标 4，2025年完成 9.71。",
        "下一段。",
    ]
