"""What is refused before a request body is read: an admin call without its token, and a
body over its limit (by its Content-Length, or counted as it arrives).

A pure ASGI middleware, so that a 300 MB body is never read to answer 401 or 413.
"""

from __future__ import annotations

import json

from app.settings import Settings
from app.web.deps import admin_problem

MULTIPART_SLACK = 64 * 1024  # form boundaries and headers around an upload's bytes


class _TooLarge(Exception):
    pass


class RequestGuard:
    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def limit(self, path: str) -> int:
        if path == "/api/admin/documents":
            return int(self.settings.max_upload_mb * 1_000_000) + MULTIPART_SLACK
        return self.settings.max_body_kb * 1024

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path = scope["path"]
        if path.startswith("/api/admin/"):
            problem = admin_problem(
                self.settings, headers.get("authorization"), headers.get("x-admin-token")
            )
            if problem:
                return await _respond(send, *problem)
        limit = self.limit(path)
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            return await _respond(send, 413, f"the request body is larger than {limit} bytes")
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await _respond(send, 413, f"the request body is larger than {limit} bytes")


async def _respond(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
