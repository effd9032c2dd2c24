"""The supervisor wallboard in chromium: live queue numbers, agents, alerts, the KPI chart.

One live server for the module (uvicorn in a thread, SQLite file). Tenant a has a support queue
and one worker, Ben, offline, so the tasks the test creates wait until Ben is made available.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agentfloor.access.model import Role
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

Shot = Callable[[Any, str], Path]


@pytest.fixture(scope="module")
def centre(live: LiveServer) -> dict[str, Any]:
    with live.client() as c:
        queue = c.post("/v1/queues", json={"name": "Support"}).json()
        worker = c.post("/v1/workers", json={"name": "Ben", "capacity": {"chat": 1}}).json()
    return {"queue": queue, "worker": worker}


def sign_in(page: Any, live: LiveServer, key: str) -> None:
    page.goto(f"{live.base_url}/wallboard")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def test_keys_that_cannot_watch_are_refused_next_to_the_field(
    live: LiveServer, page: Any, shot: Shot
) -> None:
    sign_in(page, live, "af_wrong")
    expect(page.locator("#signin-key-error")).to_contain_text("not accepted")
    page.get_by_label("API key").fill(live.tenants["a"].keys[Role.AGENT])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-key-error")).to_contain_text("use a supervisor key")
    expect(page.get_by_label("API key")).to_have_attribute("aria-invalid", "true")
    shot(page, "wallboard-bad-key")


def test_numbers_move_live_and_alerts_cross_thresholds(
    live: LiveServer, centre: dict[str, Any], page: Any, shot: Shot
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, live, live.tenants["a"].keys[Role.SUPERVISOR])
    tile = page.get_by_role("article", name="Support")
    waiting = tile.locator('[data-figure="waiting"]')
    expect(waiting).to_have_text("0")
    expect(page.get_by_role("status")).to_have_text("live")
    ben = page.locator(f'tr[data-worker="{centre["worker"]["id"]}"]')
    expect(ben.locator('[data-cell="state"]')).to_have_text("offline")
    in_state = ben.locator("[data-since]")
    expect(in_state).not_to_have_text(in_state.text_content() or "", timeout=5_000)  # it ticks
    # thresholds set on the page: a one-second wait alerts, answers count within one second
    page.get_by_label("Alert when longest wait is over (s)").fill("1")
    page.get_by_label("Service level answer target (s)").fill("1")
    page.get_by_label("Service level answer target (s)").press("Tab")
    expect(page.locator("#alerts")).to_have_text("")

    with live.client() as c:
        tasks = [
            c.post("/v1/tasks", json={"channel": "chat", "queue_id": centre["queue"]["id"]}).json()
            for _ in range(2)
        ]
    expect(waiting).to_have_text("2")
    longest = tile.locator('[data-figure="longest-wait"]')
    expect(longest).not_to_have_text("0:00", timeout=5_000)  # it ticks without a reload
    alert = page.locator(".alert", has_text="longest wait")
    expect(alert).to_contain_text("Support: longest wait")
    expect(tile).to_have_class("panel queue alerting")
    shot(page, "wallboard-wait-alert")

    # Ben comes on and answers one task late: waiting drops, service level falls, an alert.
    with live.client() as c:
        wid = centre["worker"]["id"]
        assert c.post(f"/v1/workers/{wid}/activity", json={"activity": "available"}).is_success
        offers = c.get(f"/v1/tasks/{tasks[0]['id']}/reservations").json()
        pending = next(r for r in offers if r["state"] == "pending")
        r = c.post(f"/v1/reservations/{pending['id']}/accept", json={"worker_id": wid})
        assert r.status_code == 200, r.text
    expect(waiting).to_have_text("1")
    expect(ben.locator('[data-cell="state"]')).to_have_text("available")
    expect(ben.locator('[data-cell="tasks"]')).to_contain_text("1 (assigned chat)")
    expect(tile.locator('[data-figure="answered"]')).to_have_text("1")
    expect(tile.locator('[data-figure="service-level"]')).to_have_text("0%")
    expect(page.locator(".alert", has_text="service level")).to_contain_text("below 80%")
    expect(page.locator('[data-figure="activity-available"]')).to_have_text("1")

    # the historical chart: one bar group per hour of today
    groups = page.locator("#chart svg g")
    expect(groups.first).to_be_attached()
    assert 23 <= groups.count() <= 25
    expect(page.locator('[data-figure="offered"]')).not_to_have_text("0")
    shot(page, "wallboard-service-level-alert")
    # the late answer's hour has a service-level dot (0%, at the foot of the chart)
    expect(page.locator("#chart svg circle.sl-dot")).to_have_count(1)

    # a past day: its own report (nothing happened then), then back to today
    page.get_by_label("Day", exact=True).fill("2026-01-05")
    expect(page.locator("#today-title")).to_have_text("Report for 2026-01-05")
    expect(page.locator('[data-figure="offered"]')).to_have_text("0")
    assert 23 <= page.locator("#chart svg g").count() <= 25
    expect(page.locator("#chart svg circle.sl-dot")).to_have_count(0)
    shot(page, "wallboard-past-day")
    page.get_by_label("Day", exact=True).fill("")
    expect(page.locator("#today-title")).to_have_text("Today")
    expect(page.locator('[data-figure="offered"]')).not_to_have_text("0")

    # raising the wait threshold clears that alert at once; thresholds survive a reload
    page.get_by_label("Alert when longest wait is over (s)").fill("3600")
    expect(page.locator(".alert", has_text="longest wait")).to_have_count(0)
    page.reload()
    expect(page.get_by_label("Alert when longest wait is over (s)")).to_have_value("3600")
    expect(waiting).to_have_text("1")
    assert errors == []


def test_the_wallboard_at_a_narrow_width(
    live: LiveServer, centre: dict[str, Any], open_page: Callable[..., Any], shot: Shot
) -> None:
    narrow = open_page(width=400, height=800)
    sign_in(narrow, live, live.tenants["a"].keys[Role.SUPERVISOR])
    expect(narrow.get_by_role("article", name="Support")).to_be_visible()
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 400
    shot(narrow, "wallboard-narrow")
