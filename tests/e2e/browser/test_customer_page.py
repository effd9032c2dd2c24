"""The customer page in chromium: the widget on a shop page, an AI answer, then a person asked for.

One live server for the module (uvicorn in a thread, SQLite file). Tenant a has a support queue
and workflow for hand-offs, an order, and its AI agent on. The shop page is served on the
server's own origin (Playwright answers the navigation), so the widget runs as on a real site:
one script tag pointing at the server.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.centre import support_line
from tests.e2e.server import LiveServer, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def centre(live: LiveServer) -> dict[str, Any]:
    return support_line(live)


def open_shop(page: Any, live: LiveServer) -> None:
    """The pretend shop page the server serves, with tenant a's widget (one script tag)."""
    page.goto(f"{live.base_url}/demo?tenant={live.tenants['a'].slug}")


def messages(page: Any, sender: str) -> list[str]:
    return [str(t) for t in page.locator(f".af-msg.af-{sender}").all_inner_texts()]


def send(page: Any, text: str) -> None:
    box = page.get_by_placeholder("Type a message")
    box.fill(text)
    box.press("Enter")


def test_a_customer_gets_an_answer_from_the_ai_then_reaches_a_queue(
    live: LiveServer, centre: dict[str, Any], page: Any, shot: Callable[[Any, str], Path]
) -> None:
    open_shop(page, live)
    page.get_by_role("button", name="Chat with us").click()
    assert page.get_by_role("dialog", name="Chat with us").is_visible()
    send(page, "Hi, where is my order ORD-654321?")
    page.locator(".af-msg.af-ai", has_text="packed").wait_for()
    assert any("ORD-654321" in m for m in messages(page, "ai")), messages(page, "ai")
    shot(page, "customer-widget-ai-answer")

    before = len(messages(page, "ai"))
    send(page, "I want to talk to a person please")
    wait_until(lambda: len(messages(page, "ai")) > before, 15, "the AI's handoff reply")
    with live.client() as c:

        def waiting() -> list[dict[str, Any]]:
            r = c.get("/v1/tasks", params={"state": "pending"})
            assert r.status_code == 200, r.text
            body = r.json()
            return list(body["items"] if isinstance(body, dict) else body)

        wait_until(lambda: bool(waiting()), 15, "a task for a person")
        task = waiting()[0]
    assert task["queue_id"] == centre["queue"]["id"]
    summary = task["attributes"]["summary"]  # the AI's hand-off summary rides with the task
    assert summary["reason"] == "asked_for_person", summary
    texts = [t["text"] for t in summary["transcript"]]
    assert "Hi, where is my order ORD-654321?" in texts, texts
    shot(page, "customer-widget-handoff")

    # narrow screen: the panel still fits and its controls keep their labels
    page.set_viewport_size({"width": 380, "height": 720})
    box = page.get_by_placeholder("Type a message").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 380
    shot(page, "customer-widget-narrow")
