"""Builders for simulation scenarios: a small valid one, changed by overrides."""

from __future__ import annotations

import copy
from typing import Any

from agentfloor.sim import Scenario, parse_scenario


def scenario_data(**overrides: Any) -> dict[str, Any]:
    """Return a valid scenario as plain data: one voice queue, ten agents, one hour."""
    data: dict[str, Any] = {
        "name": "test",
        "start": "2026-03-02T08:00:00",
        "timezone": "Europe/London",
        "interval_s": 900,
        "intervals": 4,
        "seed": 7,
        "queues": [
            {
                "id": "sales",
                "target": '"sales" IN worker.skills',
                "arrivals": {"kind": "poisson", "per_interval": [40, 60, 60, 40]},
                "handle_time": {"kind": "exponential", "mean_s": 180},
                "patience": {"kind": "exponential", "mean_s": 120},
            }
        ],
        "workers": [
            {
                "name": "agents",
                "attributes": {"skills": ["sales"]},
                "staffing": {"kind": "constant", "count": 10},
            }
        ],
    }
    data.update(copy.deepcopy(overrides))
    return data


def make_scenario(**overrides: Any) -> Scenario:
    return parse_scenario(scenario_data(**overrides))


def mmn_scenario(
    agents: int,
    occupancy: float,
    *,
    aht_s: float = 120.0,
    patience_s: float | None = None,
    hours: float,
    warmup_s: float = 3600.0,
    seed: int = 1,
) -> Scenario:
    """M/M/n (M/M/n+M with `patience_s`), offered load `occupancy` x agents, one long interval."""
    queue: dict[str, Any] = {
        "id": "q",
        "arrivals": {"kind": "constant", "per_hour": occupancy * agents / aht_s * 3600},
        "handle_time": {"kind": "exponential", "mean_s": aht_s},
    }
    if patience_s is not None:
        queue["patience"] = {"kind": "exponential", "mean_s": patience_s}
    return parse_scenario(
        {
            "name": f"M/M/{agents}",
            "interval_s": hours * 3600,
            "warmup_s": warmup_s,
            "seed": seed,
            "queues": [queue],
            "workers": [{"name": "agents", "staffing": {"kind": "constant", "count": agents}}],
            "kpis": {"short_abandons": "offered"},  # the closed forms count every abandon
        }
    )
