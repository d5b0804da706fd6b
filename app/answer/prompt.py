"""Prompts are files: `prompts/*.j2` rendered by name (a missing variable raises), and
the worked examples in `prompts/examples.json` as data."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from app.domain import Query
from app.errors import PromptError


@lru_cache(maxsize=8)
def _environment(prompts_dir: Path):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(str(prompts_dir)),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


def render(prompts_dir: Path, name: str, **variables: object) -> str:
    """Render prompts/<name>.j2; every variable the template uses must be given."""
    from jinja2 import TemplateNotFound, UndefinedError

    try:
        return _environment(prompts_dir).get_template(f"{name}.j2").render(**variables).strip()
    except TemplateNotFound as exc:
        raise PromptError(f"prompt template {name}.j2 not found in {prompts_dir}") from exc
    except UndefinedError as exc:
        raise PromptError(f"prompt {name}.j2: {exc.message}") from exc


def load_examples(prompts_dir: Path) -> list[dict]:
    """The worked examples shown to the model before every question."""
    path = prompts_dir / "examples.json"
    if not path.is_file():
        return []
    return json.loads(path.read_text(encoding="utf-8"))


def _prefix(prompts_dir: Path, examples: list[dict]) -> list[dict]:
    """The system turn and the worked examples: the same for every call, so cached."""
    messages = [{"role": "system", "content": render(prompts_dir, "system")}]
    for example in examples:
        user = render(
            prompts_dir,
            "user",
            candidates=example["candidates"],
            question=example["question"],
            year_hint=example.get("year_hint", ""),
        )
        messages.append({"role": "user", "content": user})
        messages.append({"role": "assistant", "content": example["answer"]})
    return messages


def build_messages(
    prompts_dir: Path, examples: list[dict], *, question: str, candidates: list[str], year_hint: str
) -> list[dict]:
    """The cached prefix, then the question with its numbered candidate sentences."""
    user = render(
        prompts_dir, "user", candidates=candidates, question=question, year_hint=year_hint
    )
    return _prefix(prompts_dir, examples) + [{"role": "user", "content": user}]


def build_translation(
    prompts_dir: Path,
    examples: list[dict],
    *,
    question: str,
    terms: list[tuple[str, str]] | None = None,
) -> list[dict]:
    """The cached prefix, then a request to put an English question into Chinese, with the
    glossary's entries for its terms: it shares the prefix with the answer call that
    follows, so only its own few tokens cost."""
    user = render(prompts_dir, "translate", question=question, terms=terms or [])
    return _prefix(prompts_dir, examples) + [{"role": "user", "content": user}]


def build_rewrite(
    prompts_dir: Path, examples: list[dict], *, previous: str, question: str
) -> list[dict]:
    """The cached prefix, then a request to write a follow-up as a standalone question
    (like the translation, it reuses the prefix the answer call needs next)."""
    user = render(prompts_dir, "rewrite", previous=previous, question=question)
    return _prefix(prompts_dir, examples) + [{"role": "user", "content": user}]


def build_english_answer(
    prompts_dir: Path, examples: list[dict], *, question: str, answer: str
) -> list[dict]:
    """The cached prefix, then a request to put a grounded Chinese answer into English
    for the English question it answers."""
    user = render(prompts_dir, "answer_en", question=question, answer=answer)
    return _prefix(prompts_dir, examples) + [{"role": "user", "content": user}]


def year_hint(query: Query) -> str:
    """The line that tells the model which year (and review or plan) the question is about
    (read from the question as asked, an English one too)."""
    if query.report_year and set(query.years) <= {query.report_year}:
        report = query.report_year
        return (
            f"问题问的是{report}年政府工作报告，即{report}年的目标任务或该报告回顾的{report - 1}年"
        )
    kind = "的目标任务" if query.wants_plan else "实际完成的情况（不是目标）"
    if query.span:
        # One period, named as the candidates' labels name it (涉及2021-2025年), not its
        # years one by one: the answer is a figure of the whole span, not of one year.
        first, last = query.span
        if query.years or query.report_year:
            return f"问题问的是{first}-{last}年这一整个时期{kind}，不是其中某一年"
        return f"问题问的是一个{last - first + 1}年时期整体{kind}，不是其中某一年"
    if query.years:
        listed = "、".join(f"{y}年" for y in query.years)
        return f"问题问的是{listed}{kind}"
    return ""
