import pytest

from app.text.sentences import split_sentences

pytestmark = pytest.mark.unit


def test_sentences_keep_their_end_mark_and_offsets():
    text = "新增总部11家。实到外资17.1亿美元；\n同比增长37.3%"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "新增总部11家。",
        "实到外资17.1亿美元；",
        "同比增长37.3%",
    ]
    for s in sentences:
        assert text[s.start : s.end] == s.text


def test_blank_pieces_are_dropped():
    assert split_sentences("\n\n  \n") == []
