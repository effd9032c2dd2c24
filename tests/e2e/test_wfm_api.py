"""`/v1/wfm` over HTTP: staffing, forecast and schedule answers, and a 422 naming each bad field."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from agentfloor.access.model import Principal, Role
from agentfloor.core.clock import VirtualClock
from agentfloor.core.ids import UlidFactory
from agentfloor.interactions.model import Channel, Direction
from agentfloor.runtime import interactions
from agentfloor.runtime.context import ServiceContext
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


# --- POST /v1/wfm/forecast -------------------------------------------------------------------

HISTORY_START = datetime(2026, 1, 5)  # a Monday


def synthetic_history(days: int = 21) -> list[dict[str, object]]:
    """30-minute intervals: closed at night, a midday peak, quieter weekends."""
    rows: list[dict[str, object]] = []
    for i in range(days * 48):
        start = HISTORY_START + timedelta(minutes=30 * i)
        hour = start.hour + start.minute / 60
        daily = max(0.0, math.sin(math.pi * (hour - 7) / 12)) if 7 <= hour < 19 else 0.0
        weekly = 0.4 if start.weekday() >= 5 else 1.0
        rows.append({"start": start.isoformat(), "calls": round(100 * daily * weekly + i % 3, 1)})
    return rows


def test_forecast_follows_the_daily_and_weekly_shape(live: LiveServer) -> None:
    history = synthetic_history()
    del history[500]  # one missing interval: interpolated and reported
    with live.client() as c:
        r = c.post(
            "/v1/wfm/forecast",
            json={"interval_minutes": 30, "history": history, "horizon_days": 7},
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "mstl" and body["interval_minutes"] == 30
    assert len(body["repairs"]) == 1 and "interpolated" in body["repairs"][0]
    points = body["forecast"]
    assert len(points) == 7 * 48
    assert points[0]["start"] == "2026-01-26T00:00:00"  # right after the history (a Monday)
    calls = [p["calls"] for p in points]
    assert min(calls) >= 0
    monday_noon, monday_night = calls[26], calls[4]
    saturday_noon = calls[5 * 48 + 26]
    assert monday_noon > 80 > 10 > monday_night
    assert saturday_noon < 0.6 * monday_noon


def test_forecast_sums_a_finer_history_and_uses_holidays(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post(
            "/v1/wfm/forecast",
            json={
                "interval_minutes": 60,
                "history": synthetic_history(),
                "horizon_days": 1,
                "country": "US",
                "model": "seasonal_naive",
            },
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["forecast"]) == 24 and body["model"] == "seasonal_naive"
    assert "holiday" in body["holiday_factors"]  # 19 Jan 2026 (MLK Day) is in the history


def test_bad_history_is_422_naming_the_row(live: LiveServer) -> None:
    def with_row(i: int, **changes: object) -> list[dict[str, object]]:
        rows = synthetic_history()
        rows[i] = {**rows[i], **changes}
        return rows

    gap = synthetic_history()
    del gap[100:130]
    cases: list[tuple[dict[str, object], str]] = [
        ({"history": with_row(5, calls=-3)}, "body.history.5.calls"),
        ({"history": with_row(7, start=synthetic_history()[6]["start"])}, "body.history.7.start"),
        ({"history": with_row(9, start="2026-01-05T04:10:00")}, "body.history.9.start"),
        ({"history": synthetic_history(days=10)}, "body.history"),
        ({"history": gap}, "body.history"),
        ({"history": with_row(3, calls="many")}, "body.history.3.calls"),
        ({"interval_minutes": 45}, "body.interval_minutes"),
        ({"interval_minutes": 15}, "body.interval_minutes"),  # finer than the history
        ({"horizon_days": 29}, "body.horizon_days"),
        ({"country": "ZZ"}, "body.country"),
        ({"model": "prophet"}, "body.model"),
        ({"surprise": 1}, "body.surprise"),
    ]
    with live.client() as c:
        for change, loc in cases:
            body = {"interval_minutes": 30, "history": synthetic_history(), **change}
            r = c.post("/v1/wfm/forecast", json=body)
            assert r.status_code == 422, (loc, r.text)
            assert loc in [e["loc"] for e in r.json()["errors"]], (loc, r.json())


# --- POST /v1/wfm/schedule -------------------------------------------------------------------


def small_schedule(**changes: object) -> dict[str, object]:
    """One day of 30-minute intervals: 2 agents 08:00-18:00, 3 from 11:00 to 14:00."""
    need = [0] * 48
    for i in range(16, 36):
        need[i] = 3 if 22 <= i < 28 else 2
    body: dict[str, object] = {
        "interval_minutes": 30,
        "requirements": need,
        "templates": [{"name": "day", "length_minutes": 480, "starts_minutes": [480, 540, 600]}],
        "workers": [{"id": f"w{k}", "max_hours": 8} for k in range(4)],
        "time_limit_s": 5,
    }
    return {**body, **changes}


def test_schedule_covers_the_requirement(live: LiveServer) -> None:
    with live.client() as c:
        r = c.post("/v1/wfm/schedule", json=small_schedule())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] in ("optimal", "feasible")
    assert len(body["coverage"]) == len(body["requirements"]) == 48
    totals = body["totals"]
    assert totals["required"] == 46
    assert totals["under_staffed"] == totals["under_staffed_bound"]
    assert totals["paid_hours"] == 8 * totals["shifts"] and totals["workers_rostered"] <= 4
    for s in body["roster"]:
        assert s["end_minutes"] - s["start_minutes"] == 480 and s["break_start_minutes"] is not None
    assert body["coverage"][0] == 0 and max(body["coverage"]) >= 2


def test_bad_schedule_is_422_naming_the_field(live: LiveServer) -> None:
    workers = [{"id": "a", "max_hours": 8}, {"id": "b", "min_hours": 9, "max_hours": 8}]
    cases: list[tuple[dict[str, object], str]] = [
        ({"requirements": [1] * 47}, "body.requirements"),
        ({"requirements": [1, -1] + [0] * 46}, "body.requirements.1"),
        ({"templates": [{"length_minutes": 470}]}, "body.templates.0"),
        ({"templates": [{"length_minutes": 480, "starts_minutes": [485]}]}, "body.templates.0"),
        (
            {"templates": [{"length_minutes": 480, "starts_minutes": [1440]}]},
            "body.templates.0.starts_minutes.0",
        ),
        ({"workers": workers}, "body.workers.1.min_hours"),
        ({"workers": [{"id": "a", "min_hours": 16}]}, "body.workers.0.min_hours"),
        ({"workers": [{"id": "a"}, {"id": "a"}]}, "body.workers"),
        (
            {"workers": [{"id": "a", "window_start_minutes": 600, "window_end_minutes": 300}]},
            "body.workers.0.window_end_minutes",
        ),
        ({"time_limit_s": 0}, "body.time_limit_s"),
        ({"interval_minutes": 20}, "body.interval_minutes"),
        ({"shifts": []}, "body.shifts"),
    ]
    with live.client() as c:
        for change, loc in cases:
            r = c.post("/v1/wfm/schedule", json=small_schedule(**change))
            assert r.status_code == 422, (loc, r.text)
            assert loc in [e["loc"] for e in r.json()["errors"]], (loc, r.json())


def test_proven_infeasible_roster_is_422_with_the_reason(live: LiveServer) -> None:
    # Two 12-hour shifts (noon to midnight) on two days leave 12 h of rest; 24 h are required.
    body = small_schedule(
        requirements=[1] * 96,
        templates=[{"length_minutes": 720, "starts_minutes": [720]}],
        workers=[{"id": "a", "min_hours": 24, "max_hours": 24}],
        min_rest_minutes=1440,
    )
    with live.client() as c:
        r = c.post("/v1/wfm/schedule", json=body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["proven"] is True and "no roster meets the hard rules" in problem["detail"]


def test_a_forecast_from_the_tenants_own_interactions(live: LiveServer) -> None:
    with live.client("b") as c:  # no interactions yet: a 422 pointing at the source
        r = c.post(
            "/v1/wfm/forecast",
            json={"interval_minutes": 60, "from_interactions": {"channel": "sms"}},
        )
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["loc"].startswith("body.from_interactions")
    real = live.container.ctx
    clock = VirtualClock(real.clock.now() - 21 * 86_400)  # three weeks of past contacts
    past = ServiceContext(real.uow, real.bus, clock, UlidFactory(clock))
    admin = Principal(live.tenants["a"].tenant_id, "key_test", Role.ADMIN)
    while clock.now() < real.clock.now() - 3600:
        interactions.create_interaction(
            past, admin, channel=Channel.SMS, direction=Direction.INBOUND
        )
        clock.advance(3 * 3600)
    with live.client() as c:
        r = c.post(
            "/v1/wfm/forecast",
            json={
                "interval_minutes": 60,
                "horizon_days": 1,
                "from_interactions": {"channel": "sms"},
            },
        )
        assert r.status_code == 200, r.text
        assert len(r.json()["forecast"]) == 24
        both = c.post(
            "/v1/wfm/forecast",
            json={
                "interval_minutes": 60,
                "from_interactions": {},
                "history": [{"start": "2026-01-01T00:00:00", "calls": 1}] * 2,
            },
        )
        assert both.status_code == 422


# --- daylight saving and ?format=png -----------------------------------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LONDON = ZoneInfo("Europe/London")


def london_history(first: datetime, days: int) -> list[dict[str, object]]:
    """Half hours of real time stamped in naive London time: 25 October 2026 lists 01:00-02:00
    twice, 29 March 2026 skips it."""
    at = first.replace(tzinfo=LONDON).astimezone(UTC)
    end = (first + timedelta(days=days)).replace(tzinfo=LONDON).astimezone(UTC)
    rows: list[dict[str, object]] = []
    while at < end:
        local = at.astimezone(LONDON).replace(tzinfo=None)
        calls = 20 if 9 <= local.hour < 17 else 4
        rows.append({"start": local.isoformat(), "calls": calls + len(rows) % 2})
        at += timedelta(minutes=30)
    return rows


def test_forecast_reads_a_fall_back_hour_listed_twice_in_the_given_zone(live: LiveServer) -> None:
    history = london_history(datetime(2026, 10, 11), 21)
    body = {"interval_minutes": 30, "history": history, "horizon_days": 1}
    with live.client() as c:
        naive = c.post("/v1/wfm/forecast", json=body)
        assert naive.status_code == 422, naive.text
        assert "give the time zone" in naive.json()["detail"]
        tenant = c.post("/v1/wfm/forecast", json={**body, "timezone": "tenant"})
        assert tenant.status_code == 422  # the test tenants keep UTC: still a duplicate
        r = c.post("/v1/wfm/forecast", json={**body, "timezone": "Europe/London"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["repairs"] == []  # both 01:00-02:00 hours kept: nothing was missing
    starts = [p["start"] for p in answer["forecast"]]
    assert starts[0] == "2026-11-01T00:00:00Z" and len(starts) == 48  # GMT again: offset 0
    assert len(history) == 21 * 48 + 2


def test_forecast_names_the_row_the_spring_forward_skips(live: LiveServer) -> None:
    history = london_history(datetime(2026, 3, 22), 21)
    at = next(i for i, row in enumerate(history) if str(row["start"]) > "2026-03-29T01:30:00")
    history.insert(at, {"start": "2026-03-29T01:30:00", "calls": 3})
    body = {"interval_minutes": 30, "history": history, "timezone": "Europe/London"}
    with live.client() as c:
        r = c.post("/v1/wfm/forecast", json=body)
        assert r.status_code == 422, r.text
        (error,) = r.json()["errors"]
        assert error["loc"] == f"body.history.{at}.start"
        assert "does not exist in Europe/London" in error["message"]
        unknown = c.post("/v1/wfm/forecast", json={**body, "timezone": "Mars/Olympus"})
        assert unknown.status_code == 422
        assert [e["loc"] for e in unknown.json()["errors"]] == ["body.timezone"]
        own = {"interval_minutes": 30, "from_interactions": {}, "timezone": "Europe/London"}
        mixed = c.post("/v1/wfm/forecast", json=own)
        assert mixed.status_code == 422 and "interactions are in UTC" in mixed.text


def test_forecast_and_schedule_plots_come_back_as_png(live: LiveServer) -> None:
    forecast = {"interval_minutes": 30, "history": synthetic_history(), "horizon_days": 2}
    with live.client() as c:
        plots = [
            c.post("/v1/wfm/forecast", params={"format": "png"}, json=forecast),
            c.post("/v1/wfm/schedule", params={"format": "png"}, json=small_schedule()),
        ]
        as_json = c.post("/v1/wfm/schedule", params={"format": "json"}, json=small_schedule())
    for r in plots:
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "image/png"
        assert r.content[:8] == PNG_MAGIC and len(r.content) > 10_000  # a drawn chart
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json()["totals"]["required"] == 46


def test_a_bad_format_is_422_naming_the_choices(live: LiveServer) -> None:
    with live.client() as c:
        for path, body in (
            ("/v1/wfm/forecast", {"interval_minutes": 30, "history": synthetic_history()}),
            ("/v1/wfm/schedule", small_schedule()),
        ):
            r = c.post(path, params={"format": "gif"}, json=body)
            assert r.status_code == 422, r.text
            (error,) = r.json()["errors"]
            assert error["loc"] == "query.format"
            assert "'json'" in error["message"] and "'png'" in error["message"]
