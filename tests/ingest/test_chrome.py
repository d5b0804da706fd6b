import pytest

from app.ingest.chrome import line_is_chrome, repeated_lines, strip_chrome

pytestmark = pytest.mark.unit

PROSE = (
    "一年来,全区经济社会发展总体平稳、稳中有进。预计全年地区生产总值突破4000亿元,"
    "增速与全市基本保持同步。"
)


@pytest.mark.parametrize(
    "line",
    [
        "ico-crumb.png首页>常委会会议>常委会会刊>正文",
        "当前位置：首页 > 政务公开 > 规划计划",
        "-索引号:SY0012345-2026-0001-主题分类:综合政务",
        "索引号：A001 发文机关：区政府 成文日期：2024-01-10",
        "• WAP手机版",
        "联系电话：021-64872222",
        "版权所有© 某某区人民政府",
        "沪ICP备05001234号",
        "- 3 -",
        "第 2 页 共 9 页",
        "http://www.example.gov.cn/zwgk/index.html",
    ],
)
def test_chrome_is_known_by_its_shape(line):
    assert line_is_chrome(line)


@pytest.mark.parametrize(
    "line",
    [
        PROSE,
        "2025年工作回顾",
        "(一)以人工智能为牵引,不断强化科创策源功能",
        "地区生产总值增速(%)：目标 8，完成 7.1。",
        "2017-2021年徐汇区发展回顾",
        "各位代表:",
        "新增跨国公司地区总部11家,累计总量保持中心城区第一。",
    ],
)
def test_report_text_is_not_chrome(line):
    assert not line_is_chrome(line)


def test_menus_and_field_lines_at_the_edges_are_dropped_and_reported():
    raw = "\n".join(
        [
            "首页",
            "政务公开",
            "互动交流",
            "来源：区政府办公室",
            "2026年某区政府工作报告",
            PROSE,
            PROSE,
            "打印本页",
            "关闭窗口",
            "返回顶部",
        ]
    )
    result = strip_chrome(raw)
    assert result.text.splitlines() == ["2026年某区政府工作报告", PROSE, PROSE]
    assert "首页" in result.dropped and "关闭窗口" in result.dropped


def test_short_lines_in_a_newspaper_column_are_kept():
    column = [
        "（摘要）",
        "稳增长促发展",
        "经济运行持续回升向好",
        "产业发展再上台阶。落实",
        "“4+3+X”产业布局，四大产业集群加",
        "速迈向千亿级，徐汇人工智能产业集",
    ]
    assert strip_chrome("\n".join(column)).dropped == []


def test_lines_repeated_on_many_pages_are_page_furniture():
    pages = [f"某区人民政府公报\n{PROSE}第{n}段。" for n in range(4)]
    repeated = repeated_lines(pages)
    assert repeated == {"某区人民政府公报"}
    result = strip_chrome(pages[0], repeated)
    assert result.dropped == ["某区人民政府公报"]
    assert PROSE in result.text
