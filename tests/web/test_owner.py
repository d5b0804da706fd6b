"""The owner key a request carries."""

from __future__ import annotations

import pytest

from app.web.owner import owner_of

pytestmark = pytest.mark.unit
KEY = "Vq3xT9pLmZ2rK8wYc4aB"


def test_the_header_comes_before_the_cookie():
    headers = {"x-owner-key": KEY, "cookie": "xuhui_owner=otherkey0123456789"}
    assert owner_of(headers) == KEY
    assert owner_of({"cookie": f"lang=zh; xuhui_owner={KEY}"}) == KEY


@pytest.mark.parametrize("given", ["", "short", "x" * 200, "bad key with spaces 1234"])
def test_a_malformed_key_is_no_key(given):
    assert owner_of({"x-owner-key": given}) is None
    assert owner_of({}) is None
