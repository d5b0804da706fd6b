import pytest

from app.errors import BadInputError
from app.ingest.metadata import find_delivery_date, find_speaker, load_manifest, parse_years

pytestmark = pytest.mark.unit


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
