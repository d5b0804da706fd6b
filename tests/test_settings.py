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
