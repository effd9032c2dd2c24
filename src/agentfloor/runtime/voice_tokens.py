"""Issuing and redeeming the one-use tokens that let a carrier's media stream in.

The webhook that answers a call (`POST /v1/voice/twiml`) is authenticated by an API key; the
media stream it points the carrier at cannot be (Twilio's `<Stream>` URL takes no query string),
so the webhook hands the carrier a token as a custom parameter and the stream presents it in its
`start` message. Tokens are stored hashed in the database (`agentfloor.voice.stream_tokens`),
so behind several API nodes the stream may reach another node than the webhook did, and exactly
one redeems each token.
"""

from __future__ import annotations

import secrets
from typing import Final

from agentfloor.runtime.context import ServiceContext
from agentfloor.voice.stream_tokens import StreamToken, token_hash

__all__ = ["STREAM_TOKEN_TTL_S", "StreamTokens"]

STREAM_TOKEN_TTL_S: Final = 60.0  # from answering the webhook to the stream's `start`


class StreamTokens:
    """Stream tokens of every tenant, kept in the shared store."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def issue(self, tenant_id: str, call_sid: str) -> str:
        """Return a new one-use token for `call_sid`, valid for `STREAM_TOKEN_TTL_S`."""
        now = self.ctx.clock.now()
        token = secrets.token_urlsafe(24)
        with self.ctx.uow(None) as uow:
            uow.stream_tokens.purge(now)
            uow.stream_tokens.add(
                StreamToken(token_hash(token), tenant_id, call_sid, now + STREAM_TOKEN_TTL_S)
            )
            uow.commit()
        return token

    def redeem(self, token: str, call_sid: str) -> str | None:
        """Return the tenant id of a valid token for `call_sid`, else None; the token is used up.

        A token presented for another call, or after it expired, is used up all the same: a
        stream that shows a wrong call id with a stolen token gets nothing to retry with.
        """
        if not token:
            return None
        with self.ctx.uow(None) as uow:
            found = uow.stream_tokens.take(token_hash(token))
            uow.commit()
        if found is None or found.call_sid != call_sid:
            return None
        if found.expires_at < self.ctx.clock.now():
            return None
        return found.tenant_id
