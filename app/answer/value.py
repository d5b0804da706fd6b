"""The value strategy: one figure or fact, from the one candidate sentence the model chooses.

The model's choice is accepted when it is sure enough (its probability, pooled with that of
the candidates stating the same figures in the same words, reaches the language's
threshold) and its answer is grounded in the chosen sentence (`ground`). A
refused choice gets one second look with the candidates in reverse order (a small
model's choice leans to the first numbers it is shown); two unsure looks that agree
answer too. A yes/no question about a rise or fall is decided by the chosen sentence's
own direction.
"""

from __future__ import annotations

from dataclasses import replace

from app.answer.calibration import features
from app.answer.candidates import Candidate
from app.answer.decision import Decision, Form, Look, Outcome, superseded
from app.answer.grounding import (
    Commitment,
    direction,
    figures,
    fix_units,
    ground,
    is_refusal,
    pooled,
)
from app.answer.lookup import Events, Gate, Reply, Tools, at_least, lookup
from app.domain import Query
from app.text.numbers import numbers_in


def judge(
    query: Query, candidates: list[Candidate], reply: Reply, sure: Gate, form: Form
) -> Decision:
    """Accept the reply when its choice is `sure` and its figures stand in the chosen
    sentence; otherwise refuse, pointing to the nearest sentence."""
    by_n = {c.n: c for c in candidates}
    chosen = by_n.get(reply.commitment.choice or 0)
    nearest = max(candidates, key=lambda c: c.sentence.score) if candidates else None
    text = fix_units(reply.text, chosen.text) if chosen is not None else reply.text
    together = pooled(reply.commitment, text, query, candidates)
    recorded = _recorded(query, candidates, reply.commitment, chosen, together)
    looks = (Look(reply.commitment, features=recorded),)
    pointed = (nearest,) if nearest else ()
    if chosen is None or is_refusal(reply.text):
        return Decision(Outcome.NOT_ANSWERED, form, pointed, looks=looks)
    if not sure(together):
        return Decision(Outcome.UNSURE, form, (nearest,), looks=looks)
    problems = ground(text, query, chosen)
    if problems:
        # The model stated what its own choice does not say: it misread the question or
        # the sentence, so neither its words nor its choice can be trusted.
        return Decision(
            Outcome.MISREAD, form, (nearest,), statement=text, problems=tuple(problems), looks=looks
        )
    return verdict(query, Decision(Outcome.ANSWERED, form, (chosen,), statement=text, looks=looks))


def verdict(query: Query, decision: Decision) -> Decision:
    """A yes/no question about a rise or fall: decided by the chosen sentence's direction."""
    asked = direction(query.text) if query.yes_no else 0
    if decision.refused or not asked or not decision.evidence:
        return decision
    said = direction(decision.evidence[0].text)
    if not said:
        return decision
    return replace(decision, outcome=Outcome.VERDICT, verdict=said == asked)


def decide_value(
    tools: Tools, query: Query, candidates: list[Candidate], *, stream: bool, form: Form
) -> Events:
    """One lookup decided; when it is refused but chose a sentence, a second look with the
    candidates reversed, decided by the same rules. If that is refused too, the two looks
    still answer when they agree and each gave its choice at least `agree_confidence`;
    otherwise the first refusal stands."""
    reply = yield from lookup(tools, query, candidates, stream=stream)
    first = judge(query, candidates, reply, tools.sure(query), form)
    first = replace(first, model_answer=reply.raw)
    if not (tools.settings.second_look and first.refused and reply.commitment.choice):
        return first
    if stream:  # what was shown is not the answer: say so before looking again
        yield "checking", first.outcome.value
    last = len(candidates)
    reordered = [replace(c, n=last + 1 - c.n) for c in reversed(candidates)]
    reply2 = yield from lookup(tools, query, reordered, stream=False)
    second = judge(query, reordered, reply2, tools.sure(query), form)
    raws = reply.raw + "\n" + reply2.raw
    if not second.refused:
        looks = superseded(first.looks) + second.looks
        return replace(second, looks=looks, model_answer=raws, second_look=True)
    floor = at_least(tools.settings.agree_confidence)
    a = judge(query, candidates, reply, floor, form)
    b = judge(query, reordered, reply2, floor, form)
    agreed = _agreed(query, a, b)
    both = first.looks + second.looks
    if agreed is None:
        return replace(first, looks=superseded(both), model_answer=raws)
    return replace(agreed, looks=both, model_answer=raws, second_look=True)


def _agreed(query: Query, a: Decision, b: Decision) -> Decision | None:
    """The decision two looks agree on, each sure of its choice at least to the agreement
    floor, or None. Two grounded looks agree when they chose the same sentence or state
    the same numbers (an entity question's two sentences naming the event by the same
    date). One grounded look agrees with a look refused for its figures when they state
    the same figures, years and the question's own numbers aside: the other stated them
    too but pointed at a neighbour (its answer did not move with the candidates' order;
    its pointer did). Of the grounded looks, the surer one answers."""
    if any(d.refused and d.outcome is not Outcome.MISREAD for d in (a, b)):
        return None  # unsure at the floor, or no sentence chosen
    grounded = [d for d in (a, b) if not d.refused]
    if not grounded:
        return None
    best = max(grounded, key=lambda d: d.confidence or 0)
    if len(grounded) == 2:  # each grounded in its own sentence: the same one, or the same numbers
        same = a.evidence[0].text == b.evidence[0].text
        numbers = sorted(set(numbers_in(a.statement)))
        agree = numbers and numbers == sorted(set(numbers_in(b.statement)))
        return best if same or agree else None
    sentence = best.evidence[0]
    stated = [set(figures(d.statement, query, sentence)) for d in (a, b)]
    return best if stated[0] and stated[0] == stated[1] else None


def _recorded(
    query: Query,
    candidates: list[Candidate],
    commitment: Commitment,
    chosen: Candidate | None,
    together: Commitment,
) -> tuple[tuple[str, float], ...]:
    """The look's features, for the record and for fitting the decision to answer;
    `together`, the commitment pooled over the candidates stating the answer alike."""
    values = features(commitment, query) or {}
    if chosen is not None:
        best = max(c.sentence.score for c in candidates)
        values |= {
            "tier": float(chosen.tier),
            "top": 1.0 if chosen.sentence.score >= best else 0.0,
            "coverage": float(chosen.sentence.coverage),
        }
        if together.confidence is not None:
            values["pooled_p"] = together.confidence
    return tuple(values.items())
