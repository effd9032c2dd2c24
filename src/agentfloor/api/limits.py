"""Body-size limits answered as RFC 9457 problems.

Starlette's `RequestBodyLimitMiddleware` enforces `max_body_size` (app-wide and per route) but
answers a bare `text/plain` 413, overriding any handler. `ProblemFor413` sits outside the whole
middleware stack and rewrites that one response into `application/problem+json` with a message
that says what the limit is and how to change it.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ProblemFor413"]


class ProblemFor413:
    """ASGI wrapper turning the body limiter's plain-text 413 into a problem response."""

    def __init__(self, app: ASGIApp, *, default_limit: int) -> None:
        self.app = app
        self.default_limit = default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything through except a plain-text 413, which is replaced."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_wrapper(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 413:
                headers = dict(message.get("headers", []))
                if headers.get(b"content-type", b"").startswith(b"text/plain"):
                    replaced = True
                    await self._send_problem(scope, send)
                    return
            if replaced:
                return  # swallow the original body
            await send(message)

        await self.app(scope, receive, send_wrapper)

    async def _send_problem(self, scope: Scope, send: Send) -> None:
        limit = int(scope.get("starlette.max_body_size", self.default_limit))
        body = json.dumps(
            {
                "type": "https://agentfloor.dev/problems/payload-too-large",
                "title": "Payload too large",
                "status": 413,
                "detail": f"the request body is larger than the {limit} bytes this endpoint "
                "accepts; send less data (split it up), or raise AGENTFLOOR_MAX_BODY_BYTES",
                "max_body_bytes": limit,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
