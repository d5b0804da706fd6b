"""Small builders for answer-stage unit tests."""

from __future__ import annotations

from dataclasses import replace

from app.answer.candidates import Candidate
from app.domain import Chunk, Passage, Query
from app.index import build_index
from app.retrieve.query import analyse_question
from app.service import QAService
from app.text.sentences import Sentence


def passage(
    text: str,
    years: list[int],
    phase: str = "review",
    delivered: str | None = "2024-01-10",
    mentioned: list[int] | None = None,
) -> Passage:
    chunk = Chunk(
        chunk_id=f"c{abs(hash(text))}",
        doc_id="d",
        title="2024年徐汇区政府工作报告",
        heading_path=[],
        text=text,
        start=0,
        end=len(text),
        years=years,
        phase=phase,
        mentioned_years=mentioned or [],
    )
    return Passage(chunk=chunk, score=1.0, doc_title=chunk.title, delivered=delivered)


def candidate(n: int, text: str, years: list[int], phase: str = "review", **kw) -> Candidate:
    return Candidate(
        n=n, sentence=Sentence(text, 0, len(text)), passage=passage(text, years, phase, **kw)
    )


def q(question: str, years: list[int] | None = None, **fields) -> Query:
    """The question's analysis, with the years (and other fields) given explicitly."""
    query = analyse_question(question, 2026)
    if years is not None:
        query = replace(query, years=years)
    return replace(query, **fields)


def library(settings, embedder, files: dict[str, str], manifest: str) -> QAService:
    """A service over a corpus of just these files (name → text) and manifest."""
    corpus = settings.corpus_dir
    for path in corpus.iterdir():
        path.unlink()
    for name, text in {**files, "manifest.toml": manifest}.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return QAService(settings, build_index(settings, embedder), embedder)
