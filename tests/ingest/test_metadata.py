import pytest

from app.errors import BadInputError
from app.ingest.metadata import (
    ManifestEntry,
    find_date,
    find_speaker,
    infer_metadata,
    load_manifest,
    parse_years,
)

pytestmark = pytest.mark.unit


def find_delivery_date(text: str) -> str | None:
    found = find_date(text, text, None)
    return found.value if found and found.how == "delivery_line" else None


def test_delivery_date_survives_a_lost_character():
    assert (
        find_delivery_date("2024年1月10日在上海市徐汇区第十七届人民代表大会第五次会议上")
        == "2024-01-10"
    )
    assert (
        find_delivery_date("全文――2019年1月16日在上海市徐汇区第十六届人民代表会第四次会议上")
        == "2019-01-16"
    )
    assert find_delivery_date("2023年12月,论坛在徐汇滨江举办") is None


def test_speaker_is_read_near_the_top():
    assert find_speaker("会议上上海市徐汇区区长方世忠各位代表:现在") == "方世忠"
    assert find_speaker("代理区长;钟晓咏各位代表") == "钟晓咏"
    assert find_speaker("上海市徐汇区区长王华\n2025年工作回顾") == "王华"


def test_parse_years():
    assert parse_years("2017-2021") == [2017, 2018, 2019, 2020, 2021]
    assert parse_years(2022) == [2022]
    assert parse_years([2019, 2020]) == [2019, 2020]
    with pytest.raises(BadInputError):
        parse_years("soon")


def test_manifest_is_read_and_a_broken_one_is_a_clear_error(tmp_path):
    (tmp_path / "manifest.toml").write_text(
        '["a.txt"]\nkind = "feature"\nreviewed_years = "2017-2018"\n'
    )
    entry = load_manifest(tmp_path)["a.txt"]
    assert entry.kind == "feature" and entry.reviewed_years == [2017, 2018]
    (tmp_path / "manifest.toml").write_text("[broken")
    with pytest.raises(BadInputError):
        load_manifest(tmp_path)


def _meta(text: str, raw: str | None = None, **kwargs) -> dict:
    found, _ = infer_metadata(raw or text, text, **kwargs)
    return {name: f.value for name, f in found.items()}


def test_a_work_report_is_known_by_its_review_and_plan_headings():
    text = "上海市临江区区长李四\n一、2024年工作回顾\n过去一年,全区新增绿地8公顷。\n二、2025年主要任务\n新增绿地10公顷。"
    meta = _meta(text)
    assert meta["kind"] == "work_report"
    assert meta["reviewed_years"] == [2024] and meta["planned_years"] == [2025]
    assert meta["delivered"] == "2025"  # derived: a report is delivered in the year it plans
    assert meta["title"] == "2025年临江区政府工作报告"


def test_a_plan_execution_report_reviews_its_year_and_plans_the_next():
    text = (
        "关于临江区2014年国民经济和社会发展计划执行情况与2015年计划草案的报告\n"
        "——2015年1月20日在临江区第十五届人民代表大会第五次会议上\n各位代表:\n现将计划执行情况报告如下。"
    )
    found, _ = infer_metadata(text, text)
    assert found["kind"].value == "plan_report" and found["kind"].how == "title"
    assert found["reviewed_years"].value == [2014] and found["planned_years"].value == [2015]
    assert found["delivered"].value == "2015-01-20"
    assert found["delivered"].how == "delivery_line"


def test_a_budget_report_reads_both_years_from_its_title():
    text = "临江区2020年预算执行情况和2021年预算草案的报告\n各位代表:\n2020年全区一般公共预算收入完成。"
    meta = _meta(text)
    assert meta["kind"] == "budget_report"
    assert meta["reviewed_years"] == [2020] and meta["planned_years"] == [2021]


def test_dates_from_a_field_line_and_from_a_line_under_the_title():
    raw = "临江区2022年上半年计划执行情况的报告\n日期: 2022-08-18\n上半年,全区经济运行稳中有进。"
    found, _ = infer_metadata(raw, raw)
    assert (found["delivered"].value, found["delivered"].how) == ("2022-08-18", "date_field")
    raw = "临江区举办人工智能大会\n2023年7月6日\n大会在滨江举行,发布应用场景20个。"
    found, _ = infer_metadata(raw, raw)
    assert (found["delivered"].value, found["delivered"].how) == ("2023-07-06", "date_line")


def test_a_feature_reads_its_period_from_five_year_plans():
    body = "“十四五”以来,全区集聚人工智能企业1500余家。" * 150
    text = f"临江区交出“十四五”答卷\n{body}\n展望“十五五”,全区将奋力一跳。"
    meta = _meta(text)
    assert meta["kind"] == "feature"
    assert meta["reviewed_years"] == [2021, 2022, 2023, 2024, 2025]
    assert meta["planned_years"] == [2026, 2027, 2028, 2029, 2030]


def test_past_five_years_count_back_from_the_year_a_text_plans():
    text = "过去五年,全区经济实现平稳健康发展。\n2022年，实施规划的攻坚之年。全区将弘扬奋斗精神。"
    meta = _meta(text)
    assert meta["planned_years"] == [2022]
    assert meta["reviewed_years"] == [2017, 2018, 2019, 2020, 2021]


def test_a_news_item_is_about_the_year_its_lead_names():
    text = "2023年12月,金融论坛在滨江举办。\n论坛发布了多项成果。"
    meta = _meta(text, page_date="2025-07-04")
    assert meta["kind"] == "news" and meta["reviewed_years"] == [2023]
    assert meta["delivered"] == "2025-07-04"


def test_the_title_is_the_documents_own_line_never_a_speaker_or_a_heading():
    text = "建设新城区 奋进新征程\n城区交出温暖答卷\n这五年,全区经济实现跨越。"
    assert _meta(text)["title"] == "建设新城区 奋进新征程：城区交出温暖答卷"
    text = "（摘要）\n——2024年1月10日在临江区第十七届人民代表大会第五次会议上\n上海市临江区区长王五\n【一】\n稳增长促发展\n经济运行持续回升向好。"
    meta = _meta(text)
    assert meta["title"] == "2024年临江区政府工作报告（摘要）"
    assert meta["kind"] == "work_report"
    assert meta["reviewed_years"] == [2023] and meta["planned_years"] == [2024]


def test_the_manifest_wins_and_a_disagreement_is_reported():
    text = "一、2024年工作回顾\n新增绿地8公顷。\n二、2025年主要任务\n新增绿地10公顷。"
    found, overridden = infer_metadata(
        text, text, manifest=ManifestEntry(kind="feature", delivered="2025-01-09")
    )
    assert found["kind"].value == "feature" and found["kind"].how == "manifest"
    assert overridden == [("kind", "work_report", "feature")]
    # the text's own years stay; a derived value is not a disagreement
    assert found["reviewed_years"].value == [2024]
    assert found["delivered"].value == "2025-01-09"
