"""The whole ingest stage on the shipped corpus: metadata from the text, the manifest last."""

import shutil
from pathlib import Path

import pytest

from app.ingest.pipeline import ingest
from tests.conftest import REPO

pytestmark = pytest.mark.unit

SUBJECT = ["徐汇"]
# Fields the shipped texts truly lack, which only the manifest can give.
TEXT_LACKS = {
    ("000_e92cbedd5edbb541", "delivered"),  # the year it plans, not the month
    ("003_8e5848867087a085", "title"),  # an OCR'd newspaper page has no title line
    ("003_8e5848867087a085", "delivered"),  # …and no date
}
FIELDS = ("kind", "reviewed_years", "planned_years", "delivered", "title", "speaker")


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    without = tmp_path_factory.mktemp("no-manifest")
    for path in (REPO / "corpus").glob("*.txt"):
        shutil.copy(path, without)
    with_manifest = ingest(REPO / "corpus", SUBJECT).documents
    return {d.doc_id: d for d in with_manifest}, {
        d.doc_id: d for d in ingest(without, SUBJECT).documents
    }


def test_without_the_manifest_every_document_keeps_its_kind_and_years(both):
    with_manifest, without = both
    assert with_manifest.keys() == without.keys()
    for doc_id, doc in with_manifest.items():
        other = without[doc_id]
        assert (other.kind, other.reviewed_years, other.planned_years) == (
            doc.kind,
            doc.reviewed_years,
            doc.planned_years,
        ), doc_id


def test_only_the_fields_a_text_lacks_come_from_the_manifest(both):
    with_manifest, without = both
    differ = {
        (doc_id, name)
        for doc_id, doc in with_manifest.items()
        for name in FIELDS
        if getattr(doc, name) != getattr(without[doc_id], name)
    }
    assert differ == TEXT_LACKS
    for doc_id, name in TEXT_LACKS:
        assert with_manifest[doc_id].provenance[name]["how"] == "manifest"


def test_every_inferred_field_says_where_it_came_from(both):
    _, without = both
    for doc in without.values():
        assert {"kind", "title"} <= doc.provenance.keys()
        for name, source in doc.provenance.items():
            assert source["how"] != "manifest", (doc.doc_id, name)
    report_2024 = without["004_913ca56bbd2cc909"]
    assert report_2024.provenance["delivered"]["how"] == "delivery_line"
    assert report_2024.title == "2024年徐汇区政府工作报告（摘要）"


WEB_COPIES = Path(__file__).parent / "web_copies"


def test_reports_copied_from_web_pages_get_their_metadata_and_lose_their_chrome():
    """Four short texts written like the copies administrators paste from web pages
    (breadcrumbs, index fields, menus, a date field, footers); no manifest."""
    docs = {d.doc_id: d for d in ingest(WEB_COPIES, SUBJECT).documents}
    expected = {
        "plan2014": ("plan_report", [2014], [2015], "2015"),
        "budget2020": ("budget_report", [2020], [2021], "2021-01-13"),
        "midyear2022": ("plan_report", [2022], [], "2022-08-18"),
        "report2017": ("work_report", [2016], [2017], "2017-01-20"),
    }
    for doc_id, (kind, reviewed, planned, delivered) in expected.items():
        doc = docs[doc_id]
        assert (doc.kind, doc.reviewed_years, doc.planned_years, doc.delivered) == (
            kind,
            reviewed,
            planned,
            delivered,
        ), doc_id
        assert doc.title.startswith(("关于", "徐汇区", "2017年")), doc.title
        for chrome in ("首页", "索引号", "WAP手机版", "版权所有", "打印本页", "来源："):
            assert chrome not in doc.text, (doc_id, chrome)
    notes = {n.code for n in docs["plan2014"].quality}
    assert "chrome_dropped" in notes


SCRAPED_PAGE = "\n".join(
    [
        "• 【招商】2023年徐汇区新增跨国公司地区总部11家",
        "徐汇区新增跨国公司地区总部11家,累计总量保持中心城区第一。",
        "2024-01-10",
        "• 【绿化】徐汇区新建口袋公园27座",
        "2024年徐汇区新建口袋公园27座,全部向市民开放。",
        "2025-01-10",
    ]
)


def test_a_file_named_like_another_files_document_id_is_a_document_of_its_own(tmp_path):
    # coll.txt and coll.md are coll-txt and coll-md; coll-txt.txt is named like the first.
    (tmp_path / "coll.txt").write_text("徐汇区新增绿地8公顷,建成绿道12公里。", encoding="utf-8")
    (tmp_path / "coll.md").write_text("徐汇区新建养老床位300张,助餐点20个。", encoding="utf-8")
    (tmp_path / "coll-txt.txt").write_text("徐汇区新开工保障性租赁住房5000套。", encoding="utf-8")
    result = ingest(tmp_path, SUBJECT)
    by_file = {d.source_file: d.doc_id for d in result.documents}
    assert sorted(by_file) == ["coll-txt.txt", "coll.md", "coll.txt"], result.dropped_duplicates
    assert len(set(by_file.values())) == 3
    assert by_file["coll-txt.txt"] == "coll-txt"  # a file's own name is its id
    assert result.dropped_duplicates == []


def test_a_file_named_like_a_sub_document_is_a_document_of_its_own(tmp_path):
    (tmp_path / "page.txt").write_text(SCRAPED_PAGE, encoding="utf-8")
    (tmp_path / "page-2.txt").write_text("徐汇区新开工保障性租赁住房5000套。", encoding="utf-8")
    result = ingest(tmp_path, SUBJECT)
    ids = [d.doc_id for d in result.documents]
    assert len(ids) == 3 and len(set(ids)) == 3, (ids, result.dropped_duplicates)
    texts = " ".join(d.text for d in result.documents)
    assert "口袋公园27座" in texts and "保障性租赁住房5000套" in texts
    renamed = next(d for d in result.documents if d.doc_id not in ("page-1", "page-2"))
    assert any(note.code == "id_renamed" for note in renamed.quality)
