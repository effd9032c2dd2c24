"""A call's transcript: what the AI agent, the bot and the caller said, logged on the interaction.

`VoiceTranscript` is the `ReplySink` the AI agent posts its replies through on calls: each line
is logged on the interaction as `voice.utterance` (with the agent's session, in one transaction)
and kept for the call session to say (`take`). The caller's turns and the bot's own lines
(read-backs, notices) are logged the same way, so the interaction carries the whole transcript.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from agentfloor.core.errors import NotFound
from agentfloor.interactions.chat import ChatMessage
from agentfloor.interactions.model import Interaction
from agentfloor.runtime.context import Changes, ServiceContext
from agentfloor.runtime.uow import UnitOfWork

__all__ = ["VoiceTranscript"]


class VoiceTranscript:
    """The AI agent's reply channel for calls: lines are logged and kept for the call to say."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self._said: dict[str, list[str]] = {}

    def post_ai_messages(
        self,
        tenant_id: str,
        interaction_id: str,
        texts: list[str],
        also: Callable[[UnitOfWork, Changes], None] | None = None,
    ) -> list[ChatMessage]:
        """Log the AI's lines as `voice.utterance` (and what `also` writes) in one transaction."""
        lines = [t.strip() for t in texts if t.strip()]
        with self.ctx.uow(tenant_id) as uow:
            interaction = uow.interactions.get(interaction_id)
            if interaction is None:
                raise NotFound("interaction", interaction_id)
            changes = Changes(self.ctx, uow, None, self.ctx.clock.now())
            if not interaction.is_final:
                for line in lines:
                    changes.log(interaction, "voice.utterance", {"sender": "ai", "text": line})
            if also is not None:
                also(uow, changes)
            changes.commit()
        with self._lock:
            self._said.setdefault(interaction_id, []).extend(lines)
        return []

    def take(self, interaction_id: str) -> list[str]:
        """Return and forget what the AI said on a call since the last `take`."""
        with self._lock:
            return self._said.pop(interaction_id, [])

    def log_caller(
        self, tenant_id: str, interaction_id: str, text: str, confidence: float
    ) -> Interaction:
        """Log a caller turn as `voice.utterance` (with the confidence, when below 1)."""
        with self.ctx.uow(tenant_id) as uow:
            interaction = uow.interactions.get(interaction_id)
            if interaction is None:
                raise NotFound("interaction", interaction_id)
            changes = Changes(self.ctx, uow, None, self.ctx.clock.now())
            data: dict[str, Any] = {"sender": "customer", "text": text}
            if confidence < 1.0:
                data["confidence"] = round(confidence, 3)
            changes.log(interaction, "voice.utterance", data)
            changes.commit()
        return interaction

    def say_own(self, tenant_id: str, interaction_id: str, lines: list[str]) -> list[str]:
        """Log the bot's own lines (read-backs, notices) and return them to be said."""
        with self.ctx.uow(tenant_id) as uow:
            interaction = uow.interactions.get(interaction_id)
            if interaction is None:
                raise NotFound("interaction", interaction_id)
            changes = Changes(self.ctx, uow, None, self.ctx.clock.now())
            for line in lines:
                changes.log(interaction, "voice.utterance", {"sender": "ai", "text": line})
            changes.commit()
        return lines
