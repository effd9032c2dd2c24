"""KPI reports over real HTTP: routed work in, JSON and CSV out, bad requests a 422."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from agentfloor.access.model import Role
from tests.e2e.server import LiveServer


@pytest.fixture(scope="module")
def worked(live: LiveServer) -> dict[str, Any]:
    """Tenant a: one voice call answered and completed with a sale, one abandoned at once."""
    with live.client() as c:
        queue = c.post("/v1/queues", json={"name": "Sales line"}).json()
        c.post("/v1/dispositions", json={"code": "sale", "label": "Sale"})
        worker = c.post("/v1/workers", json={"name": "Cat", "capacity": {"voice": 1}}).json()
        r = c.post(f"/v1/workers/{worker['id']}/activity", json={"activity": "available"})
        assert r.status_code == 200, r.text
        customer = c.post("/v1/customers", json={"name": "Dee"}).json()
        interaction = c.post(
            "/v1/interactions",
            json={"channel": "voice", "customer_id": customer["id"], "reason": "upgrade"},
        ).json()
        task = c.post(
            "/v1/tasks",
            json={"channel": "voice", "queue_id": queue["id"], "interaction_id": interaction["id"]},
        ).json()
        offered = c.get(f"/v1/tasks/{task['id']}").json()
        assert offered["state"] == "reserved", offered
        reservations = c.get(f"/v1/tasks/{task['id']}/reservations").json()
        rid = next(r["id"] for r in reservations if r["state"] == "pending")
        r = c.post(f"/v1/reservations/{rid}/accept", json={"worker_id": worker["id"]})
        assert r.status_code == 200, r.text
        r = c.post(
            f"/v1/tasks/{task['id']}/complete",
            json={"worker_id": worker["id"], "disposition_code": "sale"},
        )
        assert r.status_code == 200, r.text
        lost = c.post("/v1/tasks", json={"channel": "voice", "queue_id": queue["id"]}).json()
        r = c.post(f"/v1/tasks/{lost['id']}/cancel", json={"reason": "abandoned"})
        assert r.status_code == 200, r.text
    return {"queue": queue, "worker": worker}


def test_kpis_by_queue_as_json(live: LiveServer, worked: dict[str, Any]) -> None:
    with live.client(role=Role.SUPERVISOR) as c:
        r = c.get("/v1/analytics/kpis", params={"by": "queue,channel"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["timezone"] == "UTC" and body["by"] == ["queue", "channel"]
    row = next(x for x in body["rows"] if x["group"]["queue"] == worked["queue"]["id"])
    assert row["group"]["channel"] == "voice"
    k = row["kpis"]
    assert (k["offered"], k["answered"], k["abandoned"], k["short_abandoned"]) == (2, 1, 1, 1)
    assert k["service_level"] == 1.0  # the quick abandon is excluded by default
    assert k["completed"] == 1 and k["aht_s"] is not None
    assert body["total"]["offered"] >= 2
    assert body["params"]["short_abandons"] == "excluded"


def test_short_abandons_counted_as_offered_lower_the_service_level(
    live: LiveServer, worked: dict[str, Any]
) -> None:
    with live.client() as c:
        r = c.get("/v1/analytics/kpis", params={"by": "queue", "short_abandons": "offered"})
    row = next(x for x in r.json()["rows"] if x["group"]["queue"] == worked["queue"]["id"])
    assert row["kpis"]["service_level"] == 0.5 and row["kpis"]["abandonment_rate"] == 0.5


def test_kpis_by_worker_as_csv(live: LiveServer, worked: dict[str, Any]) -> None:
    with live.client() as c:
        by_param = c.get("/v1/analytics/kpis", params={"by": "worker", "format": "csv"})
        by_accept = c.get(
            "/v1/analytics/kpis", params={"by": "worker"}, headers={"Accept": "text/csv"}
        )
    assert by_param.status_code == 200, by_param.text
    assert by_param.headers["content-type"].startswith("text/csv")
    # the same report (staffed time grows with the real clock between the two calls)
    assert by_accept.text.splitlines()[0] == by_param.text.splitlines()[0]
    rows = list(csv.DictReader(io.StringIO(by_param.text)))
    cat = next(r for r in rows if r["worker"] == worked["worker"]["id"])
    assert (cat["answered"], cat["completed"]) == ("1", "1")
    assert float(cat["staffed_s"]) > 0  # available since the fixture set it
    assert rows[-1]["worker"] == "total"


@pytest.mark.parametrize(
    ("params", "loc", "words"),
    [
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to", "must end after it starts"),
        ({"from": "yesterday"}, "from", "not an ISO 8601"),
        ({"by": "hour"}, "by", "unknown grouping"),
        ({"by": "interval", "interval": "7m"}, "interval", "divide a day"),
        (
            {"from": "2026-01-01", "to": "2026-12-31", "by": "interval", "interval": "5m"},
            "interval",
            "more than 20000",
        ),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "to", "longer than 400 days"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown timezone"),
        ({"short_abandons": "sometimes"}, "query.short_abandons", "excluded"),
    ],
    ids=["reversed", "not-a-date", "group", "interval", "too-many", "too-long", "tz", "enum"],
)
def test_bad_requests_are_422_naming_the_parameter(
    live: LiveServer, worked: dict[str, Any], params: dict[str, str], loc: str, words: str
) -> None:
    with live.client() as c:
        r = c.get("/v1/analytics/kpis", params=params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["errors"][0]["loc"] == loc and words in r.text


def test_agents_may_not_read_reports(live: LiveServer) -> None:
    with live.client(role=Role.AGENT) as c:
        assert c.get("/v1/analytics/kpis").status_code == 403
