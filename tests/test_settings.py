"""The one settings class: what it refuses and what it warns about."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.settings import Settings

pytestmark = pytest.mark.unit


def test_an_admin_token_under_twelve_characters_is_refused():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        Settings(admin_token="short-token")


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("aaaaaaaaaaaa", "1 different character"),
        ("abababababababababab", "2 different characters"),
        ("password1234", "12 characters"),
    ],
)
def test_a_weak_admin_token_is_named_weak_with_the_reason(token, reason):
    assert reason in Settings(admin_token=token).admin_token_weakness


@pytest.mark.parametrize("token", [None, "Vq3x-T9pL_mZ2rK8wYc4"])
def test_a_strong_or_absent_admin_token_is_not_weak(token):
    assert Settings(admin_token=token).admin_token_weakness is None


def test_the_database_is_a_sqlite_file_by_default_or_by_path_and_postgresql_by_url(tmp_path):
    default = Settings(index_dir=tmp_path)
    assert default.database_url is None
    assert default.database_path == tmp_path / "conversations.sqlite3"
    moved = Settings(database=str(tmp_path / "qa.sqlite3"))
    assert moved.database_url is None and moved.database_path == tmp_path / "qa.sqlite3"
    for url in ("postgresql://qa:pw@db:5432/qa", "postgres://qa@db/qa", "postgresql:///qa"):
        assert Settings(database=url).database_url == url


def test_a_database_url_of_another_kind_is_refused_without_repeating_it():
    with pytest.raises(ValidationError, match="not a mysql:// URL") as refused:
        Settings(database="mysql://qa:secret-pw@db/qa")
    assert "secret-pw" not in str(refused.value.errors()[0]["msg"])


def test_milvus_is_a_server_address_or_a_milvus_lite_file():
    assert Settings(milvus_uri="http://milvus:19530").milvus_address == "http://milvus:19530"
    assert Settings(milvus_uri="/data/milvus.db").milvus_address == "/data/milvus.db"
    assert Settings(index_dir="/srv/index").milvus_address == "/srv/index/milvus.db"
    with pytest.raises(ValidationError, match="ends in .db"):
        Settings(milvus_uri="/data/milvus")
