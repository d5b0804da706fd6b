"""An answer or a whole conversation as Markdown, with its citations quoted.

Everything in it came from a user or a document, so HTML in it is escaped and its
Markdown links are broken: a Markdown viewer that renders HTML then shows `<script>` as
text and never runs it, and `[x](javascript:…)` is not a link."""

from __future__ import annotations

import html
import re
import time

from app.converse.store import Conversation, Turn

# Markdown link syntax in text a user or a document wrote: an inline link's "](" and a
# reference definition's "[x]:" at a line's start ("[x](javascript:…)" would be a link).
_LINK = re.compile(r"\](?=\()|^(\s*)\[([^\]\n]*)\](?=:)", re.M)


def _text(value: object) -> str:
    """Text with its HTML escaped (`<`, `>` and `&`) and its Markdown links broken, so a
    viewer shows them as text: a `javascript:` link in a question is never one to click."""
    escaped = html.escape(str(value or ""), quote=False)
    return _LINK.sub(
        lambda m: "\\]" if m.group(1) is None else f"{m.group(1)}\\[{m.group(2)}\\]", escaped
    )


def _line(value: object) -> str:
    """As `_text`, on one line: a line break in a question cannot start a heading."""
    return " ".join(_text(value).split())


def turn_markdown(turn: Turn, *, heading: str = "##") -> str:
    """One question and its answer, the citations as numbered quotes with their source."""
    lines = [f"{heading} {_line(turn.question)}", ""]
    if turn.resolved != turn.question:
        lines += [f"*理解为 / Read as:* {_line(turn.resolved)}", ""]
    if turn.outcome == "error":
        lines += [f"*No answer: {_line(turn.error)}*", ""]
    else:
        lines += [_text(turn.answer), ""]
    for c in turn.citations:
        where = " · ".join(str(x) for x in (c.get("title"), c.get("section"), c.get("label")) if x)
        quote = c.get("quote") or c.get("text") or ""
        lines.append(f"[{c.get('n')}] {_line(where)}  ")
        lines.append(f"> {_line(quote)}")
        lines.append("")
    if turn.rating:
        comment = f" — {_line(turn.comment)}" if turn.comment else ""
        lines += [f"*Feedback: {'👍' if turn.rating == 'up' else '👎'}{comment}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(conversation: Conversation) -> str:
    """All turns of a conversation, oldest first."""
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(conversation.created))
    title = f"# 徐汇区政府工作报告问答 · Conversation {_line(conversation.conversation_id)}"
    parts = [title, "", f"Started {started}", ""]
    for turn in conversation.turns:
        parts.append(turn_markdown(turn))
    return "\n".join(parts)
