"""The answer pipeline: read → route → retrieve → candidates → strategy → render → package.

`ask_stream` yields ("token", text) while the model writes, ("checking", why) when what
was streamed is withdrawn for a second look, and finally ("answer", Answer): the
grounded answer, which is what a user is shown. Each form of question has its strategy
module (`value`, `compare`, `extractive`), which returns a `Decision`; `render` makes
its text. An English question is put into Chinese before retrieval and its grounded
answer into English after the strategy (`english`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

from app.answer.calibration import Calibration
from app.answer.candidates import Candidate, select_candidates
from app.answer.compare import decide_comparison
from app.answer.decision import Decision, Form, Outcome
from app.answer.english import ONE_LINE, in_english, translate
from app.answer.extractive import decide_extractive
from app.answer.lookup import Events, Tools
from app.answer.points import decide_open, topic
from app.answer.prompt import build_rewrite, build_translation, load_examples
from app.answer.render import figures_table, point_texts, render, source_note
from app.answer.router import route
from app.answer.scope import out_of_scope
from app.answer.series import MAX_YEARS, decide_series
from app.answer.tabled import decide_from_table
from app.answer.value import decide_value
from app.domain import Answer, AskOptions, Query, SearchResult, final_answer
from app.errors import BadInputError
from app.models.llm import LLM, complete_text
from app.retrieve.glossary import load_glossary
from app.retrieve.retriever import Retriever
from app.settings import Settings


class Answerer:
    """Answers questions from the retriever's passages, with or without the LLM."""

    def __init__(self, retriever: Retriever, llm: LLM | None, settings: Settings) -> None:
        self.retriever = retriever
        self.llm = llm
        self.settings = settings
        self._examples = load_examples(settings.prompts_dir)
        self._glossary = load_glossary(settings.prompts_dir / "glossary.tsv")
        calibration = _calibration(settings)
        self._tools = Tools(llm, settings, self._examples, self._part, calibration) if llm else None

    def ask(self, question: str, options: AskOptions | None = None) -> Answer:
        """The grounded answer, all at once."""
        answer = final_answer(self.ask_stream(question, options))
        assert answer is not None
        return answer

    def ask_stream(
        self, question: str, options: AskOptions | None = None
    ) -> Iterator[tuple[str, object]]:
        """("token", piece) while generating, ("checking", why) before a second look, then
        ("answer", Answer)."""
        started = time.perf_counter()
        options = options or AskOptions()
        mode = (options.mode or self.settings.answer_mode) if self.llm else "extractive"
        query = self.retriever.analyse(question)
        form = route(query)
        result = self._search(query, form, mode, options)
        query = result.query
        retrieved_at = time.perf_counter()
        decision = yield from self._decide(query, form, result, mode, options.doc_id)
        finished = time.perf_counter()
        timings = {
            "retrieval_ms": round((retrieved_at - started) * 1000, 1),
            "generation_ms": round((finished - retrieved_at) * 1000, 1),
            "total_ms": round((finished - started) * 1000, 1),
        }
        yield "answer", self._package(result, decision, mode, timings)

    def _decide(
        self, query: Query, form: Form, result: SearchResult, mode: str, doc_id: str | None
    ) -> Events:
        """The strategy for the question's form, after the refusals that need no model. An
        open question is answered from the sections found for its topic (`_open`), a figure
        question the figures table answers from it; the others from candidate sentences."""
        early = out_of_scope(query, self.retriever.index)
        if early is not None:
            return early
        if form is Form.OPEN:
            return (yield from self._open(query, mode, doc_id))
        tools = self._tools if mode == "llm" else None
        tabled = yield from decide_from_table(
            query,
            form,
            self.retriever.index,
            self.settings.figure_match,
            tools,
            lambda: self._candidates(query, result),
        )
        if tabled is not None:
            return tabled
        candidates = self._candidates(query, result)
        if not candidates:
            return Decision(Outcome.NOTHING_RETRIEVED, form)
        if mode == "extractive":
            return decide_extractive(query, candidates, form)
        if query.compares_years:
            return (yield from decide_comparison(self._tools, query, doc_id))
        in_chinese = query.english and bool(query.translation)
        decision = yield from decide_value(
            self._tools, query, candidates, stream=not in_chinese, form=form
        )
        if in_chinese and decision.outcome is Outcome.ANSWERED:
            decision = yield from in_english(self._tools, query, decision)
        return decision

    def _open(self, query: Query, mode: str, doc_id: str | None) -> Events:
        """An open question, searched by its topic (`points.topic`). An English one is
        searched by its own words (the embedder is multilingual), the model's Chinese for
        the topic alone (a small model turns a whole open question into a factoid one) and
        the reports' terms the glossary gives for the topic's words. Whether the library
        can cover the topic is judged from its Chinese words; a model's translation may
        pick a word the reports never use, so when the glossary names the topic in the
        reports' own terms, those vouch for it."""
        text = checked = topic(query)
        tools = self._tools if mode == "llm" else None
        if query.english:
            terms = [chinese for _, chinese in self._glossary.find(text)]
            translated = translate(tools, text, []) if tools is not None else ""
            chinese = " ".join(t for t in [translated, *terms] if t)
            text = " ".join([text, chinese]).strip()
            checked = "" if terms else translated
            weights = self.retriever.analyse(chinese).term_weights if chinese else {}
            query = replace(query, term_weights=weights)
        k = self.settings.open_passages
        found = self.retriever.retrieve(query, text=text, k=k, doc_id=doc_id)
        index, embedder = self.retriever.index, self.retriever.embedder
        return (
            yield from decide_open(
                query, text, checked, found.passages, index, embedder, self.settings, tools
            )
        )

    # ------------------------------------------------------------------ retrieval

    def _search(self, query: Query, form: Form, mode: str, options: AskOptions) -> SearchResult:
        """Retrieve for the analysed question; an English one is first put into Chinese by
        the model (the reports' words are Chinese), and keeps its English text for the
        answer."""
        k = self.settings.retrieve_for_answer
        where = {"year": options.year, "doc_id": options.doc_id}
        if (
            mode != "llm"
            or not query.english
            or form is Form.OPEN  # searched by its topic and the glossary's terms
            or out_of_scope(query, self.retriever.index)
        ):
            return self.retriever.retrieve(query, k=k, **where)
        glossary = self._glossary.find(query.text)
        chinese = translate(self._tools, query.text, glossary)
        if not chinese:
            return self.retriever.retrieve(query, k=k, **where)
        # The cues (what is asked, years, plan or review) are read from the English
        # question itself; the key terms that find and score Chinese sentences, and the
        # search itself, from its translation and the reports' terms the glossary gives
        # for its words (which a loose translation may have missed).
        missing = [c for _, c in glossary if c not in chinese]
        searched = " ".join([chinese, *missing])
        terms = self.retriever.analyse(searched)
        query = replace(
            query,
            terms=terms.terms,
            term_weights=terms.term_weights,
            translation=chinese,
            asked_kind=query.asked_kind or terms.asked_kind,
            indicators=terms.indicators,
        )
        return self.retriever.retrieve(query, text=searched, k=k, **where)

    def _candidates(self, query: Query, result: SearchResult) -> list[Candidate]:
        kinds = {d.doc_id: d.kind for d in self.retriever.index.documents.values()}
        return select_candidates(
            query,
            result.passages,
            kinds,
            max_chars=self.settings.context_chars,
            max_count=self.settings.candidate_count,
            embedder=self.retriever.embedder,
        )

    def _part(
        self, question: str, year: int, whole: Query, doc_id: str | None
    ) -> tuple[Query, list[Candidate]]:
        """A part question of a composite one (one year of a comparison), with its candidates."""
        k = self.settings.retrieve_for_answer
        result = self.retriever.search(question, k=k, year=year, doc_id=doc_id)
        sub = replace(result.query, years=[year], report_year=None, wants_plan=whole.wants_plan)
        return sub, self._candidates(sub, SearchResult(sub, result.passages))

    def figures(self, indicator: str, first: int, last: int) -> dict:
        """One indicator's figures for each year from `first` to `last` (either order), from
        the figures table, as `render.figures_table` gives them ({} when no year has one)."""
        first, last = sorted((first, last))
        if last - first + 1 > MAX_YEARS:
            raise BadInputError(f"years {first}-{last}: give at most {MAX_YEARS} years")
        query = replace(self.retriever.analyse(indicator), years=list(range(first, last + 1)))
        decision = decide_series(query, self.retriever.index, self.settings.figure_match)
        return figures_table(decision, english=False)

    # ------------------------------------------------------------------ the model's other calls

    def warm_up(self) -> None:
        """Load the model and evaluate the fixed prompt prefix (system turn and worked
        examples), which every question then shares; for backends that can (`prime`).
        The reports' indicator names are read here too, not on the first question."""
        self.retriever.indicator_names  # noqa: B018 (reads and caches them)
        prime = getattr(self.llm, "prime", None)
        if prime is None or self.settings.answer_mode != "llm":
            return
        prime(build_translation(self.settings.prompts_dir, self._examples, question="Hello"))

    def rewrite(self, previous: str, question: str) -> str:
        """A follow-up written as a standalone question by the model (one short line)."""
        messages = build_rewrite(
            self.settings.prompts_dir, self._examples, previous=previous, question=question
        )
        return complete_text(self.llm, messages, max_tokens=80, grammar=ONE_LINE).strip()

    # ------------------------------------------------------------------ packaging

    def _package(
        self, result: SearchResult, decision: Decision, mode: str, timings: dict
    ) -> Answer:
        query = result.query
        cited = list(enumerate(decision.evidence, start=1))
        return Answer(
            question=query.text,
            answer=render(decision, query),
            refused=decision.refused,
            mode=mode,
            citations=[c.to_citation(n, english=query.english) for n, c in cited],
            retrieved=[p.to_dict() for p in result.passages],
            source_note="" if decision.refused else source_note(cited, query.english),
            table={} if decision.refused else figures_table(decision, query.english),
            points=[
                {"text": text, "citations": list(point.cited)}
                for point, text in zip(
                    decision.points, point_texts(decision, query.english), strict=True
                )
            ],
            years=query.years,
            report_year=query.report_year,
            verification={
                "ok": not decision.refused and not decision.problems,
                "outcome": decision.outcome.value,
                "form": decision.form.value,
                "problems": list(decision.problems),
                "commitments": [look.to_dict() for look in decision.looks],
                "model_answer": decision.model_answer,
                "looks": 2 if decision.second_look else 1,
            },
            timings=timings,
        )


def _calibration(settings: Settings) -> Calibration | None:
    """The fitted decision, when the settings ask for it and its file exists."""
    path = settings.calibration_file or settings.prompts_dir / "calibration.json"
    if settings.decision != "calibrated" or not path.exists():
        return None
    return Calibration.load(path)
