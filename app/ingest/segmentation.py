"""Split a scraped page that holds several documents, and drop the site's boilerplate.

A listing page repeats one pattern: a bullet title line (`• 【栏目】标题`), the body,
then a date line (`2025-07-09`). Each such block becomes its own document. Text
outside the blocks is kept only when it mentions the subject (e.g. 徐汇): contact
lines and submission rules of the hosting site never do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TITLE_LINE = re.compile(r"^\s*[•·●▪◆■]\s*(?P<title>\S.{3,})$")
DATE_LINE = re.compile(r"^\s*(?P<date>(19|20)\d{2}-\d{2}-\d{2})\s*$")
COLUMN_TAG = re.compile(r"^【[^】]{1,20}】")


@dataclass
class PageBlock:
    """One document found on a page: its title line, body and date line, if any."""

    title: str | None
    body: str
    date: str | None
    start_line: int
    dropped: list[str] = field(default_factory=list)


def split_page(text: str, subject_terms: list[str]) -> tuple[list[PageBlock], list[str]]:
    """Split a page into document blocks; return the blocks and the dropped boilerplate."""
    lines = text.splitlines()
    titles = [i for i, line in enumerate(lines) if TITLE_LINE.match(line)]
    blocks: list[PageBlock] = []
    spans: list[tuple[int, int]] = []
    for n, start in enumerate(titles):
        stop = titles[n + 1] if n + 1 < len(titles) else len(lines)
        date_at = next((j for j in range(start + 1, stop) if DATE_LINE.match(lines[j])), None)
        if date_at is None:
            continue
        body = "\n".join(lines[start + 1 : date_at]).strip()
        if not body:
            continue
        title = TITLE_LINE.match(lines[start]).group("title").strip()
        title = COLUMN_TAG.sub("", title).strip()
        date = DATE_LINE.match(lines[date_at]).group("date")
        blocks.append(PageBlock(title=title, body=body, date=date, start_line=start))
        spans.append((start, date_at + 1))

    if len(blocks) < 2:
        # Not a listing page: the whole text is one document.
        return [PageBlock(title=None, body=text, date=None, start_line=0)], []

    dropped: list[str] = []
    leftovers: list[tuple[int, str]] = []
    cursor = 0
    for start, stop in [*spans, (len(lines), len(lines))]:
        rest = "\n".join(lines[cursor:start]).strip()
        if rest:
            leftovers.append((cursor, rest))
        cursor = stop
    for start_line, rest in leftovers:
        if any(term in rest for term in subject_terms):
            blocks.append(PageBlock(title=None, body=rest, date=None, start_line=start_line))
        else:
            dropped.append(rest)
    blocks.sort(key=lambda b: b.start_line)
    return blocks, dropped
