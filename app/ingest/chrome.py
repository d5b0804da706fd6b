"""Drop page chrome: navigation, breadcrumbs, index-number lines, footers, page furniture.

Reports copied from web pages or printed to PDF arrive wrapped in the site's or the
printer's lines. They are recognised by their shape, never by a list of strings:
- separators between short segments (a breadcrumb `首页>政务公开>…`);
- link-like text (a file name, an address) or a bullet before a few characters;
- several `key:value` fields on one line (`索引号:… 主题分类:…`), or one short field line
  at the top or the bottom of the text (`来源：…`, `日期：…`);
- contact and copyright shapes (a phone number, an e-mail address, ©, a record number);
- page furniture (`- 3 -`, `第3页 共9页`) and short lines that repeat on many pages;
- runs of three or more short lines with no punctuation at the top or the bottom.
What was dropped is returned so that the document can report it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from app.ingest.cleaning import is_column_layout, is_heading_line

SHORT = 14
MENU_ITEM = 8  # 首页, 政务公开, WAP手机版, 返回顶部: menu items are a few characters
EDGE_LONG = 40  # a line this long is prose: the top and the bottom end at it

_SENTENCE_PUNCT = re.compile(r"[。，；！？,;!?]")
_SEPARATOR = re.compile(r"\s*(?:>|＞|›|»|→|\||｜)\s*")
_LINKISH = re.compile(
    r"\.(?:png|jpe?g|gif|svg|ico|html?|shtml|php|aspx?|jsp)\b|https?://|www\.", re.I
)
_BULLET_SHORT = re.compile(rf"^[•·●▪◆\-*]\s*\S.{{0,{SHORT}}}$")
_FIELD = re.compile(r"(?:^|[\s\-|｜])[\u4e00-\u9fffA-Za-z]{2,6}\s*[:：]\s*\S")
_ONE_FIELD = re.compile(r"^[-\s]*[\u4e00-\u9fffA-Za-z]{2,6}\s*[:：]\s*\S.{0,40}$")
_CONTACT = re.compile(
    r"(?<!\d)(?:\d{3,4}[-—－]\d{7,8}|\d{3}[-—－]\d{3,4}[-—－]\d{4})(?!\d)"
    r"|[\w.+-]+@[\w-]+\.[\w.]+|©|\(c\)|copyright|备\s*\d{6,}\s*号",
    re.I,
)
_PAGE_FURNITURE = re.compile(
    r"^(?:[-—–\s]*\d{1,4}[-—–\s]*|第\s*\d+\s*页(?:\s*[/,，]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$"
)
REPEATED_MIN = 3


@dataclass
class ChromeResult:
    text: str
    dropped: list[str] = field(default_factory=list)


def _is_prose(line: str) -> bool:
    return len(line) >= EDGE_LONG or bool(re.search(r"[。！？]$", line))


def line_is_chrome(line: str) -> bool:
    """A line whose shape alone says it is page chrome, wherever it stands."""
    if not line or is_heading_line(line):
        return False
    has_sentence = bool(_SENTENCE_PUNCT.search(line))
    segments = [s for s in _SEPARATOR.split(line) if s]
    if len(segments) >= 3 and all(len(s) <= SHORT + 6 for s in segments) and not has_sentence:
        return True
    if _LINKISH.search(line) and (len(line) <= 80 or not has_sentence):
        return True
    if _BULLET_SHORT.match(line) and not has_sentence:
        return True
    if len(_FIELD.findall(line)) >= 2 and "。" not in line:
        return True
    if _PAGE_FURNITURE.match(line):
        return True
    return bool(_CONTACT.search(line) and len(line) <= 60 and "。" not in line)


def _edge_run(lines: list[str], indices: list[int], columns: bool) -> list[int]:
    """Menus at one edge of the text (before its first prose line; in a newspaper column,
    before its first punctuated line): runs of three or more consecutive menu items (a
    few characters, no punctuation, not a heading), or two that are the very first or
    last lines ("打印本页 / 关闭窗口")."""
    runs: list[list[int]] = [[]]
    at_edge = True  # the run that starts the text (or ends it) needs only two items
    edge_run: list[int] = []
    for i in indices:
        line = lines[i]
        if not line:
            continue
        if _is_prose(line) or (columns and _SENTENCE_PUNCT.search(line)):
            break
        if (
            len(line) <= MENU_ITEM
            and not _SENTENCE_PUNCT.search(line)
            and not is_heading_line(line)
        ):
            runs[-1].append(i)
            if at_edge:
                edge_run.append(i)
        else:
            at_edge = False
            if runs[-1]:
                runs.append([])
    dropped = [i for run in runs if len(run) >= 3 for i in run]
    # Two menu items at the very edge, but not in a column, whose banners are that short.
    edge = set(edge_run) if len(edge_run) >= 2 and not columns else set()
    return sorted(set(dropped) | edge)


def repeated_lines(texts: list[str]) -> set[str]:
    """Short lines that occur in REPEATED_MIN or more of the texts (page headers, footers)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(
            {
                line.strip()
                for line in text.splitlines()
                if 2 <= len(line.strip()) <= EDGE_LONG and not is_heading_line(line.strip())
            }
        )
    return {line for line, n in counts.items() if n >= REPEATED_MIN}


def strip_chrome(text: str, repeated: set[str] | frozenset[str] = frozenset()) -> ChromeResult:
    """Remove chrome lines from a document's raw text; say what was removed.

    In a newspaper column every line is short and its banners look like menu items:
    there the edge ends at the first punctuated line.
    """
    lines = [line.strip() for line in text.splitlines()]
    columns = is_column_layout([line for line in lines if line])
    drop = {i for i, line in enumerate(lines) if line_is_chrome(line) or line in repeated}
    # Field lines (来源：… 日期：…) and menus are chrome at the edges only.
    kept = [i for i in range(len(lines)) if i not in drop]
    for edge in (kept, kept[::-1]):
        for i in edge:
            if not lines[i]:
                continue
            if _is_prose(lines[i]):
                break
            if _ONE_FIELD.match(lines[i]) and not _SENTENCE_PUNCT.search(lines[i]):
                drop.add(i)
        drop.update(_edge_run(lines, [i for i in edge if i not in drop], columns))
    if not drop:
        return ChromeResult(text)
    out = [line for i, line in enumerate(text.splitlines()) if i not in drop]
    return ChromeResult("\n".join(out), [lines[i] for i in sorted(drop) if lines[i]])
