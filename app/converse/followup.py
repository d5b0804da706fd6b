"""Follow-up questions: a question that leans on earlier turns → a standalone question.

"那2024年呢？" after "2023年新增多少跨国公司地区总部" asks the same thing for 2024. The
resolver reads both questions with the one question analysis (`analyse_question`) and
rewrites by code where the shape is clear:

- *other years*: nothing is left of the follow-up but years, cues and question words
  ("那2024年呢", "What about 2023?", "上一年呢") → the previous question for those years;
- *as a target*: the same, asking for a plan ("那2026年的目标呢") → "{year}年{topic}的目标是多少？";
- *no year*: a follow-up that names none carries the previous turn's years ("竣工面积呢").

Where the shape is not clear (a pronoun, an English follow-up with a new topic), the model
rewrites it, and the rewrite is kept only if it keeps the follow-up's own years and
content words; otherwise the code's merge stands. The resolution says how it was made,
so the page can show "理解为：…" and a wrong reading is visible.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from app.domain import Query
from app.retrieve.query import CUES
from app.text.years import YEAR, chinese_numeral_years

How = Literal["standalone", "code", "model"]
# A rewrite by the model: (previous question, follow-up) → one standalone question.
Rewriter = Callable[[str, str], str]
Analyse = Callable[[str], Query]

# What asks a question, cut from the previous question to leave its topic.
_ASKING = re.compile(
    r"是多少|有多少|多少(?:个|家|台|项|所|座|条|套|幅|亩|人|平方米|公里|公顷|亿元|万元|元)?|"
    r"几[个家台项所座条套幅亩人]?|分别是|是什么|有哪些|哪些|哪个|"
    r"是否|有没有|了吗|吗|呢|达到|提高到了|提升到了|大概|一共|[？?。！!]"
)
_EN_YEAR_PHRASE = re.compile(r"\s*\b(?:in|during|for|of)\s+((?:19|20)\d{2})\b")


@dataclass
class Resolution:
    """The question to answer, and how it was read from the conversation."""

    question: str  # standalone
    original: str
    how: How = "standalone"
    carried: dict = field(default_factory=dict)  # what came from the previous turn

    @property
    def changed(self) -> bool:
        return self.question != self.original

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "original": self.original,
            "how": self.how,
            "carried": self.carried,
        }


def resolve(
    question: str,
    previous: list[str],
    analyse: Analyse,
    rewrite: Rewriter | None = None,
) -> Resolution:
    """The standalone question `question` asks after the (already resolved) `previous` ones."""
    question = question.strip()
    if not previous:
        return Resolution(question, question)
    before = previous[-1]
    asked, prior = analyse(question), analyse(before)
    years = _follow_years(asked, prior)
    points_back = bool(CUES["follow_up"].search(_without_lead(question)))
    elliptic = bool(CUES["follow_up"].search(question))
    new = _new_terms(asked, prior)
    if not _content(question):  # only years and cues: the previous question again
        if asked.wants_plan and not prior.wants_plan:
            text = _as_target(before, prior, years or prior.years)
            return Resolution(text, question, "code", {"topic": before, "plan": True})
        if years and years != prior.years:
            text = _with_years(before, prior, years)
            if text:
                return Resolution(text, question, "code", {"topic": before, "years": years})
        return Resolution(before, question, "code", {"topic": before})
    own_topic = len(new) >= 2 and not points_back
    if own_topic and not elliptic and (asked.years or asked.report_year or not prior.years):
        return Resolution(question, question)  # a question of its own
    # The previous turn gives the years (and the plan, when it asked for one), and its
    # topic too unless the follow-up names one of its own.
    years = years or prior.years
    merged = _merge(question, asked, prior, before, years, same_topic=not own_topic)
    carried = {"years": years, "topic": None if own_topic else before}
    if rewrite is not None and (asked.english or points_back):
        text = _checked_rewrite(rewrite, before, question, asked, years, analyse)
        if text:
            return Resolution(text, question, "model", carried)
    return Resolution(merged, question, "code", carried)


def _new_terms(asked: Query, prior: Query) -> list[str]:
    """The follow-up's content words the previous question lacks, beyond the words that
    only say what is measured ("增速", "rate") or that a plan is asked ("目标")."""
    known = {t.lower() for t in prior.terms}
    return [
        t
        for t in asked.terms
        if t.lower() not in known
        and _content(t)
        and not CUES["measure"].fullmatch(t)
        and not CUES["plan"].fullmatch(t)
    ]


def _follow_years(asked: Query, prior: Query) -> list[int]:
    """The years the follow-up asks about: its own, or one before/after the previous turn's."""
    if len(prior.years) == 1 and not YEAR.search(chinese_numeral_years(asked.text)):
        # "上一年" after a turn about 2025 is 2024, whatever the latest report is
        year = prior.years[0]
        if CUES["previous_year"].search(asked.text):
            return [year - 1]
        if CUES["next_year"].search(asked.text):
            return [year + 1]
    return asked.years


def _content(question: str) -> str:
    """What the follow-up says beyond years, cues and question words."""
    text = chinese_numeral_years(question)
    text = YEAR.sub("", text)
    for cue in ("plan", "previous_year", "next_year", "last_year", "this_year", "follow_up"):
        text = CUES[cue].sub("", text)
    return CUES["filler"].sub("", text)


def _without_lead(question: str) -> str:
    """The follow-up without its leading "那"/"呢": what still points back (其, 它, it)."""
    return re.sub(r"^\s*(?:那么?|and\b|then\b)|呢\s*[？?]?\s*$", "", question, flags=re.I)


def _with_years(before: str, prior: Query, years: list[int]) -> str | None:
    """The previous question with its year put as `years`; None when that is ambiguous."""
    text = chinese_numeral_years(before)
    mentioned = sorted({int(y) for y in YEAR.findall(text)})
    if len(years) != 1 or len(mentioned) > 1:
        return None
    year = years[0]
    if mentioned:
        return YEAR.sub(str(year), text)
    if prior.english:
        return f"{text.rstrip('?？ ')} in {year}?"
    return f"{year}年{text}"


def _topic(before: str) -> str:
    """The previous question without its years and its asking words."""
    text = _EN_YEAR_PHRASE.sub("", chinese_numeral_years(before))
    text = re.sub(r"(?:19|20)\d{2}\s*年?", "", text)
    return _ASKING.sub("", text).strip(" ，,的")


def _as_target(before: str, prior: Query, years: list[int]) -> str:
    """The previous question asked as a target for `years`."""
    span = _years_text(years, prior.english)
    topic = _topic(before)
    if prior.english:
        return f"{topic.rstrip('?')} {span}: what was the target?".replace("  ", " ")
    return f"{span}{topic}的目标是多少？"


def _merge(
    question: str, asked: Query, prior: Query, before: str, years: list[int], *, same_topic: bool
) -> str:
    """The follow-up's own words with what the previous turn gives: its topic before them
    when they ask about that topic ("竣工面积呢" after "开工面积是多少", "其中出口多少"),
    else only its years and plan ("城市绿道呢" after "新建公共绿地多少公顷")."""
    core = chinese_numeral_years(question).strip()
    core = re.sub(r"^\s*(?:那么?|还有|另外|and\s+|then\s+)", "", core, flags=re.I)
    core = re.sub(r"呢\s*([？?]?)\s*$", r"\1", core).rstrip("？?。. ")
    has_years = bool(YEAR.search(core))
    span = "" if has_years else _years_text(years, asked.english)
    if asked.english:
        if same_topic:
            return f"{_topic(before).rstrip('?')} {span}: {core}?".replace("  ", " ")
        return f"{core} {span}?".replace(" ?", "?")
    if not _ASKING.search(core) and (prior.asks_figure or prior.mentions_measure):
        core = f"{core}是多少"
    if same_topic:
        return f"{span}{_topic(before)}：{core}？"
    if prior.wants_plan and not asked.wants_plan:
        core = core.replace("是多少", "的目标是多少") if "是多少" in core else f"{core}的目标"
    return f"{span}{core}？"


def _years_text(years: list[int], english: bool) -> str:
    if not years:
        return ""
    if english:
        return "in " + " and ".join(str(y) for y in years)
    return "和".join(f"{y}年" for y in years)


def _checked_rewrite(
    rewrite: Rewriter,
    before: str,
    question: str,
    asked: Query,
    years: list[int],
    analyse: Analyse,
) -> str | None:
    """The model's rewrite, kept only when it holds the follow-up's years and words."""
    try:
        text = rewrite(before, question).strip().splitlines()[0].strip() if question else ""
    except (IndexError, ValueError):
        return None
    if not text or len(text) > 4 * max(len(before), len(question)):
        return None
    if _plain(text) == _plain(before):
        return None  # the previous question again: the follow-up's own ask was dropped
    got = analyse(text)
    if years and not set(years) <= set(got.years):
        return None
    own = [t for t in asked.terms if _content(t)]
    if own and not all(t.lower() in text.lower() for t in own):
        return None
    return text


def _plain(text: str) -> str:
    return re.sub(r"[^\w]", "", text).lower()
