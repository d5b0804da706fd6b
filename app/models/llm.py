"""Generate stage: the LLM protocol and its two real backends.

- `LlamaCppLLM`: a GGUF model embedded through llama-cpp-python (the default). It keeps
  the KV cache of the previous prompt, so a fixed prefix (system turn and worked
  examples) is evaluated once and reused by every later question.
- `OpenAICompatibleLLM`: any OpenAI-compatible chat endpoint (llama.cpp's server, vLLM),
  for deployments that put the model on a serving engine.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

from app.errors import ModelMissingError, XuhuiQAError

Message = dict[str, str]


class LLMError(XuhuiQAError):
    """The model failed or could not be reached."""


@runtime_checkable
class LLM(Protocol):
    """A chat model. `complete` yields the reply's text pieces as they are generated.

    With stream=False the whole reply comes as one piece. Generation is greedy
    (temperature 0) unless the backend is configured otherwise; `max_tokens` bounds it.
    """

    model_id: str

    def complete(
        self, messages: list[Message], *, stream: bool = False, max_tokens: int = 160
    ) -> Iterator[str]: ...


def complete_text(llm: LLM, messages: list[Message], *, max_tokens: int = 160) -> str:
    """The whole reply as one string, built on `complete`."""
    return "".join(llm.complete(messages, stream=False, max_tokens=max_tokens))


class LlamaCppLLM:
    """A local GGUF model through llama-cpp-python; loaded lazily, one generation at a time."""

    def __init__(self, model_path: Path, *, n_ctx: int = 2048, n_threads: int = 2) -> None:
        self.model_path = Path(model_path)
        self.model_id = self.model_path.stem
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self._llama = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Load the model (once); llama_cpp is imported only here."""
        if self._llama is not None:
            return
        if not self.model_path.is_file():
            raise ModelMissingError(
                f"LLM file {self.model_path} is missing; run `xuhui-qa models --assemble`"
            )
        from llama_cpp import Llama

        self._llama = Llama(
            model_path=str(self.model_path),
            n_ctx=self.n_ctx,
            n_threads=self.n_threads,
            n_threads_batch=self.n_threads,
            n_batch=512,
            flash_attn=True,
            verbose=False,
        )

    def complete(
        self, messages: list[Message], *, stream: bool = False, max_tokens: int = 160
    ) -> Iterator[str]:
        with self._lock:
            self.warm_up()
            try:
                result = self._llama.create_chat_completion(
                    messages=messages, temperature=0.0, max_tokens=max_tokens, stream=stream
                )
                if not stream:
                    yield result["choices"][0]["message"]["content"] or ""
                    return
                for part in result:
                    piece = part["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except ValueError as exc:  # llama-cpp raises ValueError when the prompt is too long
                raise LLMError(f"the local model failed: {exc}") from exc


class OpenAICompatibleLLM:
    """A chat model behind an OpenAI-compatible HTTP endpoint (POST {base_url}/chat/completions)."""

    def __init__(
        self, base_url: str, model: str, *, api_key: str | None = None, timeout: float = 120.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.model_id = f"openai:{model}"
        self.api_key = api_key
        self.timeout = timeout

    def _request(
        self, messages: list[Message], stream: bool, max_tokens: int
    ) -> urllib.request.Request:
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": 0.0,
            "max_tokens": max_tokens,
            "stream": stream,
        }
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return urllib.request.Request(
            f"{self.base_url}/chat/completions",
            data=json.dumps(body).encode(),
            headers=headers,
            method="POST",
        )

    def complete(
        self, messages: list[Message], *, stream: bool = False, max_tokens: int = 160
    ) -> Iterator[str]:
        request = self._request(messages, stream, max_tokens)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                if not stream:
                    payload = json.loads(response.read())
                    yield payload["choices"][0]["message"]["content"] or ""
                    return
                for raw in response:
                    line = raw.decode("utf-8").strip()
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    piece = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    if piece:
                        yield piece
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise LLMError(f"the model server at {self.base_url} failed: {exc}") from exc
        except (KeyError, IndexError, json.JSONDecodeError) as exc:
            raise LLMError(
                f"the model server at {self.base_url} sent an unexpected reply: {exc}"
            ) from exc
