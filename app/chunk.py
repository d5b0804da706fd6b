"""Chunk stage: a cleaned document → sections by heading → chunks that know their year.

Headings come at two levels: parts (`一、`, `【一】`, `##`, `2025年工作回顾`, `■`) and
items (`(一)`/`（一）`). A work report first reviews the past year and then plans the
coming one; the phase switches at a plan heading ("主要任务", "预期目标") or at the
paragraph that announces the targets. Each chunk carries the years its section is
about, so retrieval can tell 2023's figure (in the 2024 report) from 2024's target.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from app.domain import CONGRESS_REPORTS, Chunk, Document
from app.ingest.cleaning import is_heading_line
from app.text.phases import PART_YEAR, PLAN_WORDS, REVIEW_WORDS
from app.text.years import chinese_numeral_years, mentioned_years, plan_period

_PART = re.compile(
    r"^(#{1,6}\s*|[一二三四五六七八九十]{1,3}、|【[一二三四五六七八九十]{1,3}】|第[一二三四五六七八九十]{1,3}部分|■|"
    r"(?=(19|20)\d{2}年(工作回顾|主要任务|工作安排))|(?=二[○〇零]))"
)
_ITEM = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]")
_MARKER_ONLY = re.compile(
    r"^(【[一二三四五六七八九十]{1,3}】|[（(][一二三四五六七八九十]{1,3}[）)]|■)\s*$"
)
_TITLE_END = re.compile(r"[，,。；;：:！？!?]")
_PLAN_PARAGRAPH = re.compile(r"主要预期目标|今年[^。]{0,30}目标是|做好以下[^。]{0,8}工作")
BANNER_MAX = 24
HEADING_MAX = 40


MIN_SECTION_CHARS = 60


@dataclass
class _Section:
    heading_path: list[str]
    start: int  # offset of the first body paragraph in the document text
    paragraphs: list[str]
    phase: str
    years: list[int]
    end: int = 0  # offset just past the last body paragraph

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.paragraphs)


def heading_title(paragraph: str) -> str:
    """The heading a paragraph opens with: the whole of a short line, else its first clause."""
    if len(paragraph) <= HEADING_MAX and not paragraph.endswith("。"):
        title = paragraph
    else:
        match = _TITLE_END.search(paragraph)
        title = paragraph[: match.start()] if match else paragraph[:HEADING_MAX]
    # "一、2019年工作回顾过去一年": the heading ends with the phase words.
    phase = re.search(r"工作回顾|主要任务", title)
    if phase:
        title = title[: phase.end()]
    return title[:HEADING_MAX].lstrip("# ").strip()


def _is_banner(paragraph: str) -> bool:
    return (
        len(paragraph) <= BANNER_MAX
        and not _TITLE_END.search(paragraph)
        and not paragraph.endswith("。")
    )


def _names_marker_heading(heading_path: list[str]) -> bool:
    return bool(heading_path) and bool(_MARKER_ONLY.match(heading_path[-1].split(" ")[0]))


def _section_years(heading: str, phase: str, doc: Document) -> list[int]:
    heading = chinese_numeral_years(heading)
    explicit = PART_YEAR.search(heading)
    if explicit:
        return [int(explicit.group(1))]
    period = plan_period(heading)
    if period:
        if "开局" in heading:
            return [period[0]]
        return list(range(period[0], period[1] + 1))
    if phase == "review" and doc.reviewed_years:
        return list(doc.reviewed_years)
    if phase == "plan" and doc.planned_years:
        return list(doc.planned_years)
    return doc.covered_years


def split_sections(doc: Document) -> list[_Section]:
    """Walk the paragraphs, tracking the heading path and the review/plan phase."""
    is_report = doc.kind in CONGRESS_REPORTS
    phase = "review" if is_report else "other"
    part: str | None = None
    item: str | None = None
    part_years: list[int] | None = None
    sections: list[_Section] = []
    offset = 0
    current: _Section | None = None

    def open_section(start: int) -> _Section:
        path = [h for h in (part, item) if h]
        years = part_years if part_years is not None else _section_years("", phase, doc)
        section = _Section(path, start, [], phase, years)
        sections.append(section)
        return section

    for paragraph in doc.text.split("\n"):
        start = offset
        offset += len(paragraph) + 1
        if not paragraph:
            continue
        is_part = bool(_PART.match(paragraph)) and is_heading_line(paragraph)
        is_item = bool(_ITEM.match(paragraph))
        if not (is_part or is_item) and _names_heading(current, paragraph):
            # A banner right after a marker-only heading ("【一】" / "稳增长促发展") names it.
            current.heading_path[-1] = f"{current.heading_path[-1]} {paragraph}"
            if item is None:
                part = current.heading_path[-1]
            else:
                item = current.heading_path[-1]
            current.start = offset
            continue
        if is_part or is_item:
            title = heading_title(paragraph)
            whole_line_heading = title == paragraph.lstrip("# ").strip()
            if is_part:
                phase = _part_phase(title, phase) if is_report else phase
                part, item = title, None
                part_years = _section_years(title, phase, doc)
                if not PART_YEAR.search(chinese_numeral_years(title)) and not plan_period(title):
                    part_years = None
            else:
                item = title
            current = open_section(offset if whole_line_heading else start)
            if whole_line_heading:
                continue
        elif is_report and phase == "review" and _PLAN_PARAGRAPH.search(paragraph):
            # "今年…主要预期目标是": the targets start here, under no heading of their own.
            phase = "plan"
            part = item = part_years = None
            current = open_section(start)
        if current is None:
            current = open_section(start)
        current.paragraphs.append(paragraph)
        current.end = start + len(paragraph)
    return merge_small_sections([s for s in sections if s.paragraphs])


def _names_heading(current: _Section | None, paragraph: str) -> bool:
    """Whether the paragraph is a banner naming the marker-only heading just before it."""
    return (
        current is not None
        and not current.paragraphs
        and _is_banner(paragraph)
        and _names_marker_heading(current.heading_path)
    )


def _part_phase(title: str, phase: str) -> str:
    """A report's phase from a part's heading: its review, its plan, or as it was."""
    if REVIEW_WORDS.search(title):
        return "review"
    if PLAN_WORDS.search(title):
        return "plan"
    return phase


def merge_small_sections(sections: list[_Section]) -> list[_Section]:
    """Fold a section too short to stand alone (a stray banner line) into a neighbour.

    It joins the next section of the same phase (its text then sits before that
    section's heading line), else the previous one of the same phase, else stays.
    """
    merged: list[_Section] = []
    for n, section in enumerate(sections):
        following = sections[n + 1] if n + 1 < len(sections) else None
        if section.size >= MIN_SECTION_CHARS:
            merged.append(section)
        elif following is not None and following.phase == section.phase:
            following.paragraphs = section.paragraphs + following.paragraphs
            following.start = section.start
        elif merged and merged[-1].phase == section.phase:
            merged[-1].paragraphs += section.paragraphs
            merged[-1].end = section.end
        else:
            merged.append(section)
    return merged


def _splitter(chunk_size: int, chunk_overlap: int):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        separators=["\n", "。", "；", "！", "？", "，", ""],
        keep_separator="end",
        add_start_index=True,
        strip_whitespace=True,
    )


def chunk_id(doc_id: str, start: int, text: str) -> str:
    return hashlib.sha256(f"{doc_id}\0{start}\0{text}".encode()).hexdigest()[:16]


def chunk_document(doc: Document, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    """Sections of a document, split into chunks no longer than chunk_size characters."""
    splitter = _splitter(chunk_size, chunk_overlap)
    chunks: list[Chunk] = []
    for section in split_sections(doc):
        body = doc.text[section.start : section.end]
        for piece in splitter.create_documents([body]):
            text = piece.page_content
            start = section.start + piece.metadata["start_index"]
            end = start + len(text)
            assert doc.text[start:end] == text, "chunk offsets must point into the document"
            chunks.append(
                Chunk(
                    chunk_id=chunk_id(doc.doc_id, start, text),
                    doc_id=doc.doc_id,
                    title=doc.title,
                    heading_path=list(section.heading_path),
                    text=text,
                    start=start,
                    end=end,
                    years=list(section.years),
                    phase=section.phase,  # type: ignore[arg-type]
                    mentioned_years=mentioned_years(text, doc.delivered),
                )
            )
    return chunks
