"""The answer pipeline: read → route → retrieve → candidates → strategy → render → package.

`ask_stream` yields ("token", text) while the model writes, ("checking", why) when what
was streamed is withdrawn for a second look, and finally ("answer", Answer): the
grounded answer, which is what a user is shown. `router` names the question's form,
`search` finds its passages and candidates (an English question put into Chinese first),
each form's strategy module (`tabled` for what the figures table answers, `points` for
open questions, `value`, `compare`, `extractive`) returns a `Decision`, `render` makes
its text and `package` the `Answer`. A grounded answer to an English question is put
into English after the strategy (`english`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from itertools import chain

from app.answer.calibration import Calibration
from app.answer.candidates import instructions_in
from app.answer.compare import decide_comparison
from app.answer.decision import Decision, Form, Outcome
from app.answer.english import ONE_LINE, in_english
from app.answer.extractive import decide_extractive
from app.answer.lookup import Events, Tools
from app.answer.package import package
from app.answer.points import decide_open
from app.answer.prompt import build_rewrite, build_translation, load_examples
from app.answer.provenance import set_aside, with_conflicts
from app.answer.render import figures_table
from app.answer.router import route
from app.answer.scope import out_of_scope
from app.answer.search import Searcher
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
        glossary = load_glossary(settings.prompts_dir / "glossary.tsv")
        self._searcher = Searcher(retriever, glossary, settings)
        calibration = _calibration(settings)
        part = self._searcher.part
        self._tools = Tools(llm, settings, self._examples, part, calibration) if llm else None

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
        tools = self._tools if mode == "llm" else None
        result = self._searcher.question(query, form, tools, options)
        query = result.query
        retrieved_at = time.perf_counter()
        decision = yield from self._decide(query, form, result, mode, options.doc_id)
        finished = time.perf_counter()
        timings = {
            "retrieval_ms": round((retrieved_at - started) * 1000, 1),
            "generation_ms": round((finished - retrieved_at) * 1000, 1),
            "total_ms": round((finished - started) * 1000, 1),
        }
        yield "answer", package(result, decision, mode, timings)

    def _decide(
        self, query: Query, form: Form, result: SearchResult, mode: str, doc_id: str | None
    ) -> Events:
        """The strategy for the question's form, after the refusals that need no model. An
        open question is answered from the sections found for its topic (`_open`), a figure
        question the figures table answers from it; the others from candidate sentences."""
        early = out_of_scope(query, self.retriever.index)
        if early is not None:
            return early
        tools = self._tools if mode == "llm" else None
        if form is Form.OPEN:
            query, text, checked, passages = self._searcher.topic(query, tools, doc_id)
            index, embedder = self.retriever.index, self.retriever.embedder
            return (
                yield from decide_open(
                    query, text, checked, passages, index, embedder, self.settings, tools
                )
            )
        tabled = yield from decide_from_table(
            query,
            form,
            self.retriever.index,
            self.settings.figure_match,
            tools,
            lambda: self._searcher.candidates(query, result),
        )
        if tabled is not None:
            return tabled
        return (yield from self._from_sentences(query, form, result, mode, doc_id))

    def _from_sentences(
        self, query: Query, form: Form, result: SearchResult, mode: str, doc_id: str | None
    ) -> Events:
        """One candidate sentence answers (a comparison, one for each year); a candidate
        that a more authoritative one states otherwise is set aside first, and every
        statement otherwise is shown apart."""
        index = self.retriever.index
        candidates, aside = set_aside(self._searcher.candidates(query, result), index.figures)
        if not candidates:
            return Decision(Outcome.NOTHING_RETRIEVED, form)
        if mode == "extractive":
            decision = decide_extractive(query, candidates, form)
        elif query.compares_years:
            return (yield from decide_comparison(self._tools, query, doc_id))
        else:
            in_chinese = query.english and bool(query.translation)
            decision = yield from decide_value(
                self._tools, query, candidates, stream=not in_chinese, form=form
            )
            if in_chinese and decision.outcome is Outcome.ANSWERED:
                decision = yield from in_english(self._tools, query, decision)
        pool = chain(candidates, aside, instructions_in(result.passages, index.documents))
        return with_conflicts(decision, pool, index.figures)

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


def _calibration(settings: Settings) -> Calibration | None:
    """The fitted decision, when the settings ask for it and its file exists."""
    path = settings.calibration_file or settings.prompts_dir / "calibration.json"
    if settings.decision != "calibrated" or not path.exists():
        return None
    return Calibration.load(path)
