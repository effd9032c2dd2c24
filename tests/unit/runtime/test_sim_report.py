"""Simulation reports: queue length by interval, the series, the KPI summary, HTML and JSON."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest

from agentfloor.analytics import LogEntry
from agentfloor.runtime import sim_report_series
from agentfloor.runtime.sim_report import expected_contacts, report_json, simulate
from agentfloor.runtime.sim_report_html import format_ci, format_kpi, report_html
from agentfloor.runtime.sim_report_series import SERIES, interval_series, queue_length_by_interval
from agentfloor.sim import Scenario, log_entries, parse_scenario, replicate, run_scenario


def tiny(**overrides: Any) -> Scenario:
    """One voice queue, four agents, four 15-minute intervals (about 100 calls)."""
    data: dict[str, Any] = {
        "name": "tiny <centre>",
        "start": "2026-03-02T08:00:00",
        "timezone": "Europe/London",
        "interval_s": 900,
        "intervals": 4,
        "seed": 11,
        "replications": 3,
        "queues": [
            {
                "id": "sales",
                "arrivals": {"kind": "poisson", "per_interval": [20, 30, 30, 20]},
                "handle_time": {"kind": "exponential", "mean_s": 150},
                "patience": {"kind": "exponential", "mean_s": 90},
            }
        ],
        "workers": [{"name": "agents", "staffing": {"kind": "constant", "count": 4}}],
    }
    data.update(overrides)
    return parse_scenario(data)


def entry(kind: str, at: float, task: str | None = None) -> LogEntry:
    return LogEntry(type=kind, at=at, task_id=task, queue_id="q")


def test_queue_length_is_the_time_average_of_tasks_waiting_per_interval() -> None:
    log = [
        entry("task.queued", -50, "e"),  # queued before the start: counts from the start
        entry("task.queued", 10, "a"),
        entry("task.assigned", 30, "e"),  # interval 0: e 30 s
        entry("worker.activity_changed", 40),  # no task: ignored
        entry("task.assigned", 60, "a"),  # interval 0: a 50 s
        entry("task.queued", 80, "b"),
        entry("task.queued", 150, "c"),
        entry("task.callback_requested", 160, "c"),  # keeps its place: still waiting
        entry("task.canceled", 180, "c"),  # interval 1: c 30 s
        entry("task.queued", 200, "a"),  # queued again (a transfer): waits again
        entry("task.assigned", 220, "a"),  # interval 2: a 20 s
        entry("task.abandoned", 250, "b"),  # b: 20 s + 100 s + 50 s
        entry("task.completed", 260, "a"),
        entry("task.queued", 280, "d"),  # never leaves: waits to the end, 20 s
    ]
    got = queue_length_by_interval(log, 0.0, 100.0, 3)
    assert got == pytest.approx([100 / 100, 130 / 100, 90 / 100])


def test_queue_length_of_an_empty_log_is_zero() -> None:
    assert queue_length_by_interval([], 0.0, 60.0, 2) == [0.0, 0.0]


def test_expected_contacts_sums_the_arrival_rates() -> None:
    scenario = tiny(
        queues=[
            {
                "id": "a",
                "arrivals": {"kind": "poisson", "per_interval": [1, 2, 3, 4]},
                "handle_time": {"kind": "exponential", "mean_s": 60},
            },
            {
                "id": "b",
                "arrivals": {"kind": "constant", "per_hour": 40},
                "handle_time": {"kind": "exponential", "mean_s": 60},
            },
        ]
    )
    assert expected_contacts(scenario) == pytest.approx(10 + 40)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"start": "2026-03-02T08:05:00"},  # off the local clock's 15-minute grid
        {"start": "2026-03-29T00:00:00", "intervals": 8},  # clocks go forward at 01:00
        {"interval_s": 420},  # 7 minutes: does not divide a day
    ],
    ids=["on-the-grid", "off-the-grid", "dst-change", "odd-length"],
)
def test_interval_series_are_each_intervals_own_report(overrides: dict[str, Any]) -> None:
    if "intervals" in overrides:
        overrides["queues"] = [
            {
                "id": "sales",
                "arrivals": {"kind": "poisson", "per_interval": [15] * overrides["intervals"]},
                "handle_time": {"kind": "exponential", "mean_s": 150},
                "patience": {"kind": "exponential", "mean_s": 90},
            }
        ]
    scenario = tiny(**overrides)
    entries = list(log_entries(run_scenario(scenario)))
    series = interval_series(scenario, entries)
    one_by_one = sim_report_series._reports_one_by_one(scenario, entries)
    assert set(series) == set(SERIES)
    for name in ("service_level", "abandonment_rate", "occupancy"):
        expected = [math.nan if (v := getattr(k, name)) is None else v for k in one_by_one]
        assert series[name] == pytest.approx(expected, nan_ok=True), name
    assert len(series["queue_length"]) == scenario.intervals
    assert not any(math.isnan(v) for v in series["occupancy"])
    assert all(0 <= v <= 1 for v in series["service_level"] if not math.isnan(v))


def test_simulate_gives_the_kpis_replicate_gives_and_reports_progress() -> None:
    scenario = tiny()
    calls: list[tuple[int, int]] = []
    report = simulate(scenario, workers=1, on_progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    expected = replicate(scenario, backend="serial")
    assert report.summary.seeds == expected.seeds
    for name, estimate in expected.kpis.items():
        got = report.summary.kpis[name]
        assert got.values == pytest.approx(estimate.values, nan_ok=True), name
    assert set(report.series) == set(SERIES)
    sl = report.series["service_level"]
    for low, mean, high in zip(sl.low, sl.mean, sl.high, strict=True):
        assert low <= mean <= high
    assert report.interval_starts[1] - report.interval_starts[0] == 900
    assert report.contacts > 0 and report.sweep is None


def test_report_html_has_the_table_four_plots_and_the_ci() -> None:
    report = simulate(tiny(), workers=1)
    page = report_html(report)
    assert page.startswith("<!DOCTYPE html>")
    assert "tiny &lt;centre&gt;" in page and "<centre>" not in page
    assert "<table>" in page and "Service level" in page and "95% CI" in page
    sl = report.summary.kpis["service_level"]
    assert format_kpi("service_level", sl.mean) in page
    assert format_ci(sl).replace("[", "") in page.replace("[", "")
    images = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)">', page)
    assert len(images) == 4
    assert [a.split(" by interval")[0] for a in images] == [
        "Service level",
        "Queue length",
        "Occupancy",
        "Abandonment",
    ]
    assert "Seed</dt><dd>11<" in page and "Replications</dt><dd>3<" in page
    assert "Wall time" in page


def test_report_json_is_strict_json_with_cis_and_series() -> None:
    report = simulate(tiny(), workers=1)
    data = json.loads(json.dumps(report_json(report), allow_nan=False))
    assert (data["scenario"], data["seed"], data["replications"]) == ("tiny <centre>", 11, 3)
    sl = data["kpis"]["service_level"]
    assert sl["low"] <= sl["mean"] <= sl["high"] and sl["n"] == 3
    assert data["kpis"]["containment_rate"]["mean"] is None  # no AI: nothing to divide
    series = data["series"]
    assert len(series["interval_starts"]) == 4
    assert series["interval_starts"][0] == "2026-03-02T08:00:00+00:00"
    assert len(series["queue_length"]["mean"]) == 4
    assert data["sweep"] is None


def test_a_sweep_reports_each_value_and_plots_kpis_against_it() -> None:
    scenario = tiny(
        replications=2, sweep={"variable": "workers[0].staffing.count", "values": [3, 5]}
    )
    report = simulate(scenario, workers=1)
    assert report.sweep is not None and report.series == {}
    assert report.sweep.values == (3, 5)
    low, high = (s.kpis["service_level"].mean for s in report.sweep.summaries)
    assert high > low  # more agents, better service
    page = report_html(report)
    assert page.count("<img ") == 4 and "against workers[0].staffing.count" in page
    data = report_json(report)
    assert data["sweep"]["values"] == [3, 5] and len(data["sweep"]["kpis"]) == 2


def test_a_warm_up_is_stated_and_left_out_of_the_kpis_not_the_series() -> None:
    report = simulate(tiny(warmup_s=900, replications=2), workers=1)
    page = report_html(report)
    assert "Warm-up (not in the KPIs)</dt><dd>15 min<" in page
    assert page.count("<img ") == 4
    offered = report.summary.kpis["offered"].mean
    first = report_json(report)["series"]["queue_length"]["mean"][0]
    assert offered < report.contacts and first is not None  # the series still show interval 0
