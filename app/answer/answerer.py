"""Answer stage: retrieve → candidate sentences → the model commits to one → ground → answer.

The service API for answers. `ask_stream` yields ("token", text) while the model writes
and finally ("answer", Answer): the grounded answer, which is what a user is shown.

One lookup is one model call: the model sees numbered candidate sentences with their
provenance and opens its reply with the number of the sentence that answers ([0] for
none). Its probability of that choice is the confidence; below `min_confidence` the
service says it found no sure answer. The answer's figures must stand in the chosen
sentence, else the service refuses (the model misread). A refused answer whose model
chose a sentence gets one second look, the candidates shown in reverse order (a small
model's choice leans to the first numbers); two unsure looks that state the same figures
answer too.
Composite questions are decomposed:
a comparison of two years is two lookups and a difference computed in code; a yes/no
question about a rise or fall is decided from the chosen sentence's own direction.
An English question costs two short calls more: its translation (with the glossary's
terms) before the lookup, which is then made for the Chinese question, and the grounded
answer's rendering in English after it, grounded again against the same sentence.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

from app.answer.candidates import Candidate, select_candidates
from app.answer.grounding import (
    Commitment,
    Figure,
    direction,
    figure_in,
    figures,
    fix_units,
    ground,
    is_refusal,
    parse_reply,
    scaled_amounts,
)
from app.answer.prompt import (
    build_english_answer,
    build_messages,
    build_rewrite,
    build_translation,
    load_examples,
)
from app.answer.texts import (
    cite,
    comparison_text,
    no_document_text,
    no_report_text,
    refusal_text,
    source_note,
    verdict_text,
    year_hint,
)
from app.domain import Answer, Query, SearchResult, final_answer
from app.models.llm import LLM, Lead, complete_text
from app.retrieve.glossary import load_glossary
from app.retrieve.query import part_question
from app.retrieve.retriever import Retriever
from app.settings import Settings
from app.text.cjk import reads_as_english
from app.text.markers import strip_markers
from app.text.numbers import as_written, numbers_in

Mode = Literal["llm", "extractive"]
TRANSLATION_GRAMMAR = r"root ::= [^\[\n]+"  # one line, never a bracketed choice
MISREAD = "refused: figure not in the chosen sentence"
MIN_QUOTE_SCORE = 0.55  # an extractive answer's sentence must score at least this
Events = Generator[tuple[str, object], None, "Draft"]


@dataclass
class Draft:
    """An answer being decided: its text, what it cites, and how it was decided."""

    text: str
    refused: bool
    cited: list[Candidate] = field(default_factory=list)
    outcome: str = "answered"  # answered | quoted (extractive) | compared | verdict | refused: why
    problems: list[str] = field(default_factory=list)
    commitments: list[dict] = field(default_factory=list)
    model_answer: str = ""
    said: str = ""  # the model's answer as it stated it (units restored), before citing
    looks: int = 1  # 2: accepted at the second look, the candidates in reverse order


class Answerer:
    """Answers questions from the retriever's passages, with or without the LLM."""

    def __init__(self, retriever: Retriever, llm: LLM | None, settings: Settings) -> None:
        self.retriever = retriever
        self.llm = llm
        self.settings = settings
        self._examples = load_examples(settings.prompts_dir)
        self._glossary = load_glossary(settings.prompts_dir / "glossary.tsv")

    def ask(
        self,
        question: str,
        *,
        mode: Mode | None = None,
        year: int | None = None,
        doc_id: str | None = None,
    ) -> Answer:
        """The grounded answer, all at once."""
        answer = final_answer(self.ask_stream(question, mode=mode, year=year, doc_id=doc_id))
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
        """Yield ("token", piece) while generating, then ("answer", Answer); ("checking",
        why) when what was streamed was refused and the model takes a second look."""
        started = time.perf_counter()
        mode = (mode or self.settings.answer_mode) if self.llm is not None else "extractive"
        result = self._search(question, mode, year, doc_id)
        query = result.query
        candidates = self._candidates(query, result)
        retrieved_at = time.perf_counter()
        draft = self._refuse_early(query, candidates)
        if draft is None and mode == "extractive":
            draft = self._extractive(query, candidates)
        elif draft is None and query.compares_years:
            draft = yield from self._compare(query, year, doc_id)
        elif draft is None:
            draft = yield from self._single(query, candidates)
        finished = time.perf_counter()
        timings = {
            "retrieval_ms": round((retrieved_at - started) * 1000, 1),
            "generation_ms": round((finished - retrieved_at) * 1000, 1),
            "total_ms": round((finished - started) * 1000, 1),
        }
        yield "answer", self._answer(result, draft, mode, timings)

    # ------------------------------------------------------------------ steps

    def _search(self, question: str, mode: str, year: int | None, doc_id: str | None):
        """Retrieve for the question; an English one is first put into Chinese by the model
        (the reports' words are Chinese), and keeps its English text for the answer."""
        k = self.settings.retrieve_for_answer
        query = self.retriever.analyse(question)
        if mode != "llm" or not query.english or self._out_of_scope(query):
            return self.retriever.retrieve(query, k=k, year=year, doc_id=doc_id)
        glossary = self._glossary.find(query.text)
        chinese = self._translate(query.text, glossary)
        if not chinese:
            return self.retriever.retrieve(query, k=k, year=year, doc_id=doc_id)
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
        return self.retriever.retrieve(query, text=searched, k=k, year=year, doc_id=doc_id)

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
        return complete_text(self.llm, messages, max_tokens=80, grammar=TRANSLATION_GRAMMAR).strip()

    def _translate(self, question: str, glossary: list[tuple[str, str]]) -> str:
        """The question in Chinese, in one short model call that reuses the cached prefix."""
        messages = build_translation(
            self.settings.prompts_dir, self._examples, question=question, terms=glossary
        )
        reply = complete_text(self.llm, messages, max_tokens=60, grammar=TRANSLATION_GRAMMAR)
        return reply.strip()

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

    def _out_of_scope(self, query: Query) -> Draft | None:
        """A refusal when no document covers the asked years or the named report is not in
        the library."""
        index = self.retriever.index
        english = query.english
        if query.years and not set(query.years) & index.covered_years:
            text = no_document_text(query.years, index.covered_years, english)
            return Draft(text, True, outcome="refused: no document covers the year")
        reports = sorted(
            {d.delivered_year for d in index.documents.values() if d.kind == "work_report"} - {None}
        )
        if query.report_year and query.report_year not in reports:
            text = no_report_text(query.report_year, reports, english)
            return Draft(text, True, outcome="refused: no such report")
        return None

    def _refuse_early(self, query: Query, candidates: list[Candidate]) -> Draft | None:
        """A refusal before any model call: out of scope, or no sentence of the asked
        period was retrieved. Whether a retrieved sentence answers is the model's call,
        not a word-overlap rule's."""
        english = query.english
        out = self._out_of_scope(query)
        if out is not None:
            return out
        if not candidates:
            text = refusal_text(None, english)
            return Draft(text, True, outcome="refused: nothing retrieved for the period")
        return None

    def _extractive(self, query: Query, candidates: list[Candidate]) -> Draft:
        """Quote the best candidate sentence if it bears on the question enough."""
        best = max(candidates, key=lambda c: c.sentence.score)
        # An English question's words are not in the reports: its quote cannot be checked.
        if best.sentence.score < MIN_QUOTE_SCORE or query.english:
            return Draft(refusal_text(best, query.english, unsure=True), True, [best], "refused")
        return Draft(cite(best.text, 1, english=False), False, [best], outcome="quoted")

    def _lookup(
        self, query: Query, candidates: list[Candidate], *, stream: bool = True, hint: str = ""
    ) -> Generator[tuple[str, object], None, tuple[Commitment, str, str]]:
        """One model call: the candidates numbered, the reply opening with its choice.

        Returns the commitment, the answer text after the choice, and the raw reply.
        """
        messages = build_messages(
            self.settings.prompts_dir,
            self._examples,
            question=query.translation or query.text,
            candidates=[c.prompt_line() for c in candidates],
            year_hint=hint or year_hint(query),
        )
        lead = Lead(options=[str(i) for i in range(len(candidates) + 1)])
        pieces: list[str] = []
        opened = False
        for piece in self.llm.complete(
            messages,
            stream=True,
            max_tokens=self.settings.answer_max_tokens,
            lead=lead,
        ):
            pieces.append(piece)
            if not stream:
                continue
            if opened:
                yield "token", piece
            elif "]" in "".join(pieces):  # the choice is made: stream what follows it
                opened = True
                rest = "".join(pieces).split("]", 1)[1].lstrip()
                if rest:
                    yield "token", rest
        raw = "".join(pieces).strip()
        choice, text = parse_reply(raw)
        probs = {int(o): p for o, p in lead.probs.items()}
        return Commitment(choice, probs), text, raw

    def _decide(
        self,
        query: Query,
        candidates: list[Candidate],
        commitment: Commitment,
        text: str,
        *,
        least: float | None = None,
    ) -> Draft:
        """Accept the model's answer when its choice is sure (at least `least`, by default
        the language's threshold) and its figures stand in the chosen sentence; otherwise
        refuse."""
        english = query.english
        by_n = {c.n: c for c in candidates}
        chosen = by_n.get(commitment.choice or 0)
        nearest = max(candidates, key=lambda c: c.sentence.score) if candidates else None
        record = [commitment.to_dict()]
        if chosen is None or is_refusal(text):
            draft = Draft(refusal_text(nearest, english), True, [nearest] if nearest else [])
            draft.outcome, draft.commitments = "refused: no sentence answers", record
            return draft
        confidence = commitment.confidence
        if least is None:
            least = self.settings.min_confidence_en if english else self.settings.min_confidence
        if confidence is not None and confidence < least:
            draft = Draft(refusal_text(nearest, english, unsure=True), True, [nearest])
            draft.outcome, draft.commitments = "refused: unsure", record
            return draft
        text = fix_units(text, chosen.text)
        problems = ground(text, query, chosen)
        if problems:
            # The model stated what its own choice does not say: it misread the question
            # or the sentence, so neither its words nor its choice can be trusted.
            draft = Draft(refusal_text(nearest, english, unsure=True), True, [nearest])
            draft.outcome, draft.problems = MISREAD, problems
            draft.said = text
        else:
            shown = as_written(text, chosen.text)  # 第1 → 第一, as the sentence writes it
            draft = Draft(cite(shown, 1, english), False, [chosen], said=text)
        draft.commitments = record
        return self._yes_no(query, draft)

    def _yes_no(self, query: Query, draft: Draft) -> Draft:
        """A yes/no question about a rise or fall: decided by the chosen sentence's direction."""
        asked = direction(query.text) if query.yes_no else 0
        if draft.refused or not asked or not draft.cited:
            return draft
        chosen = draft.cited[0]
        said = direction(chosen.text)
        if not said:
            return draft
        text = verdict_text(said == asked, chosen, 1, query.english)
        return replace(draft, text=text, outcome="verdict")

    def _settle(self, query: Query, candidates: list[Candidate], *, stream: bool) -> Events:
        """One lookup decided; when it is refused but chose a sentence, a second look.

        A small model's choice among numbered sentences leans towards the first numbers
        it is shown (position bias), and its answer sometimes comes from a sentence it did
        not name. The second look shows the same candidates in reverse order and is
        decided by the same rules; if it is refused too, the two looks still answer when
        they agree (the same sentence, or the same figures, grounded in a sentence one of
        them chose) and each gave its choice at least `agree_confidence`. Otherwise the
        first refusal stands."""
        commitment, text, raw = yield from self._lookup(query, candidates, stream=stream)
        first = self._decide(query, candidates, commitment, text)
        first.model_answer = raw
        if not (self.settings.second_look and first.refused and commitment.choice):
            return first
        if stream:  # what was shown is not the answer: say so before looking again
            yield "checking", first.outcome
        last = len(candidates)
        reordered = [replace(c, n=last + 1 - c.n) for c in reversed(candidates)]
        commitment2, text2, raw2 = yield from self._lookup(query, reordered, stream=False)
        second = self._decide(query, reordered, commitment2, text2)
        both = first.commitments + second.commitments
        if not second.refused:
            draft = second
            draft.commitments = _superseded(first.commitments) + second.commitments
        else:
            least = self.settings.agree_confidence
            a = self._decide(query, candidates, commitment, text, least=least)
            b = self._decide(query, reordered, commitment2, text2, least=least)
            agreed = _agreed(query, a, b)
            if agreed is not None:
                draft = agreed
                draft.commitments = both
            else:
                first.commitments = _superseded(both)
                first.model_answer += "\n" + raw2
                return first
        draft.model_answer = raw + "\n" + raw2
        draft.looks = 2
        return draft

    def _single(self, query: Query, candidates: list[Candidate]) -> Events:
        in_chinese = query.english and bool(query.translation)
        draft = yield from self._settle(query, candidates, stream=not in_chinese)
        if in_chinese and draft.outcome == "answered":
            draft = yield from self._in_english(query, draft)
        return draft

    def _in_english(self, query: Query, draft: Draft) -> Events:
        """A grounded Chinese answer to an English question, put into English by the model
        and grounded again against the same chosen sentence. When the English does not
        hold the figures as the sentence gives them, the Chinese answer stands, introduced
        in English: a figure is never changed in translation."""
        chosen = draft.cited[0]
        chinese = strip_markers(draft.text).strip()
        messages = build_english_answer(
            self.settings.prompts_dir, self._examples, question=query.text, answer=chinese
        )
        pieces: list[str] = []
        for piece in self.llm.complete(
            messages,
            stream=True,
            max_tokens=self.settings.answer_max_tokens,
            grammar=TRANSLATION_GRAMMAR,
        ):
            pieces.append(piece)
            yield "token", piece
        english = fix_units("".join(pieces).strip(), chosen.text)
        draft.model_answer += "\n" + english
        grounded = not ground(english, query, chosen) and not scaled_amounts(english)
        if reads_as_english(english) and grounded:
            return replace(draft, text=cite(english, 1, english=True))
        text = "The report says: " + cite(chinese, 1, english=False)
        return replace(draft, text=text, outcome="answered: kept in Chinese")

    def _compare(self, query: Query, year: int | None, doc_id: str | None) -> Events:
        """Two years compared: one grounded lookup per year, the difference computed."""
        found: list[tuple[int, Figure]] = []
        commitments, raws = [], []
        for asked in query.years:
            part = part_question(query, asked)
            result = self.retriever.search(
                part, k=self.settings.retrieve_for_answer, year=asked, doc_id=doc_id
            )
            sub = replace(
                result.query, years=[asked], report_year=None, wants_plan=query.wants_plan
            )
            candidates = self._candidates(sub, SearchResult(sub, result.passages))
            if not candidates:
                break
            draft = yield from self._settle(sub, candidates, stream=False)
            commitments.extend(draft.commitments)
            raws.append(draft.model_answer)
            figure = None if draft.refused else figure_in(draft.said, sub, draft.cited[0])
            if figure is None:
                break
            found.append((asked, figure))
        if len(found) < 2:
            draft = Draft(refusal_text(None, query.english, unsure=True), True)
            draft.outcome = "refused: a year's figure not found"
        else:
            first, second = sorted(found, key=lambda item: item[0])
            text = comparison_text(first, second, query.english)
            cited = [first[1].candidate, second[1].candidate]
            draft = Draft(text, False, cited, outcome="compared")
        draft.commitments, draft.model_answer = commitments, "\n".join(raws)
        return draft

    def _answer(self, result: SearchResult, draft: Draft, mode: str, timings: dict) -> Answer:
        query = result.query
        cited = list(enumerate(draft.cited, start=1))
        return Answer(
            question=query.text,
            answer=draft.text,
            refused=draft.refused,
            mode=mode,
            citations=[c.to_citation(n, english=query.english) for n, c in cited],
            retrieved=[p.to_dict() for p in result.passages],
            source_note="" if draft.refused else source_note(cited, query.english),
            years=query.years,
            report_year=query.report_year,
            verification={
                "ok": not draft.refused and not draft.problems,
                "outcome": draft.outcome,
                "problems": draft.problems,
                "commitments": draft.commitments,
                "model_answer": draft.model_answer,
                "looks": draft.looks,
            },
            timings=timings,
        )


def _superseded(commitments: list[dict]) -> list[dict]:
    """Commitments kept for the record that the answer does not rest on."""
    return [dict(c, superseded=True) for c in commitments]


def _agreed(query: Query, a: Draft, b: Draft) -> Draft | None:
    """The answer two looks agree on, each sure of its choice at least to the agreement
    floor, or None. Two grounded looks agree when they chose the same sentence or state
    the same numbers (an entity question's two sentences naming the event by the same
    date). One grounded look agrees with a look refused for its figures when they state
    the same figures, years and the question's own numbers aside: the other stated them
    too but pointed at a neighbour (its answer did not move with the candidates' order;
    its pointer did). Of the grounded looks, the surer one answers."""
    if any(d.refused and d.outcome != MISREAD for d in (a, b)):
        return None  # unsure at the floor, or no sentence chosen
    grounded = [d for d in (a, b) if not d.refused]
    if not grounded:
        return None
    best = max(grounded, key=lambda d: d.commitments[0]["confidence"] or 0)
    if len(grounded) == 2:  # each grounded in its own sentence: the same one, or the same numbers
        same = a.cited[0].text == b.cited[0].text
        numbers = sorted(set(numbers_in(a.said)))
        return best if same or (numbers and numbers == sorted(set(numbers_in(b.said)))) else None
    sentence = best.cited[0]
    stated = [set(figures(d.said, query, sentence)) for d in (a, b)]
    return best if stated[0] and stated[0] == stated[1] else None
