"""A tenant set up the way a support line runs, for end-to-end tests over a live server."""

from __future__ import annotations

from typing import Any

from tests.e2e.server import LiveServer

# A phone menu as an entry flow: DTMF or the spoken label picks an option, each ends the call.
MENU_FLOW = """
name: Phone menu
start: menu
blocks:
  menu:
    type: menu
    prompt: "Press 1 for opening hours or 2 for our address."
    options:
      - {label: Opening hours, dtmf: "1", next: hours}
      - {label: Address, dtmf: "2", next: address}
    no_match: address
  hours:
    type: end
    message: "We are open from nine to five, Monday to Friday. Goodbye."
  address:
    type: end
    message: "We are at one High Street, London. Goodbye."
"""


def support_line(
    live: LiveServer, tenant: str = "a", *, order: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A Support queue and workflow, the AI agent handing off to it, and one order.

    `order` is the order's body for `POST /v1/orders` (default: ORD-654321, packed). Returns
    the queue and the workflow as the API gave them.
    """
    with live.client(tenant) as c:
        queue = c.post("/v1/queues", json={"name": "Support"}).json()
        flow = c.post(
            "/v1/workflows",
            json={"name": "Support", "filters": [], "default_target": {"queue_id": queue["id"]}},
        ).json()
        r = c.put(
            "/v1/assistant",
            json={
                "timezone": "Europe/London",
                "region": "GB",
                "handoff_workflows": {"default": flow["id"]},
            },
        )
        assert r.status_code == 200, r.text
        r = c.post("/v1/orders", json=order or {"id": "ORD-654321", "status": "packed"})
        assert r.status_code == 200, r.text
    return {"queue": queue, "workflow": flow}
