import pytest

from app.ingest.cleaning import clean_text, is_heading_line, split_inline_headings, squeeze_spaces

pytestmark = pytest.mark.unit


def test_spaces_between_chinese_characters_are_removed_but_english_kept():
    assert squeeze_spaces("打 造 文 明 实 践") == "打造文明实践"
    assert squeeze_spaces("新增跨国公司地区总部 11家") == "新增跨国公司地区总部11家"
    assert squeeze_spaces("West Bund AI Tower") == "West Bund AI Tower"


def test_column_layout_is_rejoined_until_the_sentence_ends():
    raw = "\n\n".join(
        [
            "【一】",
            "稳增长促发展",
            "产业发展再上台阶 。 落实",
            "“4+3+X”产业布局，四大产业集",
            "群加速迈向千亿级。新增上市企业 4",
            "家。 1 个 1 类创新药获批上市。",
            "科创动能更加强劲。区内单位共",
            "80 项（人）获 2022 年度上海市科学",
            "技术奖。",
        ]
    )
    paragraphs = clean_text(raw).split("\n")
    assert paragraphs[0] == "【一】"
    assert paragraphs[1] == "稳增长促发展"
    assert "四大产业集群加速迈向千亿级。" in paragraphs[2]
    assert "新增上市企业4家。" in clean_text(raw)
    assert paragraphs[-1] == "科创动能更加强劲。区内单位共80项（人）获2022年度上海市科学技术奖。"


def test_paragraph_per_line_text_keeps_its_lines():
    raw = (
        "2025年工作回顾\n"
        + "全年收储土地560亩,10幅地块完成出让。" * 5
        + "\n(一)以人工智能为牵引,不断强化科创策源功能\n"
        + "国家战略加快落实。" * 10
    )
    assert clean_text(raw).split("\n")[0] == "2025年工作回顾"
    assert clean_text(raw).split("\n")[2].startswith("(一)以人工智能为牵引")


def test_headings_inside_a_long_line_move_to_their_own_paragraph():
    line = "请予审议。 一、2019年工作回顾过去一年,我们攻坚克难。 (一)全力落实三大任务,经济发展质量不断提升。十九届 二、 三、四全会"
    parts = split_inline_headings(squeeze_spaces(line))
    assert parts[0] == "请予审议。"
    assert parts[1].startswith("一、2019年工作回顾")
    assert parts[2].startswith("(一)全力落实三大任务")
    assert "十九届二、三、四全会" in parts[2]  # not after a sentence end: not a heading


def test_year_phase_heading_is_found_even_without_a_sentence_end():
    parts = split_inline_headings(
        "政府工作报告第一部分一、2018年工作回顾过去一年,我们坚持稳中求进。"
    )
    assert parts == ["政府工作报告第一部分", "一、2018年工作回顾过去一年,我们坚持稳中求进。"]


@pytest.mark.parametrize(
    "line",
    [
        "一、2019年工作回顾",
        "(一)科技创新",
        "（二）依法行政",
        "【三】",
        "## 标题",
        "2026年主要任务",
        "二○二四年主要任务",
    ],
)
def test_heading_markers(line):
    assert is_heading_line(line)


def test_plain_sentence_is_not_a_heading():
    assert not is_heading_line("一年来,全区经济社会发展总体平稳。")
