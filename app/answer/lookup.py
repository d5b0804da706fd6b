"""One lookup: the candidates numbered, one model call whose reply opens with its choice.

What the strategies share: the model, the settings, the worked examples, and a way to
get candidate sentences for a part question (a comparison asks one year at a time).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

from app.answer.calibration import Calibration
from app.answer.candidates import Candidate
from app.answer.grounding import Commitment, parse_reply
from app.answer.prompt import build_messages, year_hint
from app.domain import Query
from app.models.llm import LLM, Lead
from app.settings import Settings

Events = Generator[tuple[str, object], None, object]
Gate = Callable[[Commitment], bool]


@dataclass(frozen=True)
class Reply:
    """What one model call committed to: the choice, the answer after it, the raw text."""

    commitment: Commitment
    text: str
    raw: str


@dataclass(frozen=True)
class Tools:
    """What a strategy may use: the model and its prompts, and candidates for a part question
    (`part(question, year, whole query, doc_id)` → the part's analysed query and candidates)."""

    llm: LLM
    settings: Settings
    examples: list[dict]
    part: Callable[[str, int, Query, str | None], tuple[Query, list[Candidate]]]
    calibration: Calibration | None = None  # None: the choice's probability against a threshold

    def sure(self, query: Query) -> Gate:
        """Whether a look's choice is sure enough to answer, for this question."""
        if self.calibration is not None:
            return lambda commitment: self.calibration.accepts(commitment, query)
        settings = self.settings
        least = settings.min_confidence_en if query.english else settings.min_confidence
        return at_least(least)


def at_least(least: float) -> Gate:
    """A gate on the choice's own probability (passes without log-probabilities)."""
    return lambda c: c.confidence is None or c.confidence >= least


def lookup(
    tools: Tools, query: Query, candidates: list[Candidate], *, stream: bool = True
) -> Generator[tuple[str, object], None, Reply]:
    """One model call over the numbered candidates; streams what follows the choice."""
    messages = build_messages(
        tools.settings.prompts_dir,
        tools.examples,
        question=query.translation or query.text,
        candidates=[c.prompt_line() for c in candidates],
        year_hint=year_hint(query),
    )
    lead = Lead(options=[str(i) for i in range(len(candidates) + 1)])
    pieces: list[str] = []
    opened = False
    for piece in tools.llm.complete(
        messages, stream=True, max_tokens=tools.settings.answer_max_tokens, lead=lead
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
    return Reply(Commitment(choice, probs), text, raw)
