"""English questions: put into Chinese before the lookup (the reports' words are Chinese),
and a grounded Chinese answer put into English after it, grounded again against the same
sentence. A figure is never changed in translation: a rendering that does not hold the
sentence's figures is not used."""

from __future__ import annotations

from dataclasses import replace

from app.answer.decision import Decision, Outcome
from app.answer.grounding import fix_units, ground, scaled_amounts
from app.answer.lookup import Events, Tools
from app.answer.prompt import build_english_answer, build_translation
from app.answer.render import chinese_statement
from app.domain import Query
from app.models.llm import complete_text
from app.text.cjk import reads_as_english

ONE_LINE = r"root ::= [^\[\n]+"  # one line, never a bracketed choice


def translate(tools: Tools, question: str, glossary: list[tuple[str, str]]) -> str:
    """The question in Chinese, in one short model call that reuses the cached prefix."""
    messages = build_translation(
        tools.settings.prompts_dir, tools.examples, question=question, terms=glossary
    )
    return complete_text(tools.llm, messages, max_tokens=60, grammar=ONE_LINE).strip()


def in_english(tools: Tools, query: Query, decision: Decision) -> Events:
    """The decision with its statement's English rendering, or kept in Chinese when the
    rendering is not English or does not hold the figures as the sentence gives them."""
    chosen = decision.evidence[0]
    messages = build_english_answer(
        tools.settings.prompts_dir,
        tools.examples,
        question=query.text,
        answer=chinese_statement(decision),
    )
    pieces: list[str] = []
    for piece in tools.llm.complete(
        messages, stream=True, max_tokens=tools.settings.answer_max_tokens, grammar=ONE_LINE
    ):
        pieces.append(piece)
        yield "token", piece
    rendered = fix_units("".join(pieces).strip(), chosen.text)
    record = decision.model_answer + "\n" + rendered
    grounded = not ground(rendered, query, chosen) and not scaled_amounts(rendered)
    if reads_as_english(rendered) and grounded:
        return replace(decision, english=rendered, model_answer=record)
    return replace(decision, outcome=Outcome.KEPT_CHINESE, model_answer=record)
