"""What of a text a reader can see."""

from __future__ import annotations

import pytest

from app.text.visible import visible_text

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "invisible",
    [
        "\u3164",  # HANGUL FILLER
        "\u115f\u1160",  # Hangul choseong and jungseong fillers
        "\uffa0",  # HALFWIDTH HANGUL FILLER
        "\u200b\u200c\u200d\u2060",  # zero-width spaces and joiners (Cf)
        "\ufeff",  # byte-order mark
        "\u3000\u00a0\u2003 \t\n",  # ideographic, no-break, em space (Zs) and ASCII space
        "\u3164\u200b\u3000\ufeff",
    ],
)
def test_filler_format_and_space_characters_are_not_visible(invisible):
    assert visible_text(invisible) == ""


def test_visible_text_keeps_the_words_and_the_spaces_between_them():
    assert visible_text("\ufeff 2023年\u200b新增\u3164多少 总部\u3000") == "2023年新增多少 总部"
    assert visible_text("How many  headquarters?") == "How many  headquarters?"
