from types import SimpleNamespace

import pytest

from app.answer.decision import Outcome
from app.answer.scope import out_of_scope, report_years
from app.domain import Document
from app.retrieve.query import analyse_question

pytestmark = pytest.mark.unit


def _doc(doc_id, kind, delivered, reviewed=(), planned=()):
    return Document(
        doc_id, doc_id, kind, "", f"{doc_id}.txt", delivered, list(reviewed), list(planned)
    )


LIBRARY = [
    _doc("r2024", "work_report", "2024-01-10", [2023], [2024]),
    # a newspaper feature printing the 2022 report's review and plan
    _doc("f2022", "feature", "2022-01", range(2017, 2022), [2022]),
    # a news item of mid-2021 about that year: no report's content
    _doc("n2021", "news", "2021-07-09", [2021]),
]


def _index(documents):
    covered = {y for d in documents for y in d.covered_years}
    return SimpleNamespace(documents={d.doc_id: d for d in documents}, covered_years=covered)


def test_a_feature_giving_a_report_s_content_holds_that_report():
    assert report_years(LIBRARY) == {2022, 2024}
    query = analyse_question("2022年政府工作报告提出新增多少绿地", 2024)
    assert out_of_scope(query, _index(LIBRARY)) is None


def test_a_report_no_document_gives_is_out_of_scope_and_names_what_is_held():
    decision = out_of_scope(analyse_question("2021年政府工作报告的GDP目标", 2024), _index(LIBRARY))
    assert decision.outcome is Outcome.NO_REPORT and decision.held_years == (2022, 2024)
    decision = out_of_scope(analyse_question("2010年徐汇新增多少绿地", 2024), _index(LIBRARY))
    assert decision.outcome is Outcome.NO_DOCUMENT and decision.asked_years == (2010,)
