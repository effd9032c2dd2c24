"""Chat messages in SQL: the append-only transcript of chat interactions."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from agentfloor.adapters.storage.base import TenantScoped
from agentfloor.adapters.storage.tables import ChatMessageRow
from agentfloor.interactions.chat import ChatMessage, Sender

__all__ = ["SqlChatMessageLog"]

_INSERT = insert(ChatMessageRow)  # built once; parameters go with each execute


def _message(row: ChatMessageRow) -> ChatMessage:
    return ChatMessage(
        id=row.id,
        tenant_id=row.tenant_id,
        interaction_id=row.interaction_id,
        seq=row.seq,
        sender=Sender(row.sender),
        text=row.body,
        created_at=row.created_at,
        worker_id=row.worker_id,
        client_id=row.client_id,
    )


class SqlChatMessageLog(TenantScoped):
    """Chat messages of one tenant: append and read, no update, no delete."""

    def append(self, message: ChatMessage) -> None:
        """Append one message; a duplicate (interaction, seq) or client id fails with `Conflict`."""
        # A Core insert, not `session.add` + flush: the hot path of every chat message, and the
        # unique rules (what serialises two writers of one interaction) fail it at once.
        self._session.execute(
            _INSERT,
            {
                "id": message.id,
                "tenant_id": self.tenant_id,
                "interaction_id": message.interaction_id,
                "seq": message.seq,
                "sender": message.sender.value,
                "worker_id": message.worker_id,
                "client_id": message.client_id,
                "body": message.text,
                "created_at": message.created_at,
            },
        )

    def after(self, interaction_id: str, seq: int, limit: int = 100) -> list[ChatMessage]:
        """Return up to `limit` messages with a `seq` above `seq`, in `seq` order."""
        rows = self._session.scalars(
            select(ChatMessageRow)
            .where(
                ChatMessageRow.tenant_id == self.tenant_id,
                ChatMessageRow.interaction_id == interaction_id,
                ChatMessageRow.seq > seq,
            )
            .order_by(ChatMessageRow.seq)
            .limit(limit)
        ).all()
        return [_message(r) for r in rows]

    def by_client_id(self, interaction_id: str, client_id: str) -> ChatMessage | None:
        """Return the interaction's message with this client id, or None."""
        row = self._session.scalars(
            select(ChatMessageRow).where(
                ChatMessageRow.tenant_id == self.tenant_id,
                ChatMessageRow.interaction_id == interaction_id,
                ChatMessageRow.client_id == client_id,
            )
        ).first()
        return _message(row) if row is not None else None

    def last_seq(self, interaction_id: str) -> int:
        """Return the highest `seq` of the interaction's messages, 0 when it has none."""
        value = self._session.scalar(
            select(func.max(ChatMessageRow.seq)).where(
                ChatMessageRow.tenant_id == self.tenant_id,
                ChatMessageRow.interaction_id == interaction_id,
            )
        )
        return int(value or 0)
