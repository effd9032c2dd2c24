"""LLM backends behind `agents.llm.LlmClient` (optional; nothing needs one to work)."""

from __future__ import annotations

from agentfloor.adapters.llm.openai_compat import OpenAICompatibleClient

__all__ = ["OpenAICompatibleClient"]
