import pytest

from app.ingest.tables import has_header, row_sentences, text_tables_to_rows

pytestmark = pytest.mark.unit

TABLE = [
    ["指标", "目标", "完成"],
    ["地区生产总值增速(%)", "8", "7.1"],
    ["区级财政收入增速(%)", "8", "8.6"],
]


def test_each_row_names_its_label_and_every_column_header():
    assert row_sentences(TABLE) == [
        "地区生产总值增速(%)：目标 8，完成 7.1。",
        "区级财政收入增速(%)：目标 8，完成 8.6。",
    ]


def test_a_table_without_a_header_row_keeps_its_cells_in_order():
    rows = [["新增绿地", "8公顷"], ["新增口袋公园", "12个"]]
    assert not has_header(rows)
    assert row_sentences(rows) == ["新增绿地，8公顷。", "新增口袋公园，12个。"]


def test_merged_cells_and_empty_cells_are_not_repeated():
    rows = [["指标", "2024年", "2024年"], ["增速(%)", "5", "5"], ["", "", ""]]
    assert row_sentences(rows) == ["增速(%)：2024年 5。"]


def test_markdown_and_tab_tables_in_text_become_rows():
    markdown = (
        "前言。\n| 指标 | 目标 | 完成 |\n|---|---|---|\n| 地区生产总值增速(%) | 8 | 7.1 |\n结语。"
    )
    assert text_tables_to_rows(markdown).split("\n") == [
        "前言。",
        "地区生产总值增速(%)：目标 8，完成 7.1。",
        "结语。",
    ]
    tabs = "指标\t目标\t完成\n增速(%)\t8\t7.1\n收入增速(%)\t8\t8.6"
    assert text_tables_to_rows(tabs).split("\n") == [
        "增速(%)：目标 8，完成 7.1。",
        "收入增速(%)：目标 8，完成 8.6。",
    ]


def test_prose_with_a_double_space_is_not_a_table():
    prose = "全区新增绿地  8公顷。\n建成口袋公园  12个。"
    assert text_tables_to_rows(prose) == prose
