"""The optional LLM plug: knowledge-base answers and handoff synopses, and life when it is down.

The LLM is a local server speaking the OpenAI chat-completions protocol (the outside world we
cannot reach here); agentfloor is a real server talking to it over HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from agentfloor.settings import Settings
from tests.e2e.server import LiveServer, free_port, start_server, wait_until
from tests.e2e.test_assistant import customer, outcome_of

KEY = "sk-local-1"


def fake_llm(state: dict[str, Any]) -> FastAPI:
    """Answers from the facts in the system prompt, like a grounded model would."""
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def complete(request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return JSONResponse({"error": {"message": "bad key"}}, status_code=401)
        if state["down"]:
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
        body = await request.json()
        system, user = body["messages"][0]["content"], body["messages"][-1]["content"]
        state["seen"].append(body)
        if "Summarise" in system:
            content = "SYNOPSIS: the customer wants a person about a late order."
        elif "dog" in user.lower() and "Dogs are welcome" in system:
            content = "Yes! Dogs are welcome in all our shops."
        else:
            content = "UNKNOWN"
        return JSONResponse(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
            }
        )

    return app


@pytest.fixture(scope="module")
def llm() -> Iterator[tuple[str, dict[str, Any]]]:
    state: dict[str, Any] = {"down": False, "seen": []}
    port = free_port()
    srv = uvicorn.Server(
        uvicorn.Config(fake_llm(state), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    wait_until(lambda: srv.started, what="the fake LLM server")
    yield f"http://127.0.0.1:{port}/v1", state
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, llm: tuple[str, dict[str, Any]]
) -> Iterator[LiveServer]:
    var: Path = tmp_path_factory.mktemp("var")
    settings = Settings(
        var_dir=var, database_url=None, llm_base_url=llm[0], llm_api_key=KEY, llm_timeout_s=5
    )
    server = start_server(settings, {"a": "GB"})
    with server.client() as c:
        queue = c.post("/v1/queues", json={"name": "Support"}).json()
        c.post(
            "/v1/workflows",
            json={"name": "Support", "filters": [], "default_target": {"queue_id": queue["id"]}},
        )
        r = c.put("/v1/assistant", json={"knowledge": ["Dogs are welcome in all our shops."]})
        assert r.status_code == 200, r.text
    yield server
    server.stop()


QUESTION = "Can I bring my dog into the shop with me?"


def test_an_out_of_scope_question_is_answered_from_the_knowledge_base(
    live: LiveServer, llm: tuple[str, dict[str, Any]]
) -> None:
    with live.client() as c:
        assert c.post("/v1/assistant/understand", json={"text": QUESTION}).json()["intent"] is None
    with customer(live) as cust:
        cust.hello("kb-visitor")
        reply = cust.ask("k1", QUESTION, count=2)
    assert "Dogs are welcome" in reply, reply
    assert any("Dogs are welcome" in b["messages"][0]["content"] for b in llm[1]["seen"])


def test_the_handoff_summary_gets_a_synopsis(live: LiveServer) -> None:
    with customer(live) as cust:
        chat = cust.hello("synopsis-visitor")
        cust.ask("s1", "I want to speak to a human agent")
    outcome = outcome_of(live, chat["interaction_id"])
    assert outcome["summary"]["synopsis"].startswith("SYNOPSIS:"), outcome


def test_with_the_llm_down_everything_still_works_offline(
    live: LiveServer, llm: tuple[str, dict[str, Any]]
) -> None:
    llm[1]["down"] = True
    try:
        with customer(live) as cust:
            chat = cust.hello("offline-visitor")
            reply = cust.ask("o1", QUESTION)
            assert "Dogs" not in reply and reply, reply  # the offline fallback, not a crash
            reply = cust.ask("o2", "let me talk to a person")
            assert "colleague" in reply.lower()
        outcome = outcome_of(live, chat["interaction_id"])
        assert outcome["outcome"] == "handed_off" and "synopsis" not in outcome["summary"]
    finally:
        llm[1]["down"] = False
