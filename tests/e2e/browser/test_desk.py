"""The agent desktop in chromium, with a customer on the widget and the wallboard watching.

One live server for the module (uvicorn in a thread, SQLite file). Tenant a has a support queue
and workflow for hand-offs, an order for the AI to answer about, two disposition codes and a
worker, Robin, with chat capacity and an agent key bound to Robin. Three browser contexts play
the three people: the customer on the shop page, Robin at the desk, a supervisor at the wallboard.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentfloor.access.model import Role
from tests.e2e.centre import support_line
from tests.e2e.server import LiveServer
from tests.e2e.test_chat import visitor

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

Shot = Callable[[Any, str], Path]


@pytest.fixture(scope="module")
def centre(live: LiveServer) -> dict[str, Any]:
    line = support_line(live)
    queue = line["queue"]
    with live.client() as c:
        config = c.get("/v1/routing/config").json()
        config["reservation_timeout_s"] = 300  # a loaded test machine is slow to click
        assert c.put("/v1/routing/config", json=config).status_code == 200
        for code, label in (("resolved", "Resolved"), ("callback", "Call back")):
            r = c.post("/v1/dispositions", json={"code": code, "label": label})
            assert r.status_code == 201, r.text
        worker = c.post("/v1/workers", json={"name": "Robin", "capacity": {"chat": 2}}).json()
        r = c.post(
            "/v1/api-keys",
            json={"name": "Robin's desk", "role": "agent", "worker_id": worker["id"]},
        )
        assert r.status_code == 201, r.text
    return {"queue": queue, "worker": worker, "agent_key": r.json()["key"]}


def sign_in(page: Any, live: LiveServer, path: str, key: str, worker: str = "") -> None:
    page.goto(f"{live.base_url}{path}")
    page.get_by_label("API key").fill(key)
    if worker:
        page.get_by_label("Worker id").fill(worker)
    page.get_by_role("button", name="Sign in").click()


def customer_says(page: Any, text: str) -> None:
    box = page.get_by_placeholder("Type a message")
    box.fill(text)
    box.press("Enter")


def test_me_says_who_a_key_is(live: LiveServer, centre: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {centre['agent_key']}"}
    me = httpx.get(f"{live.base_url}/v1/me", headers=headers, timeout=30).json()
    assert me["role"] == "agent" and me["worker_id"] == centre["worker"]["id"]
    assert me["tenant_id"] == live.tenants["a"].tenant_id
    with live.client(role=Role.SUPERVISOR) as c:
        assert c.get("/v1/me").json()["worker_id"] is None
    bad = httpx.get(f"{live.base_url}/v1/me", headers={"Authorization": "Bearer af_nope"})
    assert bad.status_code == 401


def test_a_chat_from_the_ai_to_an_agent_and_wrapped_up(
    live: LiveServer,
    centre: dict[str, Any],
    page: Any,
    open_page: Callable[..., Any],
    shot: Shot,
) -> None:
    errors: list[str] = []
    board = open_page()
    board.on("pageerror", lambda exc: errors.append(f"wallboard: {exc}"))
    page.on("pageerror", lambda exc: errors.append(f"desk: {exc}"))
    sign_in(board, live, "/wallboard", live.tenants["a"].keys[Role.SUPERVISOR])
    support = board.get_by_role("article", name="Support")
    waiting = support.locator('[data-figure="waiting"]')
    expect(waiting).to_have_text("0")
    robin_row = board.locator(f'tr[data-worker="{centre["worker"]["id"]}"]')
    expect(robin_row.locator('[data-cell="state"]')).to_have_text("offline")

    desk = page
    sign_in(desk, live, "/desk", centre["agent_key"])
    expect(desk.get_by_role("status")).to_have_text("live")
    expect(desk.get_by_label("Activity")).to_have_value("offline")
    expect(desk.locator("#worker-name")).to_contain_text("Robin")
    shot(desk, "desk-signed-in")

    # The customer asks the AI, gets an answer, then asks for a person: a task waits.
    customer = open_page()
    customer.goto(f"{live.base_url}/demo?tenant={live.tenants['a'].slug}")
    customer.get_by_role("button", name="Chat with us").click()
    customer_says(customer, "Hi, where is my order ORD-654321?")
    customer.locator(".af-msg.af-ai", has_text="packed").wait_for()
    customer_says(customer, "I want to talk to a person please")
    expect(waiting).to_have_text("1", timeout=20_000)
    shot(board, "wallboard-task-waiting")

    # Robin becomes available: the offer arrives with a countdown, accepted from the keyboard.
    desk.get_by_label("Activity").select_option("available")
    offer = desk.locator(".offer")
    expect(offer).to_contain_text("asked for person")
    expect(offer.locator(".countdown")).to_contain_text("s left")
    expect(offer.get_by_role("button", name="Accept")).to_have_attribute(
        "aria-keyshortcuts", "Alt+A"
    )
    expect(robin_row.locator('[data-cell="state"]')).to_have_text("available")
    shot(desk, "desk-offer")
    desk.keyboard.press("Alt+a")
    expect(offer).to_have_count(0)
    summary = desk.get_by_role("region", name="AI handoff summary")
    expect(summary).to_contain_text("asked for person")
    expect(desk.locator("#transcript")).to_contain_text("ORD-654321")
    expect(desk.locator("#chat-list")).to_contain_text("1.")
    expect(desk.locator("#capacity")).to_contain_text("1 of 2 chats")
    expect(desk.locator("#timeline")).to_contain_text("inbound chat")
    expect(waiting).to_have_text("0")
    expect(robin_row.locator('[data-cell="tasks"]')).to_contain_text("1 (assigned chat)")

    # They chat: Ctrl+Enter sends, the customer sees it, the reply arrives live.
    box = desk.get_by_label("Message to the customer")
    box.fill("Hello, this is Robin. Your order is packed and leaves today.")
    expect(customer.locator(".af-typing")).to_contain_text("typing")  # the customer sees it
    box.press("Control+Enter")
    expect(customer.locator(".af-msg.af-worker")).to_contain_text("this is Robin")
    customer_says(customer, "Great, thanks Robin")
    expect(desk.locator("#transcript .msg.customer").last).to_contain_text("thanks Robin")
    shot(desk, "desk-chat")
    shot(customer, "customer-agent-reply")
    shot(board, "wallboard-agent-busy")

    # Wrap-up from the keyboard: a disposition and a note, then complete.
    desk.keyboard.press("Alt+w")
    expect(desk.get_by_label("Disposition")).to_be_focused()
    desk.get_by_role("button", name="Complete").click()
    expect(desk.locator("#disposition-error")).to_contain_text("Choose the outcome")
    desk.get_by_label("Disposition").select_option("resolved")
    desk.get_by_label("Notes").fill("Order packed; told the customer it ships today.")
    shot(desk, "desk-wrap-up")
    desk.get_by_role("button", name="Complete").click()
    expect(desk.locator("#conversation-empty")).to_be_visible()
    timeline = desk.locator("#timeline")
    expect(timeline).to_contain_text("told the customer it ships today")
    expect(timeline).to_contain_text("Resolved")
    shot(desk, "desk-after-wrap-up")

    # The customer's CRM timeline holds the whole interaction, its note and its disposition.
    with live.client() as c:
        interactions = c.get("/v1/interactions", params={"channel": "chat"}).json()["items"]
        chat = next(i for i in interactions if i["worker_id"] == centre["worker"]["id"])
        assert chat["disposition_code"] == "resolved"
        items = c.get(f"/v1/customers/{chat['customer_id']}/timeline").json()["items"]
        kinds = {(e["kind"], e["interaction_id"]) for e in items}
        assert {("interaction", chat["id"]), ("note", chat["id"]), ("disposition", chat["id"])} <= (
            kinds
        ), items
        senders = {m["sender"] for m in c.get(f"/v1/interactions/{chat['id']}/messages").json()}
        assert {"customer", "ai", "worker"} <= senders
    expect(support.locator('[data-figure="answered"]')).to_have_text("1")
    expect(robin_row.locator('[data-cell="tasks"]')).not_to_contain_text("assigned")
    shot(board, "wallboard-after-wrap-up")
    assert errors == []  # no script error on either page along the way


def hand_over(live: LiveServer, centre: dict[str, Any], said: str) -> dict[str, Any]:
    """A chat interaction and its task in the support queue, as a flow would hand it over."""
    with live.client() as c:
        chat: dict[str, Any] = c.post("/v1/interactions", json={"channel": "chat"}).json()
        summary = {"reason": "flow", "transcript": [{"sender": "customer", "text": said}]}
        r = c.post(
            "/v1/tasks",
            json={
                "channel": "chat",
                "queue_id": centre["queue"]["id"],
                "interaction_id": chat["id"],
                "attributes": {"summary": summary},
            },
        )
        assert r.status_code == 201, r.text
    return chat


def test_two_chats_at_once_from_the_keyboard(
    live: LiveServer, centre: dict[str, Any], page: Any, shot: Shot
) -> None:
    sign_in(page, live, "/desk", centre["agent_key"])
    page.get_by_label("Activity").select_option("available")
    expect(page.get_by_label("Activity")).to_have_value("available")
    first = hand_over(live, centre, "Where is my refund?")
    second = hand_over(live, centre, "Can I change my address?")
    expect(page.locator(".offer")).to_have_count(2)
    expect(page).to_have_title("(2) Agent desktop · agentfloor")
    page.keyboard.press("Alt+a")
    expect(page.locator(".offer")).to_have_count(1)
    page.keyboard.press("Alt+a")
    expect(page.locator(".offer")).to_have_count(0)
    expect(page.locator("#chat-list button")).to_have_count(2)
    expect(page.locator("#capacity")).to_contain_text("2 of 2 chats")
    page.keyboard.press("Alt+2")
    summary = page.get_by_role("region", name="AI handoff summary")
    title = page.locator("#conversation-title")
    expect(page.locator("#chat-list button").nth(1)).to_have_attribute("aria-current", "true")
    second_said = "change my address" in (summary.text_content() or "")
    box = page.get_by_label("Message to the customer")
    box.fill("Sure, what is the new address?")
    box.press("Control+Enter")
    expect(page.locator("#transcript .msg.worker")).to_have_count(1)
    shot(page, "desk-two-chats")
    box.fill("A draft for this chat only")
    page.keyboard.press("Alt+1")
    expect(page.locator("#chat-list button").nth(0)).to_have_attribute("aria-current", "true")
    expect(page.locator("#transcript .msg.worker")).to_have_count(0)  # the other chat's transcript
    expect(box).to_have_value("")  # each chat keeps its own draft
    # the message went to the chat that was on screen, and only there
    with live.client() as c:
        on_screen, other = (second, first) if second_said else (first, second)
        sent = c.get(f"/v1/interactions/{on_screen['id']}/messages").json()
        assert [m["text"] for m in sent] == ["Sure, what is the new address?"]
        assert c.get(f"/v1/interactions/{other['id']}/messages").json() == []
    page.keyboard.press("Alt+2")
    expect(box).to_have_value("A draft for this chat only")
    for left in (1, 0):
        expect(title).to_contain_text("Conversation with")
        page.keyboard.press("Alt+w")
        page.get_by_label("Disposition").select_option("resolved")
        page.get_by_role("button", name="Complete").click()
        expect(page.locator("#chat-list button")).to_have_count(left)
    expect(page.locator("#conversation-empty")).to_be_visible()


def test_a_message_in_another_chat_shows_as_unread(
    live: LiveServer, centre: dict[str, Any], page: Any, shot: Shot
) -> None:
    sign_in(page, live, "/desk", centre["agent_key"])
    page.get_by_label("Activity").select_option("available")
    expect(page.get_by_label("Activity")).to_have_value("available")
    tabs = page.locator("#chat-list button")
    slug = live.tenants["a"].slug
    with visitor(live, slug) as one, visitor(live, slug) as two:
        for n, customer in enumerate((one, two), start=1):
            customer.hello(str(uuid.uuid4()))
            customer.say(str(uuid.uuid4()), "I want to talk to a real person")
            expect(page.locator(".offer")).to_have_count(1)
            page.keyboard.press("Alt+a")
            expect(tabs).to_have_count(n)
        page.keyboard.press("Alt+1")
        expect(tabs.nth(0)).to_have_attribute("aria-current", "true")
        two.say(str(uuid.uuid4()), "Are you still there?")
        badge = tabs.nth(1).locator(".badge")
        expect(badge).to_have_attribute("aria-label", re.compile(r"^\d+ unread$"))
        shot(page, "desk-unread")
        page.keyboard.press("Alt+2")
        expect(badge).to_have_count(0)
        expect(page.locator("#transcript")).to_contain_text("Are you still there?")
        for left in (1, 0):
            page.keyboard.press("Alt+w")
            page.get_by_label("Disposition").select_option("resolved")
            page.get_by_role("button", name="Complete").click()
            expect(tabs).to_have_count(left)


def test_reject_from_the_keyboard(live: LiveServer, centre: dict[str, Any], page: Any) -> None:
    sign_in(page, live, "/desk", centre["agent_key"])
    page.get_by_label("Activity").select_option("available")
    expect(page.get_by_label("Activity")).to_have_value("available")
    chat = hand_over(live, centre, "Not now please")
    offer = page.locator(".offer")
    expect(offer).to_contain_text("Not now please")
    page.keyboard.press("Alt+r")
    expect(offer).to_have_count(0)
    with live.client() as c:
        tasks = c.get("/v1/tasks", params={"limit": 500}).json()["items"]
        task = next(t for t in tasks if t["interaction_id"] == chat["id"])
        offers = c.get(f"/v1/tasks/{task['id']}/reservations").json()
        assert offers[0]["state"] == "rejected", offers
        assert c.post(f"/v1/tasks/{task['id']}/cancel", json={}).status_code == 200
    expect(offer).to_have_count(0)  # nothing left offered once the task is withdrawn


def test_a_bad_key_is_refused_next_to_the_field(live: LiveServer, page: Any, shot: Shot) -> None:
    sign_in(page, live, "/desk", "af_not_a_real_key")
    error = page.locator("#signin-key-error")
    expect(error).to_contain_text("not accepted")
    key = page.get_by_label("API key")
    expect(key).to_have_attribute("aria-invalid", "true")
    expect(key).to_have_value("af_not_a_real_key")  # what was typed is kept
    expect(key).to_be_focused()
    shot(page, "desk-bad-key")


def test_an_unbound_agent_key_asks_which_worker(
    live: LiveServer, centre: dict[str, Any], page: Any
) -> None:
    sign_in(page, live, "/desk", live.tenants["a"].keys[Role.AGENT])
    expect(page.locator("#signin-worker-error")).to_contain_text("not bound to a worker")
    page.get_by_label("Worker id").fill("wrk_nobody")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-worker-error")).to_contain_text("no worker wrk_nobody")
    page.get_by_label("Worker id").fill(centre["worker"]["id"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#worker-name")).to_contain_text("Robin")
    page.reload()  # the key stays for the tab
    expect(page.locator("#worker-name")).to_contain_text("Robin")


def test_the_desk_at_a_narrow_width(
    live: LiveServer, centre: dict[str, Any], open_page: Callable[..., Any], shot: Shot
) -> None:
    narrow = open_page(width=400, height=800)
    sign_in(narrow, live, "/desk", centre["agent_key"])
    expect(narrow.get_by_role("status")).to_have_text("live")
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 400
    for control in (
        narrow.get_by_label("Activity"),
        narrow.get_by_role("button", name="Sign out"),
        narrow.get_by_role("navigation", name="My chats"),
    ):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 400, box
    # Every control is reachable from the keyboard: Tab reaches the activity select.
    for _ in range(10):
        narrow.keyboard.press("Tab")
        if narrow.evaluate("document.activeElement.id") == "activity":
            break
    assert narrow.evaluate("document.activeElement.id") == "activity"
    narrow.get_by_label("Activity").select_option("available")
    shot(narrow, "desk-narrow")

    # A chat handed over by a flow (no AI): accepted with a tap, worked in one column.
    chat = hand_over(live, centre, "Refund?")
    narrow.locator(".offer").get_by_role("button", name="Accept").click()
    box = narrow.get_by_label("Message to the customer")
    box.fill("Happy to help with the refund.")
    narrow.get_by_role("button", name="Send").click()
    expect(narrow.locator("#transcript .msg.worker")).to_contain_text("refund")
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 400
    for control in (
        box,
        narrow.get_by_role("button", name="Send"),
        narrow.get_by_role("button", name="Wrap up"),
    ):
        bounds = control.bounding_box()
        assert bounds is not None and bounds["x"] + bounds["width"] <= 400, bounds
    shot(narrow, "desk-narrow-chat")
    narrow.get_by_role("button", name="Wrap up").click()
    narrow.get_by_label("Disposition").select_option("callback")
    narrow.get_by_role("button", name="Complete").click()
    expect(narrow.locator("#conversation-empty")).to_be_visible()
    with live.client() as c:
        assert c.get(f"/v1/interactions/{chat['id']}").json()["disposition_code"] == "callback"
