"""Generate stage: the LLM protocol and its two real backends.

- `LlamaCppLLM`: a GGUF model embedded through llama-cpp-python (the default). It keeps
  the KV cache of the previous prompt, so a fixed prefix (system turn and worked
  examples) is evaluated once and reused by every later question.
- `OpenAICompatibleLLM`: any OpenAI-compatible chat endpoint (llama.cpp's server, vLLM),
  through the `openai` client, for deployments that put the model on a serving engine.

A reply may be asked to open with a bracketed choice (`Lead`): "[2] …". The backend
constrains the reply to that shape (a llama.cpp grammar) and reports the probability
of each option at that point, read from the model's own token log-probabilities.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from app.errors import LLMError, ModelMissingError

Message = dict[str, str]
STATE_MAGIC = b"XQA-KV1\n"  # opens a saved prompt-prefix state file
log = logging.getLogger(__name__)


@dataclass
class Lead:
    """The reply must open with one of `options` in brackets ("[2] …").

    After the reply, `probs` holds each option's probability at that point, renormalised
    over the options (empty when the backend could not read log-probabilities), and
    `mass` the share of the model's whole distribution the options had.
    """

    options: list[str]
    probs: dict[str, float] = field(default_factory=dict)
    mass: float | None = None

    def grammar(self) -> str:
        """The GBNF grammar of the reply: a bracketed option, then one line of text."""
        choices = " | ".join(f'"{o}"' for o in self.options)
        return f'root ::= "[" ( {choices} ) "]" [^\\n]*'

    def record(self, logprobs: dict[str, float]) -> None:
        """Keep the options' probabilities from a token's log-probabilities."""
        found = {o: math.exp(logprobs[o]) for o in self.options if o in logprobs}
        total = sum(found.values())
        if total > 0:
            self.probs = {o: found.get(o, 0.0) / total for o in self.options}
            self.mass = total


@runtime_checkable
class LLM(Protocol):
    """A chat model. `complete` yields the reply's text pieces as they are generated.

    With stream=False the whole reply comes as one piece. Generation is greedy
    (temperature 0); `max_tokens` bounds it. With a `lead`, the reply opens with one of
    its options in brackets and the backend fills `lead.probs`; `grammar` (GBNF)
    constrains a reply without a lead.
    """

    model_id: str

    def complete(
        self,
        messages: list[Message],
        *,
        stream: bool = False,
        max_tokens: int = 160,
        lead: Lead | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]: ...


def complete_text(
    llm: LLM,
    messages: list[Message],
    *,
    max_tokens: int = 160,
    lead: Lead | None = None,
    grammar: str | None = None,
) -> str:
    """The whole reply as one string, built on `complete`."""
    pieces = llm.complete(messages, stream=False, max_tokens=max_tokens, lead=lead, grammar=grammar)
    return "".join(pieces)


class _LeadRecorder:
    """A llama.cpp logits processor that reads the options' probabilities right after
    the opening "[" of the reply; it never changes the logits."""

    def __init__(self, lead: Lead, open_id: int, option_ids: dict[str, int]) -> None:
        self.lead = lead
        self.open_id = open_id
        self.option_ids = option_ids
        self.prompt_len: int | None = None

    def __call__(self, input_ids, scores):
        import numpy as np

        if self.prompt_len is None:
            self.prompt_len = len(input_ids)
        elif (
            self.lead.mass is None
            and len(input_ids) > self.prompt_len
            and input_ids[-1] == self.open_id
        ):
            shifted = scores - np.max(scores)
            log_total = math.log(float(np.exp(shifted).sum()))
            self.lead.record({o: float(shifted[i]) - log_total for o, i in self.option_ids.items()})
        return scores


class LlamaCppLLM:
    """A local GGUF model through llama-cpp-python; loaded lazily, one generation at a time."""

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int = 2048,
        n_threads: int = 2,
        state_dir: Path | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.model_id = self.model_path.stem
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        # Where the evaluated prompt prefix is kept between runs (None: not kept).
        self.state_dir = Path(state_dir) if state_dir else None
        self._llama = None
        self._grammars: dict[str, object] = {}
        self._lock = threading.Lock()
        # One record per call, for benchmarks: prompt tokens (and how many of them the
        # KV cache already held), generated tokens, time to the first token and after it.
        self.calls: list[dict] = []

    def problem(self) -> str | None:
        """Why this model cannot answer now (its file is missing or empty), or None."""
        if not self.model_path.is_file() or self.model_path.stat().st_size == 0:
            return f"LLM file {self.model_path} is missing; run `xuhui-qa models --assemble`"
        return None

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

    def prime(self, messages: list[Message]) -> None:
        """Load the model and evaluate `messages` into the KV cache (one token generated), so
        that the next prompt sharing their prefix pays only for what follows it.

        With a `state_dir`, the evaluated cache is saved there and loaded by the next
        process instead of evaluated again (a file per model, context size and prompt:
        any change makes a new one, and a file that fails to load is evaluated anew)."""
        path = self._state_path(messages)
        with self._lock:
            self.warm_up()
            if path is not None and self._load_state(path):
                return
        for _ in self.complete(messages, max_tokens=1):
            pass
        if path is not None:
            with self._lock:
                self._save_state(path)

    def _state_path(self, messages: list[Message]) -> Path | None:
        if self.state_dir is None or not self.model_path.is_file():
            return None
        import llama_cpp

        stat = self.model_path.stat()
        identity = json.dumps(
            [
                self.model_path.name,
                stat.st_size,
                stat.st_mtime_ns,
                self.n_ctx,
                llama_cpp.__version__,
                messages,
            ],
            ensure_ascii=False,
        )
        key = hashlib.sha256(identity.encode()).hexdigest()[:16]
        return self.state_dir / f"prefix-{self.model_id}-{key}.state"

    def _save_state(self, path: Path) -> None:
        """The KV cache and its tokens, written whole or not at all (older files removed)."""
        import numpy as np

        state = self._llama.save_state()
        tokens = np.asarray(state.input_ids[: state.n_tokens], dtype=np.int32)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        try:
            with partial.open("wb") as out:
                out.write(STATE_MAGIC + len(tokens).to_bytes(4, "little"))
                out.write(tokens.tobytes())
                out.write(state.llama_state)
            os.replace(partial, path)
        except OSError as exc:  # a full or read-only disk costs only the next start's time
            log.warning("could not keep the evaluated prompt prefix in %s: %s", path, exc)
            partial.unlink(missing_ok=True)
            return
        for old in path.parent.glob(f"prefix-{self.model_id}-*.state"):
            if old != path:
                old.unlink(missing_ok=True)

    def _load_state(self, path: Path) -> bool:
        """Restore a saved prefix into the model; False (and the file removed) if it fails."""
        import ctypes

        import llama_cpp
        import numpy as np

        if not path.is_file():
            return False
        try:
            data = path.read_bytes()
            if not data.startswith(STATE_MAGIC):
                raise ValueError("not a prefix state file")
            start = len(STATE_MAGIC) + 4
            n = int.from_bytes(data[len(STATE_MAGIC) : start], "little")
            tokens = np.frombuffer(data[start : start + 4 * n], dtype=np.int32)
            blob = data[start + 4 * n :]
            if len(tokens) != n or not 0 < n <= self.n_ctx or not blob:
                raise ValueError("truncated")
            buffer = (ctypes.c_uint8 * len(blob)).from_buffer_copy(blob)
            ctx = self._llama._ctx.ctx
            if llama_cpp.llama_state_set_data(ctx, buffer, len(blob)) != len(blob):
                raise ValueError("llama.cpp refused the state")
        except (OSError, ValueError) as exc:
            log.warning("evaluating the prompt prefix anew (%s: %s)", path.name, exc)
            path.unlink(missing_ok=True)
            self._llama.reset()
            return False
        self._llama.input_ids[:n] = tokens
        self._llama.n_tokens = n
        self._llama._requires_eval = True  # as llama-cpp-python's own load_state leaves it
        return True

    def _single_token(self, text: str) -> int:
        ids = self._llama.tokenize(text.encode(), add_bos=False, special=False)
        if len(ids) != 1:
            raise LLMError(f"the model does not spell {text!r} as one token")
        return ids[0]

    def _grammar(self, source: str):
        from llama_cpp import LlamaGrammar

        if source not in self._grammars:
            self._grammars[source] = LlamaGrammar.from_string(source, verbose=False)
        return self._grammars[source]

    def _arguments(self, lead: Lead | None, grammar: str | None) -> dict:
        """The grammar, and for a lead the recorder that reads its "[option]"."""
        from llama_cpp import LogitsProcessorList

        if lead is None:
            return {"grammar": self._grammar(grammar)} if grammar else {}
        option_ids = {o: self._single_token(o) for o in lead.options}
        recorder = _LeadRecorder(lead, self._single_token("["), option_ids)
        return {
            "grammar": self._grammar(lead.grammar()),
            "logits_processor": LogitsProcessorList([recorder]),
        }

    def complete(
        self,
        messages: list[Message],
        *,
        stream: bool = False,
        max_tokens: int = 160,
        lead: Lead | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        with self._lock:
            self.warm_up()
            extra = self._arguments(lead, grammar)
            before = list(self._llama.input_ids[: self._llama.n_tokens])
            started = time.perf_counter()
            first = None
            pieces = 0
            try:
                result = self._llama.create_chat_completion(
                    messages=messages,
                    temperature=0.0,
                    max_tokens=max_tokens,
                    stream=True,
                    **extra,
                )
                text = []
                for part in result:
                    piece = part["choices"][0]["delta"].get("content")
                    if piece:
                        first = first or time.perf_counter()
                        pieces += 1
                        if stream:
                            yield piece
                        else:
                            text.append(piece)
                if not stream:
                    yield "".join(text)
            except ValueError as exc:  # llama-cpp raises ValueError when the prompt is too long
                raise LLMError(f"the local model failed: {exc}") from exc
            finally:
                self._record(before, started, first, pieces)

    def _record(self, before: list[int], started: float, first: float | None, pieces: int) -> None:
        """What this call cost: its prompt, the part the KV cache held, its generation."""
        ended = time.perf_counter()
        after = self._llama.input_ids[: self._llama.n_tokens]
        cached = 0
        for old, new in zip(before, after, strict=False):
            if old != new:
                break
            cached += 1
        prompt = max(len(after) - pieces, 0)
        self.calls.append(
            {
                "prompt_tokens": prompt,
                "cached_tokens": min(cached, prompt),
                "generated_tokens": pieces,
                "first_token_s": round((first or ended) - started, 4),
                "generate_s": round(ended - (first or ended), 4),
            }
        )
        del self.calls[:-200]  # bounded: only the recent calls are kept


class OpenAICompatibleLLM:
    """A chat model behind an OpenAI-compatible endpoint (llama.cpp server, vLLM).

    A lead asks for token log-probabilities (`logprobs`, `top_logprobs`) and, when
    `grammar` is on, sends the reply's grammar as llama.cpp's server accepts it; a server
    that ignores it still gets the format from the prompt's worked examples.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        grammar: bool = True,
    ) -> None:
        from openai import OpenAI

        self.base_url = base_url.rstrip("/")
        self.model = model
        self.model_id = f"openai:{model}"
        self.grammar = grammar
        self._client = OpenAI(
            base_url=self.base_url, api_key=api_key or "none", timeout=timeout, max_retries=0
        )

    def _arguments(self, lead: Lead | None, grammar: str | None) -> dict:
        arguments: dict = {"logprobs": True, "top_logprobs": 20} if lead else {}
        source = lead.grammar() if lead else grammar
        if self.grammar and source:
            arguments["extra_body"] = {"grammar": source}
        return arguments

    def complete(
        self,
        messages: list[Message],
        *,
        stream: bool = False,
        max_tokens: int = 160,
        lead: Lead | None = None,
        grammar: str | None = None,
    ) -> Iterator[str]:
        import openai

        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=messages,
                temperature=0.0,
                max_tokens=max_tokens,
                stream=True,
                **self._arguments(lead, grammar),
            )
            # Closed however the reading ends: a client that leaves (the generator closed
            # at a yield) must stop the server generating, not only free the slot here.
            with response:
                yield from _pieces(response, lead, stream)
        except openai.APIConnectionError as exc:
            raise LLMError(f"the model server at {self.base_url} failed: {exc}") from exc
        except openai.OpenAIError as exc:
            raise LLMError(f"the model server at {self.base_url} sent an error: {exc}") from exc


def _pieces(response, lead: Lead | None, stream: bool) -> Iterator[str]:
    """The reply's text pieces as they stream (or all at once), the lead read on the way."""
    text, pieces = "", []
    for chunk in response:
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        if lead is not None and lead.mass is None and choice.logprobs:
            text = _read_lead(lead, text, choice.logprobs.content or [])
        piece = choice.delta.content if choice.delta else None
        if not piece:
            continue
        if stream:
            yield piece
        else:
            pieces.append(piece)
    if not stream:
        yield "".join(pieces)


def _read_lead(lead: Lead, text: str, tokens) -> str:
    """Record the options' probabilities at the token after the reply's opening "["."""
    for token in tokens:
        if text.strip() == "[":
            lead.record({alt.token.strip(): alt.logprob for alt in token.top_logprobs or []})
            if lead.mass is not None:
                return text + token.token
        text += token.token
    return text
