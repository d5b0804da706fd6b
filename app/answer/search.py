"""The answer stage's searches: the question's passages (an English question put into
Chinese first), an open question's topic, the candidate sentences, and a part question's
own search (one year of a comparison).

An English question keeps its cues (what is asked, its years, plan or review) from its
own words; the key terms that find and score Chinese sentences, and the search itself,
come from the model's translation and the reports' terms the glossary gives for its
words (which a loose translation may have missed).
"""

from __future__ import annotations

from dataclasses import replace

from app.answer.candidates import Candidate, select_candidates
from app.answer.decision import Form
from app.answer.english import translate
from app.answer.lookup import Tools
from app.answer.points import topic
from app.answer.provenance import set_aside
from app.answer.scope import out_of_scope
from app.domain import AskOptions, Passage, Query, SearchResult
from app.retrieve.glossary import Glossary
from app.retrieve.retriever import Retriever
from app.settings import Settings


class Searcher:
    """The retriever as the answer stage uses it."""

    def __init__(self, retriever: Retriever, glossary: Glossary, settings: Settings) -> None:
        self.retriever = retriever
        self.glossary = glossary
        self.settings = settings

    def question(
        self, query: Query, form: Form, tools: Tools | None, options: AskOptions
    ) -> SearchResult:
        """The passages for an analysed question; `tools` when the model may translate."""
        k = self.settings.retrieve_for_answer
        where = {"year": options.year, "doc_id": options.doc_id}
        if (
            tools is None
            or not query.english
            or form is Form.OPEN  # searched by its topic and the glossary's terms
            or out_of_scope(query, self.retriever.index)
        ):
            return self.retriever.retrieve(query, k=k, **where)
        glossary = self.glossary.find(query.text)
        chinese = translate(tools, query.text, glossary)
        if not chinese:
            return self.retriever.retrieve(query, k=k, **where)
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
            indicator_words=terms.indicator_words,
            glossed=glossary,
        )
        return self.retriever.retrieve(query, text=searched, k=k, **where)

    def topic(
        self, query: Query, tools: Tools | None, doc_id: str | None
    ) -> tuple[Query, str, str, list[Passage]]:
        """An open question's topic (`points.topic`) and the sections found for it: (query,
        searched text, the words its coverage is judged by, passages). An English one is
        searched by its own words (the embedder is multilingual), the model's Chinese for
        the topic alone (a small model turns a whole open question into a factoid one) and
        the reports' terms the glossary gives for the topic's words. A model's translation
        may pick a word the reports never use, so when the glossary names the topic in the
        reports' own terms, those vouch for its coverage."""
        text = checked = topic(query)
        if query.english:
            terms = [chinese for _, chinese in self.glossary.find(text)]
            translated = translate(tools, text, []) if tools is not None else ""
            chinese = " ".join(t for t in [translated, *terms] if t)
            text = " ".join([text, chinese]).strip()
            checked = "" if terms else translated
            weights = self.retriever.analyse(chinese).term_weights if chinese else {}
            query = replace(query, term_weights=weights)
        k = self.settings.open_passages
        found = self.retriever.retrieve(query, text=text, k=k, doc_id=doc_id)
        return query, text, checked, found.passages

    def candidates(self, query: Query, result: SearchResult) -> list[Candidate]:
        """The sentences a strategy chooses among, from the found passages."""
        return select_candidates(
            query,
            result.passages,
            self.retriever.index.documents,
            max_chars=self.settings.context_chars,
            max_count=self.settings.candidate_count,
            embedder=self.retriever.embedder,
        )

    def part(
        self, question: str, year: int, whole: Query, doc_id: str | None
    ) -> tuple[Query, list[Candidate]]:
        """A part question of a composite one (one year of a comparison), with its candidates."""
        k = self.settings.retrieve_for_answer
        result = self.retriever.search(question, k=k, year=year, doc_id=doc_id)
        sub = replace(result.query, years=[year], report_year=None, wants_plan=whole.wants_plan)
        found = self.candidates(sub, SearchResult(sub, result.passages))
        return sub, set_aside(found, self.retriever.index.figures)[0]
