"""An answer or a whole conversation as Markdown, with its citations quoted."""

from __future__ import annotations

import time

from app.converse.store import Conversation, Turn


def turn_markdown(turn: Turn, *, heading: str = "##") -> str:
    """One question and its answer, the citations as numbered quotes with their source."""
    lines = [f"{heading} {turn.question}", ""]
    if turn.resolved != turn.question:
        lines += [f"*理解为 / Read as:* {turn.resolved}", ""]
    if turn.outcome == "error":
        lines += [f"*No answer: {turn.error}*", ""]
    else:
        lines += [turn.answer, ""]
    for c in turn.citations:
        where = " · ".join(str(x) for x in (c.get("title"), c.get("section"), c.get("label")) if x)
        quote = (c.get("quote") or c.get("text") or "").replace("\n", " ")
        lines.append(f"[{c.get('n')}] {where}  ")
        lines.append(f"> {quote}")
        lines.append("")
    if turn.rating:
        comment = f" — {turn.comment}" if turn.comment else ""
        lines += [f"*Feedback: {'👍' if turn.rating == 'up' else '👎'}{comment}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def conversation_markdown(conversation: Conversation) -> str:
    """All turns of a conversation, oldest first."""
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(conversation.created))
    parts = [f"# 徐汇区政府工作报告问答 · Conversation {conversation.conversation_id}", ""]
    parts += [f"Started {started}", ""]
    for turn in conversation.turns:
        parts.append(turn_markdown(turn))
    return "\n".join(parts)
