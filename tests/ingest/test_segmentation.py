import pytest

from app.ingest.segmentation import split_page

pytestmark = pytest.mark.unit

PAGE = """  • 【徐汇区招商】2020年徐汇区政府工作报告

    政府工作报告――2020年1月7日在上海市徐汇区第十六届人民代表大会第六次会议上。徐汇区全年预计地区生产总值增长6.3%左右。

    2025-07-09

  • 【2022年徐汇区招商】徐汇区 10 个重点项目集中开工

    徐汇区 2022 年重大工程集中开工,总投资规模超300亿元。

    2022-01-19

有想补充的信息?点我投稿
招商中心
400-162-2002
1.产业园区网现征集招商资讯、经典招商方案、政策解读等稿件。
"""


def test_listing_page_splits_into_documents_with_titles_and_dates():
    blocks, dropped = split_page(PAGE, ["徐汇"])
    assert [b.title for b in blocks] == ["2020年徐汇区政府工作报告", "徐汇区 10 个重点项目集中开工"]
    assert [b.date for b in blocks] == ["2025-07-09", "2022-01-19"]
    assert "总投资规模超300亿元" in blocks[1].body


def test_site_boilerplate_that_never_names_the_subject_is_dropped():
    blocks, dropped = split_page(PAGE, ["徐汇"])
    assert len(dropped) == 1 and "点我投稿" in dropped[0]
    assert all("投稿" not in b.body for b in blocks)


def test_a_plain_document_is_one_block():
    blocks, dropped = split_page("2025年工作回顾\n全年收储土地560亩。", ["徐汇"])
    assert len(blocks) == 1 and blocks[0].title is None and not dropped
