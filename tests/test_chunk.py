import pytest

from app.chunk import chunk_document, split_sections
from app.domain import Document
from tests.conftest import SAMPLE_REPORT

pytestmark = pytest.mark.unit


def report(text: str = SAMPLE_REPORT, **kw) -> Document:
    fields = dict(
        doc_id="r",
        title="2024年报告",
        kind="work_report",
        text=text,
        source_file="r.txt",
        delivered="2024-01-10",
        reviewed_years=[2023],
        planned_years=[2024],
    )
    fields.update(kw)
    return Document(**fields)


def test_sections_follow_headings_and_know_review_from_plan():
    from app.ingest.cleaning import clean_text

    sections = split_sections(report(clean_text(SAMPLE_REPORT)))
    by_path = {" > ".join(s.heading_path): (s.phase, s.years) for s in sections}
    assert by_path["2023年工作回顾"] == ("review", [2023])
    assert by_path["2024年主要任务 > (一)稳增长"] == ("plan", [2024])


def test_a_plan_execution_report_reviews_one_year_and_plans_the_next():
    text = (
        "一、2014年国民经济和社会发展计划执行情况\n"
        + "全年完成区级财政收入增长8.6%。" * 6
        + "\n二、2015年国民经济和社会发展计划草案\n"
        + "区级财政收入增长8%左右。" * 6
    )
    doc = report(
        text, kind="plan_report", delivered="2015-01", reviewed_years=[2014], planned_years=[2015]
    )
    sections = split_sections(doc)
    assert [(s.phase, s.years) for s in sections] == [("review", [2014]), ("plan", [2015])]


def test_targets_paragraph_switches_to_plan_without_a_heading():
    text = (
        "【一】\n稳增长促发展\n"
        + "新增跨国公司地区总部11家。" * 6
        + "\n综合各方面因素，今年经济社会发展主要预期目标是：地区生产总值增长5.5%左右。"
        + "固定资产投资总额增长10%。" * 4
    )
    sections = split_sections(report(text))
    assert sections[0].heading_path == ["【一】 稳增长促发展"]
    assert (sections[0].phase, sections[0].years) == ("review", [2023])
    assert (sections[-1].phase, sections[-1].years) == ("plan", [2024])


def test_chunks_point_into_the_document_and_respect_the_size():
    from app.ingest.cleaning import clean_text

    doc = report(clean_text(SAMPLE_REPORT * 3))
    chunks = chunk_document(doc, chunk_size=80, chunk_overlap=10)
    assert chunks
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 80
        assert chunk.embedding_text().startswith("2024年报告")
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_a_stray_banner_is_folded_into_its_neighbour():
    text = "2024年主要任务\n" + "固定资产投资总额增长10%。" * 8 + "\n(二)治理\n全面提升治理水平"
    sections = split_sections(report(text))
    assert len(sections) == 1
    assert sections[0].paragraphs[-1] == "全面提升治理水平"


def test_news_chunks_cover_the_document_years():
    doc = report(
        "徐汇区2022年重大工程集中开工,总投资规模超300亿元。",
        kind="news",
        reviewed_years=[2022],
        planned_years=[],
    )
    (chunk,) = chunk_document(doc, 200, 0)
    assert chunk.phase == "other" and chunk.years == [2022] and chunk.mentioned_years == [2022]
