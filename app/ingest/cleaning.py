"""Repair the text of real reports: broken lines, stray spaces, missing paragraph breaks.

Two layouts arrive. Paragraph-per-line text (web pages, clean reports) keeps its
lines. Newspaper and OCR text is laid out in narrow columns: lines end mid-word and
blank lines mean nothing, so lines are rejoined until a sentence ends, and short
lines with no punctuation between paragraphs are kept as headings. In both, spaces
next to Chinese characters are removed and headings buried inside a long line are
moved onto lines of their own. Paragraphs are separated by one newline.
"""

from __future__ import annotations

import re
import statistics

from app.text.cjk import CJK_PUNCT, HAN_EXTENDED

_WIDE = f"[{HAN_EXTENDED}{CJK_PUNCT}]"

_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u2009\u3000\u200b]+")
_SPACE_NEAR_WIDE = re.compile(rf"(?<={_WIDE})[ ]+|[ ]+(?={_WIDE})")
_SENTENCE_END = re.compile(r"[。！？!?…]+[”’」』）)】]*$")
_ANY_PUNCT = re.compile(r"[。，、；：！？,.;:!?（）()“”\"《》]")

NUMERAL = "一二三四五六七八九十"
HEADING_PATTERNS = [
    re.compile(r"^#{1,6}\s*\S"),
    re.compile(rf"^[{NUMERAL}]{{1,3}}、"),
    re.compile(rf"^[（(][{NUMERAL}]{{1,3}}[）)]"),
    re.compile(rf"^【[{NUMERAL}]{{1,3}}】"),
    re.compile(r"^第[一二三四五六七八九十]{1,3}部分"),
    re.compile(r"^(19|20)\d{2}年(工作回顾|主要任务|工作安排)"),
    re.compile(r"^二[○〇零][一二三四五六七八九〇○零]{2}年(主要任务|工作回顾)"),
    re.compile(r"^■"),
]
# A heading buried in a long line: a marker right after a sentence ended.
_INLINE_HEADING = re.compile(
    rf"(?<=[。！？；：:])\s*(?=(?:[{NUMERAL}]{{1,3}}、|[（(][{NUMERAL}]{{1,3}}[）)]|【[{NUMERAL}]{{1,3}}】))"
    # A part heading that names its year and phase needs no sentence end before it.
    rf"|(?<=\S)\s*(?=[{NUMERAL}]{{1,3}}、(?:19|20)\d{{2}}年(?:工作回顾|主要任务|工作安排))"
)
COLUMN_LAYOUT_MAX_WIDTH = 40


def is_heading_line(line: str) -> bool:
    """Whether a line starts with one of the heading markers reports use."""
    return any(p.match(line) for p in HEADING_PATTERNS)


def squeeze_spaces(line: str) -> str:
    """Collapse runs of spaces and remove the spaces next to Chinese characters."""
    line = _SPACES.sub(" ", line).strip()
    return _SPACE_NEAR_WIDE.sub("", line)


def _join(left: str, right: str) -> str:
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii():
        return f"{left} {right}"
    return left + right


def typical_width(lines: list[str]) -> float:
    """Median length of the non-empty lines: about the column width of a newspaper layout."""
    lengths = [len(line) for line in lines if line]
    return statistics.median(lengths) if lengths else 0.0


def is_column_layout(lines: list[str]) -> bool:
    """Whether the text is a newspaper column (or OCR of one): most of its characters
    stand in short lines, and most of them in lines that stop mid-sentence. A menu or a
    table's cells are many short lines but few characters; a short report written a
    paragraph a line ends its lines with a full stop."""
    total = sum(len(line) for line in lines) or 1
    long_chars = sum(len(line) for line in lines if len(line) > COLUMN_LAYOUT_MAX_WIDTH)
    body = [line for line in lines if not is_heading_line(line)]
    broken = sum(len(line) for line in body if not _SENTENCE_END.search(line))
    return long_chars / total < 0.5 and broken > 0.5 * sum(len(line) for line in body)


def rejoin_column_lines(lines: list[str]) -> list[str]:
    """Rejoin narrow-column lines into paragraphs; keep headings on their own."""
    width = typical_width(lines)
    paragraphs: list[str] = []
    current = ""
    for index, line in enumerate(lines):
        if is_heading_line(line):
            if current:
                paragraphs.append(current)
                current = ""
            paragraphs.append(line)
            continue
        if not current:
            has_next = index + 1 < len(lines)
            if has_next and len(line) < 0.7 * width and not _ANY_PUNCT.search(line):
                paragraphs.append(line)  # a short banner between paragraphs
                continue
            current = line
        else:
            current = _join(current, line)
        if _SENTENCE_END.search(current):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def split_inline_headings(paragraph: str) -> list[str]:
    """Move heading markers that follow a finished sentence onto their own paragraph."""
    return [part.strip() for part in _INLINE_HEADING.split(paragraph) if part.strip()]


def clean_text(text: str) -> str:
    """Clean one document's text; paragraphs come back separated by single newlines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [squeeze_spaces(line) for line in text.split("\n")]
    non_empty = [line for line in lines if line]
    if not non_empty:
        return ""
    paragraphs = rejoin_column_lines(non_empty) if is_column_layout(non_empty) else non_empty
    out: list[str] = []
    for paragraph in paragraphs:
        out.extend(squeeze_spaces(p) for p in split_inline_headings(paragraph))
    return "\n".join(p for p in out if p)
