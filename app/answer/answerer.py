"""Answer stage: retrieve → select sentences → ask the model → verify → repair or refuse.

The service API for answers. `ask_stream` yields ("token", text) while the model writes
and finally ("answer", Answer): the verified answer, which is what a user is shown.
An answer that fails verification is replaced by the extractive answer if that one
passes, otherwise by a refusal that says what the reports do contain nearby.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Literal

from app.answer.checks import Verification, is_refusal, verify
from app.answer.comparison import compare
from app.answer.context import ContextPassage, select_context
from app.answer.extractive import extractive_answer
from app.answer.prompt import build_messages, load_examples
from app.answer.repair import fix_units, recite
from app.answer.texts import no_document_text, refusal_text, source_note, year_hint
from app.domain import Answer, Query, SearchResult
from app.models.llm import LLM
from app.retrieve.retriever import Retriever
from app.settings import Settings
from app.text.markers import citation_numbers
from app.text.numbers import contains_number

Mode = Literal["llm", "extractive"]
MIN_COVERAGE = 0.1  # a Chinese question whose key terms are (nearly) absent is not answered


@dataclass
class Draft:
    """An answer being decided: its text, whether it refuses, and what was done to it."""

    text: str
    refused: bool
    check: Verification | None = None
    repaired: str | None = None
    model_answer: str = ""


class Answerer:
    """Answers questions from the retriever's passages, with or without the LLM."""

    def __init__(self, retriever: Retriever, llm: LLM | None, settings: Settings) -> None:
        self.retriever = retriever
        self.llm = llm
        self.settings = settings
        self._examples = load_examples(settings.prompts_dir)

    def ask(
        self,
        question: str,
        *,
        mode: Mode | None = None,
        year: int | None = None,
        doc_id: str | None = None,
    ) -> Answer:
        """The verified answer, all at once."""
        answer = None
        for kind, payload in self.ask_stream(question, mode=mode, year=year, doc_id=doc_id):
            if kind == "answer":
                answer = payload
        assert answer is not None
        return answer

    def ask_stream(
        self,
        question: str,
        *,
        mode: Mode | None = None,
        year: int | None = None,
        doc_id: str | None = None,
    ) -> Iterator[tuple[str, object]]:
        """Yield ("token", piece) while generating, then ("answer", Answer)."""
        started = time.perf_counter()
        mode = (mode or self.settings.answer_mode) if self.llm is not None else "extractive"
        result = self.retriever.search(
            question, k=self.settings.retrieve_for_answer, year=year, doc_id=doc_id
        )
        query = result.query
        context = select_context(
            query,
            result.passages,
            max_chars=self.settings.context_chars,
            max_passages=self.settings.context_passages,
            embedder=self.retriever.embedder,
        )
        retrieved_at = time.perf_counter()
        draft = self._refuse_early(query, context)
        if draft is None and mode == "extractive":
            draft = self._extractive(query, context)
        elif draft is None:
            draft = yield from self._generate(query, context)
        finished = time.perf_counter()
        timings = {
            "retrieval_ms": round((retrieved_at - started) * 1000, 1),
            "generation_ms": round((finished - retrieved_at) * 1000, 1),
            "total_ms": round((finished - started) * 1000, 1),
        }
        yield "answer", self._answer(result, context, draft, mode, timings)

    # ------------------------------------------------------------------ steps

    def _terms(self, query: Query) -> dict[str, float]:
        """Key terms the checks look for: none for English (its words are not in the reports)."""
        return {} if query.english else query.term_weights

    def _verify(self, text: str, query: Query, context, *, quoted: bool = False) -> Verification:
        idf = self.retriever.index.idf
        return verify(text, query, context, self._terms(query), idf=idf, quoted=quoted)

    def _refuse_early(self, query: Query, context: list[ContextPassage]) -> Draft | None:
        """A refusal before any answer is written: no document covers the year, or nothing
        retrieved bears on the question."""
        index = self.retriever.index
        if query.years and not set(query.years) & index.covered_years:
            text = no_document_text(query.years, index.covered_years, query.english)
            return Draft(text, True, repaired="no document covers the year")
        best_coverage = max((s.coverage for c in context for s in c.sentences), default=0.0)
        if not context or not (query.english or best_coverage >= MIN_COVERAGE):
            text = refusal_text(query.text, context, query.english)
            return Draft(text, True, repaired="nothing relevant retrieved")
        return None

    def _extractive(self, query: Query, context: list[ContextPassage]) -> Draft:
        """Quote the best sentences, if they pass the checks for quotes."""
        text = extractive_answer(context) or ""
        check = self._verify(text, query, context, quoted=True) if text else None
        if not text or not check.ok:
            return Draft(refusal_text(query.text, context, query.english), True, check)
        return Draft(text, False, check)

    def _generate(
        self, query: Query, context: list[ContextPassage]
    ) -> Generator[tuple[str, object], None, Draft]:
        """Stream the model's answer, then check it and repair or refuse it."""
        messages = build_messages(
            self.settings.prompts_dir,
            self._examples,
            question=query.text,
            passages=[c.prompt_fields() for c in context],
            year_hint=year_hint(query),
        )
        pieces = []
        for piece in self.llm.complete(
            messages, stream=True, max_tokens=self.settings.answer_max_tokens
        ):
            pieces.append(piece)
            yield "token", piece
        raw = "".join(pieces).strip()
        text = fix_units(raw, context)
        draft = Draft(text, is_refusal(raw), model_answer=raw)
        draft.repaired = "units" if text != raw else None
        draft.check = self._verify(text, query, context)
        if not draft.refused and not draft.check.ok:
            draft.text, draft.refused, draft.repaired = self._repair(text, query, context)
        compared = compare(query, context, self._terms(query))
        # An answer lacking a year's figure or the difference: state them, computed.
        if (
            compared
            and not all(contains_number(draft.text, n) for n in compared[1])
            and self._verify(compared[0], query, context).ok
        ):
            draft.text, draft.refused, draft.repaired = compared[0], False, "comparison"
        return draft

    def _repair(self, text: str, query: Query, context) -> tuple[str, bool, str]:
        """A failed answer: re-cite it, else quote the best sentences, else refuse."""
        recited = recite(text, context)
        if recited != text and self._verify(recited, query, context).ok:
            return recited, False, "recited"
        fallback = extractive_answer(context)
        if fallback and self._verify(fallback, query, context, quoted=True).ok:
            return fallback, False, "extractive"
        return refusal_text(query.text, context, query.english), True, "refusal"

    def _answer(
        self, result: SearchResult, context, draft: Draft, mode: str, timings: dict
    ) -> Answer:
        query = result.query
        by_n = {c.n: c for c in context}
        cited = [by_n[n] for n in citation_numbers(draft.text) if n in by_n]
        check = draft.check
        return Answer(
            question=query.text,
            answer=draft.text,
            refused=draft.refused,
            mode=mode,
            citations=[c.to_citation() for c in cited],
            retrieved=[p.to_dict() for p in result.passages],
            source_note=source_note(cited, query.english),
            years=query.years,
            report_year=query.report_year,
            verification={
                "ok": check.ok if check else None,
                "problems": check.problems if check else [],
                "repaired": draft.repaired,
                "model_answer": draft.model_answer,
            },
            timings=timings,
        )
