"""`POST /v1/wfm/staffing` over HTTP: the answers of `agentfloor staff`, 422 on bad input."""

from __future__ import annotations

from tests.e2e.server import LiveServer


def test_staffing_answers_erlang_c_and_a(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post(
            "/v1/wfm/staffing",
            json={"calls": 1200, "aht_s": 240, "interval_s": 1800, "patience_s": 90},
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["traffic_erlangs"] == 160.0
    c_model, a_model = body["models"]
    assert (c_model["model"], c_model["agents"]) == ("erlang-c", 169)
    assert c_model["performance"]["service_level"] >= 0.8 > 0
    assert (a_model["model"], a_model["agents"]) == ("erlang-a", 148)
    assert 0 < a_model["performance"]["prob_abandon"] < 0.1


def test_shrinkage_and_occupancy_cap_raise_the_schedule(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post(
            "/v1/wfm/staffing",
            json={"calls": 1200, "aht_s": 240, "shrinkage": 0.3, "max_occupancy": 0.85},
        )
    (answer,) = r.json()["models"]
    assert answer["agents"] == 189 and answer["scheduled"] == 270 and answer["occupancy_bound"]


def test_bad_numbers_are_422_naming_the_field(live: LiveServer) -> None:
    with live.client() as c:
        for body, loc in (
            ({"calls": -5, "aht_s": 240}, "calls"),
            ({"calls": 100, "aht_s": 0}, "aht_s"),
            ({"calls": 100, "aht_s": 240, "service_level": 1.5}, "service_level"),
            ({"calls": 100, "aht_s": 240, "max_abandon": 0.05}, "body"),
            ({"calls": 100, "aht_s": 240, "surprise": 1}, "surprise"),
        ):
            r = c.post("/v1/wfm/staffing", json=body)
            assert r.status_code == 422, (body, r.text)
            assert any(loc in e["loc"] for e in r.json()["errors"]), (body, r.json())
