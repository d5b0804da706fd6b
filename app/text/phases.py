"""The words a congress report's parts use to say whether they review a year or plan one:
one table, read by the metadata (which years a document reviews and plans) and by the
chunker (which part of a document a chunk is in)."""

from __future__ import annotations

import re

# A part reviewing its year: "2024年工作回顾", "2014年…计划执行情况", "预算执行情况".
REVIEW_PART = r"工作回顾|[^，。\d]{0,16}(?:计划|预算)执行情况"
# A part planning its year: "2025年主要任务", "2015年…计划草案", "预算安排".
PLAN_PART = (
    r"主要任务|工作安排|工作任务|主要目标|预期目标|目标任务|工作建议"
    r"|[^，。\d]{0,16}(?:计划|预算)(?:草案|安排)"
)
# A part heading's own numbering: "一、", "（二）", "【三】", "## ", "第四部分".
PART_MARKER = (
    r"(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|【[一二三四五六七八九十]{1,3}】"
    r"|#+|第[一二三四五六七八九十]{1,3}部分)?\s*"
)
YEAR_OF_PART = r"((?:19|20)\d{2})年"

# A heading that names the year of its part and what the part does with it.
REVIEW_HEADING = re.compile(rf"^{PART_MARKER}{YEAR_OF_PART}(?:{REVIEW_PART})")
PLAN_HEADING = re.compile(rf"^{PART_MARKER}(?:展望)?{YEAR_OF_PART}(?:{PLAN_PART}|展望)")
# The same inside a heading, wherever it stands: "2025年主要任务" in "二、2025年主要任务".
PART_YEAR = re.compile(rf"{YEAR_OF_PART}(?:{REVIEW_PART}|{PLAN_PART})")
# Headings without a year that still open a review or a plan part.
REVIEW_WORDS = re.compile(rf"{REVIEW_PART}|过去一年|过去五年|执行情况")
PLAN_WORDS = re.compile(rf"{PLAN_PART}|开局工作|五年规划|规划纲要|草案")
