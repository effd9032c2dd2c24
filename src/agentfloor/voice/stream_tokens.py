"""One-use tokens that let a carrier's media stream in, and where they are kept.

The TwiML webhook is authenticated by an API key; the media stream it points the carrier at
cannot be (Twilio's `<Stream>` URL takes no query string and no headers), so the webhook hands
the carrier a token as a custom parameter and the stream presents it in its `start` message.
Only the SHA-256 of a token is stored, with its tenant, the call it was issued for and when it
expires. Tokens are kept by the shared store (the database), not in a process: behind several
API nodes the webhook and the stream may reach different ones, and `take` (a delete that
returns the row) lets exactly one of them redeem a token.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

__all__ = ["StreamToken", "StreamTokenStore", "token_hash"]


@dataclass(frozen=True, slots=True)
class StreamToken:
    """A stored stream token: the hash of its secret, its tenant, its call, its expiry."""

    token_hash: str
    tenant_id: str
    call_sid: str
    expires_at: float


def token_hash(token: str) -> str:
    """Return the stored form of a token (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class StreamTokenStore(Protocol):
    """Stream tokens of every tenant (a stream is not yet of any tenant when it presents one)."""

    def add(self, token: StreamToken) -> None:
        """Store a new token."""
        ...

    def take(self, token_hash: str) -> StreamToken | None:
        """Remove the token and return it; None when there is none (unknown or already used)."""
        ...

    def purge(self, before: float) -> int:
        """Remove tokens that expired before `before`; return how many."""
        ...
