"""An answer packaged for its readers: the decision's text (`render`), its citations,
source note, figures table, points, verification and timings, as the one `Answer` the
CLI, the web routes, the OpenAI endpoint, MCP and the store all read."""

from __future__ import annotations

from app.answer.decision import Decision
from app.answer.render import figures_table, point_texts, render, source_note
from app.domain import Answer, SearchResult


def package(result: SearchResult, decision: Decision, mode: str, timings: dict) -> Answer:
    """The `Answer` for a decision reached on a search's result."""
    query = result.query
    cited = list(enumerate(decision.evidence, start=1))
    apart = list(enumerate(decision.conflicts, start=len(cited) + 1))
    return Answer(
        question=query.text,
        answer=render(decision, query),
        refused=decision.refused,
        mode=mode,
        citations=[c.to_citation(n, english=query.english) for n, c in cited]
        + [c.to_citation(n, english=query.english, conflict=True) for n, c in apart],
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
