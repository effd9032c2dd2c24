"""An OpenAI-compatible chat-completions client (`POST {base_url}/chat/completions`).

The request and response shapes are those of the OpenAI API, which vLLM, llama.cpp's server,
Ollama, LiteLLM and most hosted providers also accept, so one small client covers them. Every
failure (connection, timeout, HTTP error, a body that is not a completion) becomes
`LlmUnavailable` with the reason, so callers fall back to the offline path and never crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from agentfloor.agents.llm import ChatMessage, LlmUnavailable

__all__ = ["OpenAICompatibleClient"]


class OpenAICompatibleClient:
    """Chat completions over HTTP with a bearer key, a timeout and one retry on 5xx/timeouts."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 20.0,
        retries: int = 1,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.model = model
        self._retries = retries
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s, transport=transport
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def complete(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.2
    ) -> str:
        """Return the first choice's message content."""
        body = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        last: str = "no attempt made"
        for _ in range(self._retries + 1):
            try:
                response = self._client.post("/chat/completions", json=body)
            except httpx.TimeoutException:
                last = f"no answer within {self._client.timeout.read} s"
                continue
            except httpx.TransportError as exc:
                raise LlmUnavailable(f"cannot reach the LLM server: {exc}") from exc
            if response.status_code >= 500:
                last = f"the LLM server answered HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                raise LlmUnavailable(
                    f"the LLM server refused the request (HTTP {response.status_code}): "
                    f"{response.text[:200]}"
                )
            return _content(response)
        raise LlmUnavailable(f"the LLM backend failed: {last}")


def _content(response: httpx.Response) -> str:
    try:
        data: Any = response.json()
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LlmUnavailable(
            f"the LLM server's answer is not a chat completion: {response.text[:200]!r}"
        ) from exc
    if not isinstance(content, str):
        raise LlmUnavailable("the LLM server's answer has no text content")
    return content
