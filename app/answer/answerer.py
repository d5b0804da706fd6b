"""Answer stage: retrieve → select sentences → ask the model → verify → repair or refuse.

The service API for answers. `ask_stream` yields ("token", text) while the model writes
and finally ("answer", Answer): the verified answer, which is what a user is shown.
An answer that fails verification is replaced by the extractive answer if that one
passes, otherwise by a refusal that says what the reports do contain nearby.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from app.answer.comparison import compare
from app.answer.context import ContextPassage, key_terms, select_context, term_weights
from app.answer.extractive import extractive_answer
from app.models.llm import LLM, Message
from app.answer.prompt import load_examples, render
from app.retrieve.retriever import Retriever, chinese_share
from app.settings import Settings
from app.answer.checks import (
    citation_numbers,
    contains_number,
    fix_units,
    is_refusal,
    recite,
    verify,
)
from app.text.years import YearQuery

Mode = Literal["llm", "extractive"]
MIN_COVERAGE = 0.1  # a Chinese question whose key terms are (nearly) absent is not answered


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    mode: str
    citations: list[dict] = field(default_factory=list)
    retrieved: list[dict] = field(default_factory=list)
    source_note: str = ""
    years: list[int] = field(default_factory=list)
    report_year: int | None = None
    verification: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "mode": self.mode,
            "source_note": self.source_note,
            "citations": self.citations,
            "retrieved": self.retrieved,
            "years": self.years,
            "report_year": self.report_year,
            "verification": self.verification,
            "timings": self.timings,
        }


def year_hint(years: YearQuery) -> str:
    if years.report_year and years.years == [years.report_year]:
        return f"问题问的是{years.report_year}年政府工作报告，即{years.report_year}年的目标任务或该报告回顾的{years.report_year - 1}年"
    if years.years:
        listed = "、".join(f"{y}年" for y in years.years)
        kind = "的目标任务" if years.wants_plan else "实际完成的情况（不是目标）"
        return f"问题问的是{listed}{kind}"
    return ""


def citation_dict(c: ContextPassage) -> dict:
    """A citation as returned to users: the passage, and the quoted sentences' offsets."""
    chunk = c.passage.chunk
    return {
        "n": c.n,
        "doc_id": chunk.doc_id,
        "title": c.passage.doc_title,
        "section": chunk.section,
        "label": c.label,
        "delivered": c.passage.delivered,
        "years": chunk.years,
        "text": chunk.text,
        "quote": c.text,
        "start": chunk.start,
        "end": chunk.end,
        "highlights": [
            [chunk.start + s.start, chunk.start + s.end]
            for s in sorted(c.sentences, key=lambda s: s.start)
        ],
    }


def source_note(cited: list[ContextPassage], english: bool) -> str:
    """Which report and year the answer's figures come from."""
    if not cited:
        return ""
    parts = []
    for c in cited:
        delivered = c.passage.delivered or ("undated" if english else "日期不详")
        parts.append(f"[{c.n}]《{c.passage.doc_title}》（{delivered}，{c.label}）")
    return ("Sources: " if english else "来源：") + "；".join(parts)


def uncovered_years(years: YearQuery, index) -> list[int]:
    """The asked years, if none of them is covered by any document (else nothing)."""
    if not years.years or set(years.years) & index.covered_years:
        return []
    return years.years


def no_document_text(uncovered: list[int], index, english: bool) -> str:
    covered = sorted(index.covered_years)
    span = f"{covered[0]}–{covered[-1]}" if covered else "—"
    asked = "、".join(str(y) for y in uncovered)
    if english:
        return f"The reports do not say: no document covers {asked} (they cover {span})."
    return f"报告中未提及：现有文件不涉及{asked}年（覆盖{span}年）。"


def refusal_text(question: str, context: list[ContextPassage], english: bool) -> str:
    """Say the reports do not answer, and what they do contain nearby."""
    best = max(
        ((s, c) for c in context for s in c.sentences), key=lambda item: item[0].score, default=None
    )
    if english:
        text = "The reports do not say."
        if best:
            sentence, c = best
            text += f" The closest passage ({c.label}) says: {sentence.text.strip()}[{c.n}]"
        return text
    text = "报告中未提及。"
    if best:
        sentence, c = best
        text = f"报告中未提及。相关内容（{c.label}）：{sentence.text.strip()}[{c.n}]"
    return text


class Answerer:
    """Answers questions from the retriever's passages, with or without the LLM."""

    def __init__(self, retriever: Retriever, llm: LLM | None, settings: Settings) -> None:
        self.retriever = retriever
        self.llm = llm
        self.settings = settings
        self._examples = load_examples(settings.prompts_dir)

    def messages(
        self, question: str, context: list[ContextPassage], years: YearQuery
    ) -> list[Message]:
        """System turn and worked examples (a fixed, cacheable prefix), then the question."""
        prompts = self.settings.prompts_dir
        messages: list[Message] = [{"role": "system", "content": render(prompts, "system")}]
        for example in self._examples:
            messages.append(
                {
                    "role": "user",
                    "content": render(
                        prompts,
                        "user",
                        passages=example["passages"],
                        question=example["question"],
                        year_hint=example.get("year_hint", ""),
                    ),
                }
            )
            messages.append({"role": "assistant", "content": example["answer"]})
        messages.append(
            {
                "role": "user",
                "content": render(
                    prompts,
                    "user",
                    passages=[c.prompt_fields() for c in context],
                    question=question,
                    year_hint=year_hint(years),
                ),
            }
        )
        return messages

    @staticmethod
    def _repair(raw, question, context, years, terms, idf, english) -> tuple[str, bool, str]:
        """A failed answer: re-cite it, else quote the best sentences, else refuse."""
        recited = recite(raw, context)
        if recited != raw and verify(recited, question, context, years, terms, idf=idf).ok:
            return recited, False, "recited"
        fallback = extractive_answer(context)
        if fallback and verify(fallback, question, context, years, terms, idf=idf, quoted=True).ok:
            return fallback, False, "extractive"
        return refusal_text(question, context, english), True, "refusal"

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
        mode = mode or self.settings.answer_mode
        if self.llm is None:
            mode = "extractive"
        result = self.retriever.search(
            question, k=self.settings.retrieve_for_answer, year=year, doc_id=doc_id
        )
        question = result.question
        english = chinese_share(question) < 0.5
        index = self.retriever.index
        idf = getattr(index.bm25, "idf", None)
        context = select_context(
            question,
            result.passages,
            result.years,
            max_chars=self.settings.context_chars,
            max_passages=self.settings.context_passages,
            idf=idf,
            embedder=self.retriever.embedder,
            english=english,
        )
        retrieved_at = time.perf_counter()
        terms = {} if english else term_weights(key_terms(question), idf)
        best_coverage = max((s.coverage for c in context for s in c.sentences), default=0.0)
        relevant = bool(context) and (english or best_coverage >= MIN_COVERAGE)

        raw = ""
        repaired = None
        check = None
        uncovered = uncovered_years(result.years, index)
        if uncovered:
            text, refused = no_document_text(uncovered, index, english), True
            repaired = "no document covers the year"
        elif not relevant:
            text, refused = refusal_text(question, context, english), True
            repaired = "nothing relevant retrieved"
        elif mode == "extractive":
            text = extractive_answer(context) or ""
            check = (
                verify(text, question, context, result.years, terms, idf=idf, quoted=True)
                if text
                else None
            )
            refused = not text or not check.ok
            if refused:
                text = refusal_text(question, context, english)
        else:
            pieces = []
            for piece in self.llm.complete(
                self.messages(question, context, result.years),
                stream=True,
                max_tokens=self.settings.answer_max_tokens,
            ):
                pieces.append(piece)
                yield "token", piece
            raw = "".join(pieces).strip()
            text, refused = fix_units(raw, context), is_refusal(raw)
            if text != raw:
                repaired = "units"
            check = verify(text, question, context, result.years, terms, idf=idf)
            if not refused and not check.ok:
                text, refused, repaired = self._repair(
                    text, question, context, result.years, terms, idf, english
                )
            compared = compare(question, context, result.years, terms)
            # An answer lacking a year's figure or the difference: state them, computed.
            if (
                compared
                and not all(contains_number(text, n) for n in compared[1])
                and verify(compared[0], question, context, result.years, terms, idf=idf).ok
            ):
                text, refused, repaired = compared[0], False, "comparison"
        finished = time.perf_counter()
        by_n = {c.n: c for c in context}
        cited = [by_n[n] for n in citation_numbers(text) if n in by_n]
        answer = Answer(
            question=question,
            answer=text,
            refused=refused,
            mode=mode,
            citations=[citation_dict(c) for c in cited],
            retrieved=[p.to_dict() for p in result.passages],
            source_note=source_note(cited, english),
            years=result.years.years,
            report_year=result.years.report_year,
            verification={
                "ok": check.ok if check else None,
                "problems": check.problems if check else [],
                "repaired": repaired,
                "model_answer": raw,
            },
            timings={
                "retrieval_ms": round((retrieved_at - started) * 1000, 1),
                "generation_ms": round((finished - retrieved_at) * 1000, 1),
                "total_ms": round((finished - started) * 1000, 1),
            },
        )
        yield "answer", answer
