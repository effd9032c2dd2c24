"""The admin pages in chromium: sign-in, routing set-up, flows and a test chat, keys, narrow width.

One live server for the module (uvicorn in a thread, SQLite file); every step goes through the
page at `/admin` as an admin would, signed in with tenant a's admin key. Bad input (a wrong key, a
duplicate queue name, an expression that does not parse, a flow with problems, a time zone that
does not exist) must show its message next to its field (linked by `aria-describedby`) and keep
what was typed. Screenshots of each section land in `test-output/screenshots/admin-*.png`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agentfloor.access.model import Role
from tests.e2e.server import LiveServer, wait_until

pytestmark = pytest.mark.browser

Shot = Callable[[Any, str], Path]

BAD_FLOW = """name: Broken entry
start: hello
blocks:
  hello:
    type: greeting
    next: ask
  ask:
    type: condition
    expression: 'task.topic =='
    then: bye
  bye:
    type: end
    message: Bye
"""

GOOD_FLOW = """name: Chat entry
start: menu
blocks:
  menu:
    type: menu
    prompt: "Welcome to the preview flow! Order or person?"
    options:
      - {label: Order, dtmf: "1", intent: order_status, next: bye}
      - {label: Person, dtmf: "2", intent: human, next: bye}
    no_match: bye
    max_retries: 1
  bye:
    type: end
    message: "Goodbye from the preview flow."
"""

# The messages next to a control: the `.error` elements its aria-describedby names.
FIELD_ERRORS = """el => (el.getAttribute('aria-describedby') || '').split(/\\s+/)
    .map(id => document.getElementById(id)).filter(n => n && n.classList.contains('error'))
    .map(n => n.textContent).join(' ')"""


def field_error(control: Any) -> str:
    """The error text shown next to `control`, after waiting for one to appear."""
    wait_until(lambda: bool(control.evaluate(FIELD_ERRORS)), 10, "a message next to the field")
    assert control.get_attribute("aria-invalid") == "true"
    return str(control.evaluate(FIELD_ERRORS))


def sign_in(page: Any, live: LiveServer) -> None:
    page.goto(f"{live.base_url}/admin")
    page.get_by_label("Admin API key").fill(live.tenants["a"].keys[Role.ADMIN])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Admin sections").wait_for()


def section(page: Any, name: str, anchor: str) -> Any:
    """Open a section from the navigation and return its panel."""
    page.get_by_role("navigation", name="Admin sections").get_by_role(
        "link", name=name, exact=True
    ).click()
    panel = page.locator(f"section#{anchor}")
    panel.wait_for(state="visible")
    page.wait_for_function(f"!document.querySelector('#{anchor}').hasAttribute('aria-busy')")
    return panel


def test_sign_in_workers_queues_and_workflows(live: LiveServer, page: Any, shot: Shot) -> None:
    page.goto(f"{live.base_url}/admin")
    key = page.get_by_label("Admin API key")
    key.fill("af_not_a_real_key")
    page.get_by_role("button", name="Sign in").click()
    assert "not valid" in field_error(key)
    assert key.input_value() == "af_not_a_real_key"
    shot(page, "admin-signin-bad-key")
    agent_key = live.tenants["a"].keys[Role.AGENT]
    key.fill(agent_key)
    key.press("Enter")
    wait_until(lambda: "admin key" in key.evaluate(FIELD_ERRORS), 10, "the wrong-role message")
    key.fill(live.tenants["a"].keys[Role.ADMIN])
    key.press("Enter")
    nav = page.get_by_role("navigation", name="Admin sections")
    nav.wait_for()

    # a worker with skills, levels and a chat capacity
    workers = section(page, "Workers", "workers")
    workers.get_by_label("Name").fill("Ada Agent")
    workers.get_by_label("Skills").fill("billing, sales")
    workers.get_by_label("Levels").fill("billing=4, sales")  # `sales` has no level
    workers.get_by_role("button", name="Add worker").click()
    assert "skill=level" in field_error(workers.get_by_label("Levels"))
    assert workers.get_by_label("Name").input_value() == "Ada Agent"
    workers.get_by_label("Levels").fill("billing=4, sales=2")
    workers.get_by_label("Languages").fill("en, fr")
    workers.get_by_label("Chat capacity").fill("2")
    workers.get_by_role("button", name="Add worker").click()
    row = workers.locator("tbody tr", has_text="Ada Agent")
    row.wait_for()
    assert "billing=4, sales=2" in row.inner_text() and "chat 2" in row.inner_text()
    with live.client() as c:
        (worker,) = c.get("/v1/workers").json()["items"]
    assert worker["attributes"] == {
        "skills": ["billing", "sales"],
        "languages": ["en", "fr"],
        "levels": {"billing": 4, "sales": 2},
    }
    assert worker["capacity"]["chat"] == 2
    shot(page, "admin-workers")
    # edit: the form fills with the worker; a new level and capacity are saved in place
    workers.get_by_role("button", name="Edit worker Ada Agent").click()
    assert workers.get_by_label("Levels").input_value() == "billing=4, sales=2"
    workers.get_by_label("Levels").fill("billing=5, sales=2")
    workers.get_by_label("Chat capacity").fill("4")
    workers.get_by_role("button", name="Save changes").click()
    workers.locator("tbody tr", has_text="billing=5").wait_for()
    with live.client() as c:
        (worker,) = c.get("/v1/workers").json()["items"]
    assert worker["attributes"]["levels"] == {"billing": 5, "sales": 2}
    assert worker["capacity"]["chat"] == 4 and worker["attributes"]["languages"] == ["en", "fr"]

    # a queue, then a second one with the same name
    queues = section(page, "Queues", "queues")
    # checked while typed (nothing saved): the message comes next to the field, the text stays
    target = queues.get_by_label("Target expression")
    target.fill('"billing" IN worker.')
    queues.locator("#q-expr-error").wait_for()
    assert "column" in field_error(target) and target.get_attribute("aria-invalid") == "true"
    assert target.input_value() == '"billing" IN worker.'
    shot(page, "admin-queues-expression-checked-while-typed")
    target.fill('"billing" IN worker.skills')
    queues.locator("#q-expr-error").wait_for(state="detached")
    assert target.get_attribute("aria-invalid") is None
    queues.get_by_label("Name").fill("Billing")
    queues.get_by_label("Target expression").fill('"billing" IN worker.skills')
    queues.get_by_role("button", name="Add queue").click()
    queues.locator("tbody tr", has_text="Billing").wait_for()
    queues.get_by_label("Name").fill("Billing")
    queues.get_by_label("Target expression").fill("worker.levels.billing >= 3")
    queues.get_by_role("button", name="Add queue").click()
    assert "already used" in field_error(queues.get_by_label("Name"))
    assert queues.get_by_label("Name").input_value() == "Billing"
    assert queues.get_by_label("Target expression").input_value() == "worker.levels.billing >= 3"
    shot(page, "admin-queues-duplicate-name")
    queues.get_by_label("Name").fill("Billing experts")
    queues.get_by_role("button", name="Add queue").click()
    queues.locator("tbody tr", has_text="Billing experts").wait_for()
    assert queues.locator("[aria-invalid=true]").count() == 0

    # a workflow whose filter expression does not parse, then fixed
    flows = section(page, "Workflows", "workflows")
    flows.get_by_label("Name", exact=True).fill("Chat routing")
    flows.get_by_label("Filter name").fill("billing chats")
    expression = flows.get_by_label("Filter expression")
    expression.fill('task.topic == "billing" AND')
    flows.get_by_label("Filter's queue").select_option(label="Billing experts")
    flows.get_by_label("Default queue").select_option(label="Billing")
    flows.get_by_role("button", name="Save workflow").click()
    message = field_error(expression)
    found = re.search(r"column (\d+)", message)
    assert found, message
    column = int(found.group(1))
    assert expression.input_value() == 'task.topic == "billing" AND'
    # the field has focus with the caret where the expression stopped parsing
    assert expression.evaluate("el => document.activeElement === el")
    assert expression.evaluate("el => el.selectionStart") == column - 1
    shot(page, "admin-workflow-bad-expression")
    expression.fill('task.topic == "billing"')
    flows.get_by_role("button", name="Save workflow").click()
    flows.locator("tbody tr", has_text="Chat routing").wait_for()
    assert expression.get_attribute("aria-invalid") is None
    with live.client() as c:
        (workflow,) = c.get("/v1/workflows").json()
    assert workflow["filters"][0]["expression"] == 'task.topic == "billing"'

    # edit it: a second filter, first with a bad worker expression
    flows.get_by_role("button", name="Edit workflow Chat routing").click()
    flows.get_by_role("button", name="Add a filter").click()
    second = flows.locator("fieldset.filter").nth(1)
    second.get_by_label("Filter name").fill("french")
    second.get_by_label("Filter expression").fill('task.language == "fr"')
    second.get_by_label("Filter's queue").select_option(label="Billing")
    worker_expression = second.get_by_label("Worker expression")
    worker_expression.fill("task.language IN worker.")
    flows.get_by_role("button", name="Save changes").click()
    assert "column" in field_error(worker_expression).lower()
    assert flows.locator("fieldset.filter").first.locator("[aria-invalid=true]").count() == 0
    shot(page, "admin-workflow-edit-bad-worker-expression")
    worker_expression.fill("task.language IN worker.languages")
    flows.get_by_role("button", name="Save changes").click()
    flows.locator("tbody tr", has_text="french").wait_for()
    with live.client() as c:
        (workflow,) = c.get("/v1/workflows").json()
    assert [f["name"] for f in workflow["filters"]] == ["billing chats", "french"]
    shot(page, "admin-workflows")


def test_flows_preview_dispositions_hours_and_keys(live: LiveServer, page: Any, shot: Shot) -> None:
    sign_in(page, live)

    # a flow with problems: each listed by its path next to the editor, the text kept
    panel = section(page, "Flows", "flows")
    editor = panel.get_by_label("Flow document (YAML)")
    editor.fill(BAD_FLOW)
    panel.get_by_role("button", name="Validate and save version").click()
    problems = panel.locator("#flow-errors")
    problems.wait_for()
    listed = problems.inner_text()
    assert "blocks.hello.type" in listed and "blocks.ask.expression" in listed, listed
    assert editor.input_value() == BAD_FLOW
    assert editor.get_attribute("aria-invalid") == "true"
    assert "flow-errors" in (editor.get_attribute("aria-describedby") or "")
    panel.get_by_role("button", name="Go to blocks.ask.expression").click()
    selected = editor.evaluate("el => el.value.slice(el.selectionStart, el.selectionEnd)")
    assert "expression:" in selected, selected
    shot(page, "admin-flow-errors")

    # not YAML at all
    editor.fill("name: [unclosed")
    panel.get_by_role("button", name="Validate and save version").click()
    wait_until(lambda: "line 1" in problems.inner_text().lower(), 10, "the YAML error")
    assert editor.input_value() == "name: [unclosed"
    panel.get_by_role("button", name="Go to line 1").click()
    assert editor.evaluate("el => document.activeElement === el && el.selectionStart > 0")

    # a good flow is saved as version 1, then previewed in a test chat
    editor.fill(GOOD_FLOW)
    panel.get_by_role("button", name="Validate and save version").click()
    panel.get_by_text("Saved version 1 of Chat entry").wait_for()
    assert problems.is_hidden()
    panel.locator("#flows-table tbody tr", has_text="Chat entry").wait_for()
    # a second version; the first stays as it was and can be shown again
    editor.fill(GOOD_FLOW.replace("Goodbye from", "Bye from"))
    editor.press("Control+Enter")
    panel.get_by_text("Saved version 2 of Chat entry").wait_for()
    panel.get_by_label("Version shown").select_option("1")
    wait_until(lambda: editor.input_value() == GOOD_FLOW, 10, "version 1 in the editor")
    panel.get_by_label("Tenant slug").fill(live.tenants["a"].slug)
    panel.get_by_role("button", name="Use as entry flow and open test chat").click()
    panel.locator("#entry-flow", has_text="Chat entry").wait_for()
    page.locator("#preview-frame").scroll_into_view_if_needed()
    chat = page.frame_locator("#preview-frame")
    chat.get_by_role("button", name="Chat with us").click()
    box = chat.get_by_placeholder("Type a message")
    box.fill("hello")
    box.press("Enter")
    chat.locator(".af-msg", has_text="Welcome to the preview flow!").wait_for(timeout=30_000)
    shot(page, "admin-flow-preview")

    # dispositions
    panel = section(page, "Dispositions", "dispositions")
    panel.get_by_label("Code").fill("resolved")
    panel.get_by_label("Label").fill("Resolved")
    panel.get_by_role("button", name="Add disposition").click()
    panel.locator("tbody tr", has_text="resolved").wait_for()
    panel.get_by_label("Code").fill("resolved")
    panel.get_by_label("Label").fill("Resolved again")
    panel.get_by_role("button", name="Add disposition").click()
    assert field_error(panel.get_by_label("Code"))
    assert panel.get_by_label("Label").input_value() == "Resolved again"
    shot(page, "admin-dispositions")

    # business hours: a time zone that does not exist, then a good one
    panel = section(page, "Business hours", "hours")
    assert panel.get_by_label("Monday").input_value() == "09:00-17:00"
    zone = panel.get_by_label("Time zone")
    zone.fill("Mars/Olympus")
    panel.get_by_label("Saturday").fill("10:00-12:00, 13:00-15:00")
    panel.get_by_label("Closed dates").fill("2026-12-25")
    panel.get_by_role("button", name="Save business hours").click()
    assert "Mars/Olympus" in field_error(zone)
    assert zone.input_value() == "Mars/Olympus"
    shot(page, "admin-hours-bad-zone")
    panel.get_by_label("Sunday").fill("9 to 5")
    zone.fill("Europe/London")
    panel.get_by_role("button", name="Save business hours").click()
    assert field_error(panel.get_by_label("Sunday"))
    panel.get_by_label("Sunday").fill("")
    panel.get_by_role("button", name="Save business hours").click()
    panel.get_by_text("Business hours saved.").wait_for()
    with live.client() as c:
        settings = c.get("/v1/assistant").json()
    assert settings["timezone"] == "Europe/London"
    assert settings["flow_id"], "saving hours keeps the entry flow"
    assert settings["settings"]["calendar"]["hours"]["sat"] == ["10:00-12:00", "13:00-15:00"]
    assert settings["settings"]["calendar"]["closed_dates"] == ["2026-12-25"]
    panel.get_by_text("Use these hours in a flow").click()
    block = panel.get_by_label("Flow block").input_value()
    flow = f"name: Hours check\nstart: office_hours\nblocks:\n{block}" + (
        "  main_menu: {type: end, message: Open}\n  after_hours: {type: end, message: Closed}\n"
    )
    with live.client() as c:
        r = c.post("/v1/flows", content=flow, headers={"content-type": "application/yaml"})
    assert r.status_code == 201, (block, r.text)  # the block is a valid business_hours block
    shot(page, "admin-hours")

    # an API key: the secret is shown once
    panel = section(page, "API keys", "keys")
    panel.get_by_label("Name").fill("Night shift desk")
    panel.get_by_label("Role").select_option("agent")
    panel.get_by_role("button", name="Create key").click()
    secret = panel.get_by_label("New API key")
    secret.wait_for()
    value = secret.input_value()
    assert value.startswith("af_")
    panel.locator("#keys-table tbody tr", has_text="Night shift desk").wait_for()
    with live.client() as c:
        r = c.get("/v1/me", headers={"Authorization": f"Bearer {value}"})
    assert r.status_code == 200 and r.json()["role"] == "agent"
    shot(page, "admin-keys-secret")
    panel.get_by_role("button", name="Done").click()
    assert secret.is_hidden() and secret.input_value() == ""
    page.once("dialog", lambda dialog: dialog.accept())
    panel.get_by_role("button", name="Revoke key Night shift desk").click()
    panel.locator("#keys-table tbody tr", has_text="Night shift desk").filter(
        has_text="revoked"
    ).wait_for()
    with live.client() as c:
        r = c.get("/v1/me", headers={"Authorization": f"Bearer {value}"})
    assert r.status_code == 401


def _fits(page: Any, width: int) -> bool:
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {width}"))


def test_narrow_screen_and_keyboard(live: LiveServer, page: Any, shot: Shot) -> None:
    width = 400
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live.base_url}/admin")
    # keyboard only: the key field has focus, Enter signs in
    page.keyboard.type(live.tenants["a"].keys[Role.ADMIN])
    page.keyboard.press("Enter")
    page.get_by_role("navigation", name="Admin sections").wait_for()
    shot(page, "admin-narrow-workers")
    for name, anchor in [
        ("Queues", "queues"),
        ("Workflows", "workflows"),
        ("Flows", "flows"),
        ("Business hours", "hours"),
        ("API keys", "keys"),
        ("Dispositions", "dispositions"),
    ]:
        panel = section(page, name, anchor)
        assert _fits(page, width), f"{name} overflows at {width}px"
        for control in panel.locator("input:visible, select:visible, textarea:visible").all():
            box = control.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, name
            labelled = "el => el.labels.length > 0 || el.hasAttribute('aria-label')"
            assert control.evaluate(labelled), f"{name}: a control without a label"
        shot(page, f"admin-narrow-{anchor}")

    # tab from the navigation to the disposition form and submit it with Enter
    page.get_by_role("link", name="Dispositions").focus()
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "d-code":
            break
    assert page.evaluate("document.activeElement.id") == "d-code"
    page.keyboard.type("callback")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "d-label"
    page.keyboard.type("Call back later")
    page.keyboard.press("Enter")
    page.locator("#dispositions tbody tr", has_text="callback").wait_for()
    assert _fits(page, width)
    shot(page, "admin-narrow-keyboard")

    # the key lasts for the tab: a reload stays signed in; signing out forgets it
    page.reload()
    page.locator("#dispositions tbody tr", has_text="callback").wait_for()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Admin API key").wait_for()
    assert page.evaluate("sessionStorage.length") == 0
