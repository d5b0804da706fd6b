import pytest

from app.domain import Document
from app.ingest.quality import (
    common_characters,
    drop_near_duplicates,
    missing_character_notes,
    similarity,
)

pytestmark = pytest.mark.unit

TEXT = (
    "一年来,面对国内外风险挑战明显增多的复杂局面,我们把稳增长放在突出位置,总量保持中心城区首位,"
    "稳外贸、稳外资工作,全区经济社会延续了总体平稳、稳中有进的发展态势,增速位居中心城区第一。"
) * 30


def doc(doc_id: str, text: str) -> Document:
    return Document(doc_id=doc_id, title=doc_id, kind="work_report", text=text, source_file="x.txt")


def test_copy_that_lost_a_character_is_a_near_duplicate_and_the_complete_copy_is_kept():
    complete, damaged, other = (
        doc("a", TEXT),
        doc("b", TEXT.replace("中", "")),
        doc("c", "徐汇滨江人工智能" * 50),
    )
    assert similarity(complete.text, damaged.text) > 0.5
    kept, log = drop_near_duplicates([damaged, other, complete])
    assert [d.doc_id for d in kept] == ["c", "a"]
    assert complete.dropped_duplicates == ["b"]
    assert len(log) == 1 and "b" in log[0]


def test_missing_common_character_is_reported():
    damaged = doc("b", TEXT.replace("中", ""))
    reference = common_characters([doc("a", TEXT), damaged])
    notes = missing_character_notes(damaged, reference)
    assert any("'中'" in n.message for n in notes)
    assert not missing_character_notes(doc("a", TEXT), reference)
