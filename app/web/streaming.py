"""An answer's events under the model gate and the time limit, and as Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterator

from fastapi import Request
from fastapi.responses import StreamingResponse

from app.errors import BusyError, XuhuiQAError
from app.web.deps import AppState, AskRequest, Timeout, get_owner

log = logging.getLogger(__name__)


def answer_events(
    state: AppState,
    request: AskRequest,
    cancel: threading.Event,
    *,
    channel: str = "api",
    history: list[str] | None = None,
    turn_id: str | None = None,
    owner: str | None = None,
) -> Iterator[tuple[str, object]]:
    """Run the conversation turn under the gate and the time limit; yield its events:
    ("resolved", Resolution), ("token", text)…, ("answer", Answer). `turn_id`: the id to
    store the turn under, when the caller has given it out already; `owner`: the asker's key
    (who owns a new conversation, and must own the one asked in)."""
    service = state.require_service()
    uses_model = state.uses_model(request.mode)
    limit = state.settings.generation_timeout_s

    def events():
        # The limit is on the answer's own work: it starts once the request has the model,
        # not while it waits in line (the queue is bounded by max_queue instead).
        deadline = time.monotonic() + limit
        if cancel.is_set():
            return  # the client left while it waited in line: no generation for nobody
        stream = service.converse_stream(
            request.question,
            conversation_id=request.conversation_id,
            history=history,
            channel=channel,
            options=request.options,
            turn_id=turn_id,
            owner=owner,
        )
        try:
            for event in stream:
                if cancel.is_set():
                    return
                if time.monotonic() > deadline:
                    raise Timeout(f"the answer took longer than {limit:.0f} s")
                yield event
        finally:
            stream.close()  # stops the model's generation when the client is gone

    if not uses_model:
        yield from events()
        return
    ticket = state.gate.admit()  # raises BusyError when the queue is full
    with ticket:
        yield from events()


def sse_answer(state: AppState, request: Request, body: AskRequest) -> StreamingResponse:
    """The answer as Server-Sent Events: `token` pieces, then `answer` (or `busy`/`error`).

    The answer runs in a worker thread; a client that goes away cancels it.
    """
    if state.uses_model(body.mode) and state.gate.full():
        raise BusyError(state.gate.retry_after)
    queue: asyncio.Queue = asyncio.Queue()
    loop = asyncio.get_running_loop()
    cancel = threading.Event()

    def worker() -> None:
        def put(kind: str, data: object) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, (kind, data))

        try:
            owner = get_owner(request)
            for kind, payload in answer_events(state, body, cancel, channel="web", owner=owner):
                put(kind, payload.to_dict() if kind in ("answer", "resolved") else payload)
        except BusyError as exc:
            put("busy", {"detail": str(exc), "retry_after": exc.retry_after})
        except XuhuiQAError as exc:
            put("error", {"detail": str(exc)})
        except Exception as exc:  # reported to the client, never a silent hang
            log.exception("answer failed")
            put("error", {"detail": f"internal error: {type(exc).__name__}"})
        finally:
            put("end", None)

    threading.Thread(target=worker, daemon=True).start()

    async def events():
        try:
            while True:
                try:
                    kind, data = await asyncio.wait_for(queue.get(), timeout=1.0)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield ": keep-alive\n\n"
                    continue
                if kind == "end":
                    return
                yield f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
        finally:
            cancel.set()

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )
