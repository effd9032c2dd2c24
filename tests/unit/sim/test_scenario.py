from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agentfloor.core.errors import InvalidInput
from agentfloor.sim import (
    ConstantArrivals,
    PoissonArrivals,
    ReplayArrivals,
    load_scenario,
    parse_scenario,
)
from tests.unit.sim.conftest import make_scenario, scenario_data


def problems_of(data: Any, base_dir: Path | None = None) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_scenario(data, base_dir=base_dir)
    return {p.loc: p.message for p in caught.value.problems}


def queue(**overrides: Any) -> dict[str, Any]:
    q: dict[str, Any] = scenario_data()["queues"][0]
    q.update(overrides)
    return q


def test_a_valid_scenario_loads_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "centre.yaml"
    path.write_text(
        """
name: small centre
start: 2026-03-02T08:00:00
timezone: Europe/London
interval_s: 1800
intervals: 2
queues:
  - id: sales
    arrivals: {kind: constant, per_hour: 100}
    handle_time: {kind: lognormal, mean_s: 200, sd_s: 90}
  - id: chat
    channel: chat
    arrivals: {kind: poisson, per_interval: [10, 20]}
    handle_time: {kind: empirical, samples_s: [60, 120, 300]}
    callback: {after_s: 60, share: 0.5}
workers:
  - name: agents
    capacity: {voice: 1, chat: 3}
    staffing: {kind: table, per_interval: [5, 6]}
ai: {share: 0.3, handle_time: {kind: exponential, mean_s: 90}, queues: [chat]}
sweep: {variable: ai.share, values: [0.1, 0.3]}
""",
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    assert scenario.name == "small centre"
    assert scenario.duration_s == 3600
    assert isinstance(scenario.queues[0].arrivals, ConstantArrivals)
    assert scenario.workers[0].capacity == {"voice": 1, "chat": 3}
    assert scenario.start_s == 1_772_438_400.0  # 08:00 in London is 08:00 UTC in March


PROBLEMS: list[tuple[dict[str, Any], str, str]] = [
    ({"intervals": 0}, "intervals", "greater than or equal to 1"),
    ({"warmup_s": 3600}, "warmup_s", "shorter than the horizon"),
    ({"timezone": "Mars/Olympus"}, "timezone", "IANA timezone"),
    ({"queues": []}, "queues", "at least 1"),
    ({"unknown": 1}, "unknown", "Extra inputs"),
    (
        {"queues": [queue(), queue(id="b", arrivals={"kind": "poisson"})]},
        "queues[1].arrivals",
        "exactly one of per_interval or csv",
    ),
    (
        {"queues": [queue(arrivals={"kind": "poisson", "per_interval": [1, 2]})]},
        "queues[0].arrivals.per_interval",
        "has 2 values; the scenario has 4 intervals",
    ),
    (
        {"queues": [queue(arrivals={"kind": "poisson", "per_interval": [1, -2, 3, 4]})]},
        "queues[0].arrivals.per_interval[1]",
        "greater than or equal to 0",
    ),
    (
        {"queues": [queue(arrivals={"kind": "weekly"})]},
        "queues[0].arrivals",
        "does not match any of the expected tags",
    ),
    (
        {"queues": [queue(handle_time={"kind": "lognormal", "mean_s": 100})]},
        "queues[0].handle_time.sd_s",
        "Field required",
    ),
    (
        {"queues": [queue(handle_time={"kind": "exponential", "mean_s": -1})]},
        "queues[0].handle_time.mean_s",
        "greater than 0",
    ),
    (
        {"queues": [queue(handle_time={"kind": "empirical", "samples_s": []})]},
        "queues[0].handle_time.samples_s",
        "at least 1",
    ),
    (
        {"queues": [queue(patience={"kind": "exponential", "mean_s": 0})]},
        "queues[0].patience.mean_s",
        "greater than 0",
    ),
    (
        {"queues": [queue(callback={"after_s": 30, "share": 1.5})]},
        "queues[0].callback.share",
        "less than or equal to 1",
    ),
    ({"queues": [queue(target='"sales" IN')]}, "queues[0].target", "column"),
    ({"queues": [queue(channel="fax")]}, "queues[0].channel", "Input should be"),
    ({"queues": [queue(), queue()]}, "queues[1].id", "used twice"),
    (
        {"queues": [queue(strategy="most_skilled")]},
        "queues[0].skill",
        "required by strategy most_skilled",
    ),
    (
        {"workers": [{"name": "a", "staffing": {"kind": "table", "per_interval": [1]}}]},
        "workers[0].staffing.per_interval",
        "has 1 values",
    ),
    (
        {
            "workers": [
                {
                    "name": "a",
                    "staffing": {
                        "kind": "roster",
                        "shifts": [{"start": "8am", "end": "16:00", "count": 2}],
                    },
                }
            ]
        },
        "workers[0].staffing.shifts[0].start",
        "HH:MM",
    ),
    (
        {
            "workers": [
                {
                    "name": "a",
                    "capacity": {"voice": 0},
                    "staffing": {"kind": "constant", "count": 1},
                }
            ]
        },
        "workers[0].capacity",
        "takes no channel",
    ),
    (
        {
            "workers": [
                {
                    "name": "a",
                    "capacity": {"voice": 101},
                    "staffing": {"kind": "constant", "count": 1},
                }
            ]
        },
        "workers[0].capacity.voice",
        "less than or equal to 100",
    ),
    (
        {
            "ai": {
                "share": 0.3,
                "handle_time": {"kind": "exponential", "mean_s": 60},
                "queues": ["x"],
            }
        },
        "ai.queues[0]",
        "no queue 'x'",
    ),
    ({"routing": {"reservation_timeout_s": 0}}, "routing.reservation_timeout_s", "greater"),
    ({"sweep": {"variable": "ai.share", "values": [0.1]}}, "sweep.variable", "no field"),
    ({"sweep": {"variable": "queues[3].wrapup_s", "values": [1]}}, "sweep.variable", "no field"),
    ({"sweep": {"variable": "seed", "values": []}}, "sweep.values", "at least 1"),
    ({"kpis": {"short_abandons": "ignored"}}, "kpis.short_abandons", "Input should be"),
]


@pytest.mark.parametrize(("overrides", "loc", "says"), PROBLEMS, ids=[c[1] for c in PROBLEMS])
def test_each_problem_names_its_field(overrides: dict[str, Any], loc: str, says: str) -> None:
    problems = problems_of(scenario_data(**overrides))
    assert loc in problems, problems
    assert says in problems[loc]


def test_every_problem_is_reported_at_once() -> None:
    data = scenario_data(intervals=0, timezone="Nowhere/Else", replications=0)
    problems = problems_of(data)
    assert {"intervals", "replications"} <= set(problems)


def test_a_scenario_must_be_a_mapping() -> None:
    assert "(root)" in problems_of(["not", "a", "mapping"])


def test_bad_yaml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("queues: [\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not valid YAML"):
        load_scenario(path)


def test_a_forecast_csv_gives_the_calls_per_interval(tmp_path: Path) -> None:
    (tmp_path / "forecast.csv").write_text(
        "interval,calls\n08:00,10\n08:15,12.5\n08:30,20\n08:45,0\n", encoding="utf-8"
    )
    data = scenario_data(
        queues=[queue(arrivals={"kind": "poisson", "csv": "forecast.csv"})],
    )
    arrivals = parse_scenario(data, base_dir=tmp_path).queues[0].arrivals
    assert isinstance(arrivals, PoissonArrivals)
    assert arrivals.per_interval == [10, 12.5, 20, 0]


def test_csv_problems_name_the_field_and_line(tmp_path: Path) -> None:
    (tmp_path / "forecast.csv").write_text("calls\n10\nmany\n", encoding="utf-8")
    missing = queue(id="b", arrivals={"kind": "replay", "csv": "nope.csv"})
    data = scenario_data(
        queues=[queue(arrivals={"kind": "poisson", "csv": "forecast.csv"}), missing]
    )
    problems = problems_of(data, base_dir=tmp_path)
    assert "line 3" in problems["queues[0].arrivals.csv"]
    assert "cannot read" in problems["queues[1].arrivals.csv"]


def test_replayed_arrivals_are_read_in_the_scenario_timezone(tmp_path: Path) -> None:
    (tmp_path / "calls.csv").write_text(
        "arrived_at,handle_s\n"
        "2026-03-02T08:00:30,100\n"
        "2026-03-02T07:59:00,50\n"  # before the start: skipped
        "2026-03-02T08:10:00+00:00,200\n"
        "120,300\n",  # seconds from the start
        encoding="utf-8",
    )
    data = scenario_data(
        queues=[queue(arrivals={"kind": "replay", "csv": "calls.csv", "handle_column": "handle_s"})]
    )
    arrivals = parse_scenario(data, base_dir=tmp_path).queues[0].arrivals
    assert isinstance(arrivals, ReplayArrivals)
    assert arrivals.times_s == (30.0, 120.0, 600.0)
    assert arrivals.handles_s == (100.0, 300.0, 200.0)


def test_with_value_sets_one_field_and_validates_again() -> None:
    scenario = make_scenario(sweep={"variable": "workers[0].staffing.count", "values": [8, 12]})
    changed = scenario.with_value("workers[0].staffing.count", 12)
    assert changed.workers[0].staffing.count == 12  # type: ignore[union-attr]  # constant
    assert changed.sweep is None
    with pytest.raises(InvalidInput) as caught:
        scenario.with_value("workers[0].staffing.count", -1)
    assert "workers[0].staffing.count" in {p.loc for p in caught.value.problems}


def test_roster_shifts_run_past_midnight() -> None:
    scenario = make_scenario()
    from agentfloor.sim import Shift

    assert scenario.shift_bounds_s(Shift(start="08:00", end="16:30", count=1)) == (0, 30_600)
    assert scenario.shift_bounds_s(Shift(start="22:00", end="06:00", count=1)) == (50_400, 79_200)
