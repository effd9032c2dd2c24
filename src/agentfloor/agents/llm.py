"""The LLM port: an optional chat-completion backend for free-text answers and summaries.

Everything the AI agent does works without it (intents, slots, skills, handoff summaries are
built from the dialogue state); a tenant that configures one gets answers from its knowledge
base, better summaries and a fallback for utterances the intent model cannot place. Adapters
implement `LlmClient`: `adapters.llm.OpenAICompatibleClient` speaks the OpenAI chat-completions
HTTP protocol, which most hosted and self-hosted servers accept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from agentfloor.core.errors import Unavailable

__all__ = ["ChatMessage", "LlmClient", "LlmUnavailable"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One turn of a chat-completion conversation."""

    role: Literal["system", "user", "assistant"]
    content: str


class LlmUnavailable(Unavailable):
    """The LLM backend failed, timed out or answered something unusable; fall back without it."""


class LlmClient(Protocol):
    """Completes a conversation with one assistant message."""

    def complete(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.2
    ) -> str:
        """Return the assistant's reply text, or raise `LlmUnavailable`."""
        ...
