"""Deterministic fakes for the model seams."""

from __future__ import annotations

import hashlib

import numpy as np


class HashEmbedder:
    """A unit vector per text, seeded from SHA-256 of the text (never Python's salted hash)."""

    model_id = "fake-hash"

    def __init__(self, dim: int = 32) -> None:
        self._dim = dim
        self.calls: list[int] = []
        self.texts: list[str] = []

    @property
    def dim(self) -> int:
        return self._dim

    def embed_batch(self, texts: list[str], *, kind: str) -> np.ndarray:
        self.calls.append(len(texts))
        self.texts.extend(texts)
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            vector = np.random.default_rng(seed).standard_normal(self._dim).astype(np.float32)
            rows.append(vector / np.linalg.norm(vector))
        return np.stack(rows) if rows else np.zeros((0, self._dim), dtype=np.float32)

    @property
    def embedded(self) -> int:
        return sum(self.calls)


class ScriptedLLM:
    """A fake chat model that replies with a queue of scripted answers, in order.

    A reply opening with "[n]" is that choice; asked for a lead, the fake reports the
    scripted option probabilities (by default 0.9 on its choice, the rest shared).
    """

    model_id = "fake-scripted"

    def __init__(self, *replies: str) -> None:
        self.replies: list[tuple[str, dict[int, float] | None]] = [(r, None) for r in replies]
        self.prompts: list[list[dict]] = []

    def enqueue(self, reply: str, probs: dict[int, float] | None = None) -> None:
        self.replies.append((reply, probs))

    def complete(self, messages, *, stream=False, max_tokens=160, lead=None, grammar=None):
        self.prompts.append(messages)
        reply, probs = self.replies.pop(0) if self.replies else ("[0] 报告中未提及。", None)
        if lead is not None:
            lead.record(_logprobs(reply, probs, lead.options))
        if not stream:
            yield reply
            return
        for i in range(0, len(reply), 4):
            yield reply[i : i + 4]


def _logprobs(reply: str, probs: dict[int, float] | None, options: list[str]) -> dict:
    import math
    import re

    if probs is None:
        match = re.match(r"\[(\d)\]", reply)
        choice = int(match.group(1)) if match else 0
        rest = 0.1 / max(len(options) - 1, 1)
        probs = {int(o): (0.9 if int(o) == choice else rest) for o in options}
    return {str(k): math.log(v) for k, v in probs.items() if v > 0}


def candidate_number(messages: list[dict], containing: str) -> int:
    """The number of the candidate line of the last user turn that contains `containing`."""
    import re

    for line in messages[-1]["content"].splitlines():
        match = re.match(r"\[(\d)\]", line)
        if match and containing in line:
            return int(match.group(1))
    return 0


class ChoosingLLM(ScriptedLLM):
    """A scripted model whose replies name a candidate by its content: each reply is
    (text the chosen sentence contains, answer text, confidence)."""

    def __init__(self, *replies: tuple[str, str, float]) -> None:
        super().__init__()
        self.choices = list(replies)

    def complete(self, messages, *, stream=False, max_tokens=160, lead=None, grammar=None):
        if lead is None or not self.choices:  # a translation, or the script has ended
            yield from super().complete(messages, stream=stream, max_tokens=max_tokens, lead=lead)
            return
        containing, answer, confidence = self.choices.pop(0)
        n = candidate_number(messages, containing)
        options = lead.options if lead else [str(n)]
        rest = (1 - confidence) / max(len(options) - 1, 1)
        probs = {int(o): confidence if int(o) == n else rest for o in options}
        self.replies.insert(0, (f"[{n}] {answer}", probs))  # before any reply queued for later
        yield from super().complete(messages, stream=stream, max_tokens=max_tokens, lead=lead)
