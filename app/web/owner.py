"""Who may write to a conversation: each client holds a secret owner key, and the
conversations it starts are its own. Reading needs only a conversation's id (its link);
adding questions or feedback needs the key it was started with.

A browser keeps its key in an HttpOnly cookie, set on its first API request; a client
without cookies reads the key from the `X-Owner-Key` response header and sends it back in
that header. A pure ASGI middleware, so a streamed answer carries the cookie too.
"""

from __future__ import annotations

import re
import secrets

from starlette.requests import cookie_parser

OWNER_COOKIE = "xuhui_owner"
OWNER_HEADER = "x-owner-key"
COOKIE_AGE_S = 365 * 24 * 3600
_KEY = re.compile(r"[A-Za-z0-9_-]{16,128}")
_PATHS = ("/api/", "/v1/")


def owner_of(headers: dict[str, str]) -> str | None:
    """The owner key a request carries (header first, then cookie), if it is well formed."""
    key = headers.get(OWNER_HEADER) or cookie_parser(headers.get("cookie", "")).get(OWNER_COOKIE)
    return key if key and _KEY.fullmatch(key) else None


class OwnerKey:
    """Gives every API request an owner key (`scope["state"]["owner"]`): the client's own,
    or a new one sent back as the cookie and the header."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(_PATHS):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = owner_of(headers)
        scope.setdefault("state", {})["owner"] = key or secrets.token_urlsafe(24)
        if key is not None:
            return await self.app(scope, receive, send)
        issued = scope["state"]["owner"]
        cookie = f"{OWNER_COOKIE}={issued}; Path=/; Max-Age={COOKIE_AGE_S}; HttpOnly; SameSite=Lax"

        async def send_key(message):
            if message["type"] == "http.response.start":
                extra = [(b"set-cookie", cookie.encode()), (OWNER_HEADER.encode(), issued.encode())]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_key)
