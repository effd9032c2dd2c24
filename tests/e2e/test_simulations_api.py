"""`POST /v1/simulations` over HTTP: KPIs with CIs, the HTML report, 422s naming the field."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints (types-PyYAML does)

from agentfloor.access.model import Role
from agentfloor.api.routes import simulations
from agentfloor.api.routes.simulations import CONTACT_BUDGET
from tests.e2e.server import LiveServer

SCENARIO: dict[str, Any] = {
    "name": "api centre",
    "start": "2026-03-02T09:00:00",
    "timezone": "Europe/London",
    "interval_s": 900,
    "intervals": 4,
    "seed": 3,
    "replications": 3,
    "queues": [
        {
            "id": "support",
            "arrivals": {"kind": "poisson", "per_interval": [20, 30, 30, 20]},
            "handle_time": {"kind": "exponential", "mean_s": 150},
            "patience": {"kind": "exponential", "mean_s": 90},
        }
    ],
    "workers": [{"name": "agents", "staffing": {"kind": "constant", "count": 4}}],
}


def scenario(**overrides: Any) -> dict[str, Any]:
    data = copy.deepcopy(SCENARIO)
    data.update(overrides)
    return data


def test_a_scenario_answers_kpis_with_confidence_intervals(live: LiveServer) -> None:
    with live.client(role=Role.SUPERVISOR) as c:
        r = c.post("/v1/simulations", json=scenario())
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["scenario"], body["seed"], body["replications"]) == ("api centre", 3, 3)
    sl = body["kpis"]["service_level"]
    assert sl["n"] == 3 and sl["low"] <= sl["mean"] <= sl["high"]
    assert set(body["kpis"]["service_level[support]"]) >= {"mean", "half_width", "low", "high"}
    assert len(body["series"]["queue_length"]["mean"]) == 4
    assert body["wall_time_s"] > 0
    simulations.SimulationOut.model_validate(body)  # the documented schema


def test_yaml_body_and_replications_query(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post(
            "/v1/simulations?replications=2",
            content=yaml.safe_dump(scenario()),
            headers={"Content-Type": "application/yaml"},
        )
    assert r.status_code == 200, r.text
    assert r.json()["replications"] == 2 and len(r.json()["seeds"]) == 2


def test_format_html_is_the_report_with_its_plots(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post("/v1/simulations?format=html&replications=2", json=scenario())
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert page.startswith("<!DOCTYPE html>") and "api centre" in page
    assert page.count('<img src="data:image/png;base64,') == 4


def test_a_bad_scenario_is_422_naming_the_field(live: LiveServer) -> None:
    bad = scenario()
    bad["queues"][0]["handle_time"]["mean_s"] = 0
    with live.client() as c:
        r = c.post("/v1/simulations", json=bad)
        mismatch = c.post(
            "/v1/simulations",
            json=scenario(
                workers=[{"name": "a", "staffing": {"kind": "table", "per_interval": [1]}}]
            ),
        )
        not_json = c.post(
            "/v1/simulations", content=b"{", headers={"Content-Type": "application/json"}
        )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in r.json()["errors"]] == ["body.queues[0].handle_time.mean_s"]
    assert mismatch.status_code == 422
    assert "body.workers[0].staffing.per_interval" in [e["loc"] for e in mismatch.json()["errors"]]
    assert not_json.status_code == 422 and "not valid JSON" in not_json.json()["detail"]


def test_yaml_aliases_are_refused(live: LiveServer) -> None:
    text = yaml.safe_dump(scenario()) + "extra: &a [1, 2]\nmore: *a\n"
    with live.client() as c:
        r = c.post("/v1/simulations", content=text, headers={"Content-Type": "application/yaml"})
    assert r.status_code == 422 and "aliases" in r.json()["detail"]


def test_files_are_not_read_over_the_api(live: LiveServer) -> None:
    body = scenario()
    body["queues"][0]["arrivals"] = {"kind": "poisson", "csv": "/etc/passwd"}
    with live.client() as c:
        r = c.post("/v1/simulations", json=body)
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["errors"]] == ["body.queues[0].arrivals.csv"]


def test_over_budget_is_422_before_anything_runs(live: LiveServer) -> None:
    huge = scenario(replications=30)  # 80,000 contacts x 30 replications: 2.4 million
    huge["queues"][0]["arrivals"] = {"kind": "poisson", "per_interval": [20_000] * 4}
    with live.client() as c:
        r = c.post("/v1/simulations", json=huge)
        too_many = c.post("/v1/simulations?replications=51", json=scenario())
        body_too_many = c.post("/v1/simulations", json=scenario(replications=500))
    assert r.status_code == 422, r.text
    assert "80,000 contacts x 30 replications" in r.json()["detail"]
    assert "budget" in r.json()["detail"] and r.json()["budget"] == CONTACT_BUDGET
    assert too_many.status_code == 422
    assert "query.replications" in [e["loc"] for e in too_many.json()["errors"]]
    assert body_too_many.status_code == 422
    assert [e["loc"] for e in body_too_many.json()["errors"]] == ["body.replications"]


def test_agents_may_not_simulate(live: LiveServer) -> None:
    with live.client(role=Role.AGENT) as c:
        r = c.post("/v1/simulations", json=scenario())
    assert r.status_code == 403


def test_bigger_runs_use_processes_and_give_the_same_numbers(
    live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with live.client() as c:
        in_thread = c.post("/v1/simulations?replications=2", json=scenario())
        monkeypatch.setattr(simulations, "_IN_THREAD_CONTACTS", 0)  # everything is "big"
        in_processes = c.post("/v1/simulations?replications=2", json=scenario())
    assert in_processes.status_code == 200, in_processes.text
    assert in_processes.json()["workers"] > 1 or (os.cpu_count() or 1) == 1
    assert in_processes.json()["kpis"] == in_thread.json()["kpis"]


def test_other_media_types_are_415(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post("/v1/simulations", content=b"x", headers={"Content-Type": "text/csv"})
    assert r.status_code == 415 and "application/yaml" in r.json()["detail"]


def test_a_busy_server_answers_503_to_retry(live: LiveServer) -> None:
    held = [simulations._running.acquire(blocking=False) for _ in range(simulations.MAX_CONCURRENT)]
    try:
        with live.client() as c:
            r = c.post("/v1/simulations", json=scenario())
    finally:
        for ok in held:
            if ok:
                simulations._running.release()
    assert all(held)
    assert r.status_code == 503 and r.json()["retry_after_s"] == 60
