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
    """A fake chat model that replies with a queue of scripted answers, in order."""

    model_id = "fake-scripted"

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.prompts: list[list[dict]] = []

    def enqueue(self, reply: str) -> None:
        self.replies.append(reply)

    def complete(self, messages, *, stream=False, max_tokens=160):
        self.prompts.append(messages)
        reply = self.replies.pop(0) if self.replies else "报告中未提及。"
        if not stream:
            yield reply
            return
        for i in range(0, len(reply), 4):
            yield reply[i : i + 4]
