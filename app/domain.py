"""The domain objects that flow through the pipeline: documents, chunks, passages, answers."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Literal

from app.errors import BadInputError
from app.text.visible import visible_text

DocumentKind = Literal["work_report", "plan_report", "budget_report", "news", "feature"]
# Reports delivered to the people's congress: each reviews one year and plans the next.
CONGRESS_REPORTS = ("work_report", "plan_report", "budget_report")
# Who states a figure with most authority (`Document.authority`): a report to the congress,
# then a feature or news item whose source the library was told, then a text nobody vouched
# for (an upload with neither a source nor a manifest entry).
REPORT_AUTHORITY, VOUCHED_AUTHORITY, UNVOUCHED_AUTHORITY = 3, 2, 1


@dataclass
class QualityNote:
    """One finding about a document's text (a missing common character, OCR layout...)."""

    code: str
    message: str  # English, for logs and the CLI; the pages render `code` with `params`
    severity: Literal["info", "warning"] = "warning"
    params: dict[str, str | int] = field(default_factory=dict)


@dataclass
class Document:
    """One cleaned document with the dates that decide which year a figure belongs to."""

    doc_id: str
    title: str
    kind: DocumentKind
    text: str
    source_file: str
    delivered: str | None = None  # ISO date, possibly partial: "2024-01-10", "2026-01"
    reviewed_years: list[int] = field(default_factory=list)
    planned_years: list[int] = field(default_factory=list)
    speaker: str | None = None
    source: str | None = None
    quality: list[QualityNote] = field(default_factory=list)
    dropped_duplicates: list[str] = field(default_factory=list)
    # field → {"how": title | heading | delivery_line | … | manifest, "evidence": words}
    provenance: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def delivered_year(self) -> int | None:
        return int(self.delivered[:4]) if self.delivered else None

    @property
    def authority(self) -> int:
        """How far the document's figures are believed over another's (higher first)."""
        if self.kind in CONGRESS_REPORTS:
            return REPORT_AUTHORITY
        vouched = self.source or any(p.get("how") == "manifest" for p in self.provenance.values())
        return VOUCHED_AUTHORITY if vouched else UNVOUCHED_AUTHORITY

    @property
    def covered_years(self) -> list[int]:
        return sorted(set(self.reviewed_years) | set(self.planned_years))

    def to_dict(self, *, with_text: bool = False) -> dict:
        data = asdict(self)
        if not with_text:
            data.pop("text")
        data["delivered_year"] = self.delivered_year
        return data


@dataclass
class Chunk:
    """A piece of one section of a document: what is embedded, indexed and cited."""

    chunk_id: str  # content hash of the embedded text
    doc_id: str
    title: str
    heading_path: list[str]
    text: str
    start: int  # character offsets into the cleaned document text
    end: int
    years: list[int]  # the years the section is about (review year, plan year)
    phase: Literal["review", "plan", "other"]
    mentioned_years: list[int] = field(default_factory=list)

    @property
    def section(self) -> str:
        return " > ".join(self.heading_path)

    def embedding_text(self) -> str:
        """What the embedder sees: the document title and heading path, then the text."""
        context = " > ".join([self.title, *self.heading_path])
        return f"{context}\n{self.text}"


@dataclass
class Passage:
    """A retrieved chunk with its score and the document's metadata, as shown to users."""

    chunk: Chunk
    score: float
    doc_title: str
    delivered: str | None

    def to_dict(self) -> dict:
        return {
            "doc_id": self.chunk.doc_id,
            "title": self.doc_title,
            "section": self.chunk.section,
            "text": self.chunk.text,
            "start": self.chunk.start,
            "end": self.chunk.end,
            "years": self.chunk.years,
            "delivered": self.delivered,
            "score": round(float(self.score), 6),
        }


@dataclass
class Query:
    """A question analysed once (`app.retrieve.query.analyse_question`); later stages read it."""

    text: str = ""
    years: list[int] = field(default_factory=list)  # the years asked about
    report_year: int | None = None  # a report named by its delivery year
    relative: str | None = None  # "last_year" | "this_year"
    wants_plan: bool = False  # asks for a target or plan, not for what happened
    language: Literal["zh", "en"] = "zh"
    chinese_share: float = 1.0  # 1.0 all Chinese, about 0 English (weights BM25)
    asks_figure: bool = False  # the answer must state a figure
    mentions_measure: bool = False  # about a measure: sentences with numbers are preferred
    comparison_cue: bool = False  # words of comparison ("比", "more than")
    yes_no: bool = False  # a yes/no question ("…了吗", "是否", "Did …")
    asked_kind: str | None = None  # the kind of amount its unit names ("多少公顷" → area)
    translation: str | None = None  # an English question put into Chinese for retrieval
    terms: list[str] = field(default_factory=list)  # key terms, in question order
    term_weights: dict[str, float] = field(default_factory=dict)  # key term → IDF weight
    indicators: list[str] = field(default_factory=list)  # the reports' indicator names it names
    # its own words that stand for some of them (GDP for 地区生产总值): a passage may name either
    indicator_words: list[str] = field(default_factory=list)
    glossed: list[tuple[str, str]] = field(default_factory=list)  # its words the glossary knows
    span: tuple[int, int] | None = None  # a span of years asked as one period (十四五: 2021-2025)

    @property
    def english(self) -> bool:
        return self.language == "en"

    @property
    def compares_years(self) -> bool:
        """A comparison of two named years: the only kind that may state a computed difference."""
        return self.comparison_cue and len(self.years) == 2

    @property
    def empty(self) -> bool:
        return not self.years and self.report_year is None


def checked_question(text: str | None, max_chars: int | None = None) -> str:
    """The question as it is answered: its invisible characters (zero-width, fillers) gone
    and stripped. BadInputError when it is not text (a lone surrogate), holds nothing
    visible ("the question is empty", for every edge alike), or is over `max_chars`."""
    text = text or ""
    if any(unicodedata.category(c) == "Cs" for c in text):
        raise BadInputError("the question holds characters that are not valid text")
    text = visible_text(text)
    if not text:
        raise BadInputError("the question is empty")
    if max_chars is not None and len(text) > max_chars:
        raise BadInputError(f"the question is longer than {max_chars} characters")
    return text


@dataclass(frozen=True)
class AskOptions:
    """How a question is to be answered: by the model or extractively, and restricted to
    one year's or one document's passages."""

    mode: Literal["llm", "extractive"] | None = None  # None: the settings' answer mode
    year: int | None = None
    doc_id: str | None = None


@dataclass
class Answer:
    """What a user is shown: the verified answer (or refusal) with its citations."""

    question: str
    answer: str
    refused: bool
    mode: str
    citations: list[dict] = field(default_factory=list)
    retrieved: list[dict] = field(default_factory=list)
    source_note: str = ""
    # An open question's answer as a list: each point's text and its citation numbers.
    points: list[dict] = field(default_factory=list)
    # A figures answer (a series, a comparison) as a table: the indicator, the names its
    # rows were read under, and a row per year (figure, unit, phase, citation number).
    table: dict = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    report_year: int | None = None
    verification: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    # In a conversation: the stored turn, and how the question was read from earlier turns.
    conversation_id: str | None = None
    turn_id: str | None = None
    resolution: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "conversation_id": self.conversation_id,
            "turn_id": self.turn_id,
            "resolution": self.resolution,
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "mode": self.mode,
            "source_note": self.source_note,
            "points": self.points,
            "table": self.table,
            "citations": self.citations,
            "retrieved": self.retrieved,
            "years": self.years,
            "report_year": self.report_year,
            "verification": self.verification,
            "timings": self.timings,
        }


def final_answer(events) -> Answer | None:
    """The ("answer", Answer) an answer's event stream ends with (None if it was cut off)."""
    answer = None
    for kind, payload in events:
        if kind == "answer":
            answer = payload
    return answer


@dataclass
class SearchResult:
    """The analysed question and its passages, best first."""

    query: Query
    passages: list[Passage] = field(default_factory=list)

    @property
    def question(self) -> str:
        return self.query.text
