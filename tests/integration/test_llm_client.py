"""The OpenAI-compatible client against a local server speaking the same HTTP protocol."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from agentfloor.adapters.llm import OpenAICompatibleClient
from agentfloor.agents.llm import ChatMessage, LlmUnavailable
from tests.e2e.server import free_port, wait_until

KEY = "sk-test-123"


def fake_llm() -> tuple[FastAPI, list[dict[str, Any]]]:
    """A chat-completions server: validates the request like the real API and answers."""
    app = FastAPI()
    seen: list[dict[str, Any]] = []
    failures = {"flaky": 1}

    @app.post("/v1/chat/completions")
    async def complete(request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return JSONResponse({"error": {"message": "bad key"}}, status_code=401)
        body = await request.json()
        seen.append(body)
        if not isinstance(body.get("messages"), list) or "model" not in body:
            return JSONResponse({"error": {"message": "bad request"}}, status_code=400)
        last = body["messages"][-1]["content"]
        if last == "flaky" and failures["flaky"] > 0:
            failures["flaky"] -= 1
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
        if last == "down":
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
        if last == "garbage":
            return PlainTextResponse("<html>proxy error</html>")
        if last == "slow":
            await asyncio.sleep(1.5)
        return JSONResponse(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": f"echo: {last}"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )

    return app, seen


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    app, seen = fake_llm()
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    wait_until(lambda: srv.started, what="the fake LLM server")
    yield f"http://127.0.0.1:{port}/v1", seen
    srv.should_exit = True
    thread.join(timeout=10)


def ask(client: OpenAICompatibleClient, text: str) -> str:
    return client.complete([ChatMessage("system", "Be brief."), ChatMessage("user", text)])


def test_a_completion_round_trip(server: tuple[str, list[dict[str, Any]]]) -> None:
    url, seen = server
    client = OpenAICompatibleClient(url, "tiny-model", api_key=KEY)
    assert ask(client, "opening hours?") == "echo: opening hours?"
    assert seen[-1]["model"] == "tiny-model"
    assert seen[-1]["messages"][0] == {"role": "system", "content": "Be brief."}
    client.close()


def test_one_retry_on_a_5xx_then_success(server: tuple[str, list[dict[str, Any]]]) -> None:
    client = OpenAICompatibleClient(server[0], "m", api_key=KEY, retries=1)
    assert ask(client, "flaky") == "echo: flaky"
    client.close()


@pytest.mark.parametrize(
    ("text", "key", "timeout_s", "reason"),
    [
        ("down", KEY, 5.0, "HTTP 503"),
        ("garbage", KEY, 5.0, "not a chat completion"),
        ("slow", KEY, 0.5, "no answer within"),
        ("hello", "wrong-key", 5.0, "HTTP 401"),
    ],
    ids=["server-error", "not-json", "timeout", "refused"],
)
def test_failures_are_llm_unavailable_with_the_reason(
    server: tuple[str, list[dict[str, Any]]], text: str, key: str, timeout_s: float, reason: str
) -> None:
    client = OpenAICompatibleClient(server[0], "m", api_key=key, timeout_s=timeout_s, retries=1)
    with pytest.raises(LlmUnavailable, match=reason):
        ask(client, text)
    client.close()


def test_an_unreachable_server_is_unavailable() -> None:
    client = OpenAICompatibleClient(f"http://127.0.0.1:{free_port()}/v1", "m", timeout_s=2)
    with pytest.raises(LlmUnavailable, match="cannot reach"):
        ask(client, "hi")
    client.close()
