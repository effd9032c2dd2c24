"""Voice call storage: the one-use media stream tokens (`agentfloor.voice.stream_tokens`)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from agentfloor.adapters.storage.tables import VoiceStreamTokenRow
from agentfloor.voice.stream_tokens import StreamToken

__all__ = ["SqlStreamTokenStore"]


class SqlStreamTokenStore:
    """Stream tokens of every tenant; `take` deletes and returns in one statement."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, token: StreamToken) -> None:
        """Store a new token."""
        self._session.add(
            VoiceStreamTokenRow(
                token_hash=token.token_hash,
                tenant_id=token.tenant_id,
                call_sid=token.call_sid,
                expires_at=token.expires_at,
            )
        )

    def take(self, token_hash: str) -> StreamToken | None:
        """Remove the token and return it; None when unknown or already taken.

        `DELETE ... RETURNING` (SQLite 3.35+, PostgreSQL): of two nodes redeeming one token at
        once, the database gives the row to exactly one.
        """
        row = self._session.execute(
            delete(VoiceStreamTokenRow)
            .where(VoiceStreamTokenRow.token_hash == token_hash)
            .returning(
                VoiceStreamTokenRow.tenant_id,
                VoiceStreamTokenRow.call_sid,
                VoiceStreamTokenRow.expires_at,
            )
        ).first()
        if row is None:
            return None
        return StreamToken(token_hash, row.tenant_id, row.call_sid, row.expires_at)

    def purge(self, before: float) -> int:
        """Remove tokens that expired before `before`; return how many."""
        result = self._session.execute(
            delete(VoiceStreamTokenRow).where(VoiceStreamTokenRow.expires_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)
