from __future__ import annotations

import math

import numpy as np
import pytest

from agentfloor.sim import (
    EmpiricalTime,
    ExponentialTime,
    LognormalTime,
    draw_contacts,
    draw_times,
    plan_workers,
)
from tests.unit.sim.conftest import make_scenario, scenario_data


@pytest.mark.parametrize(
    ("dist", "mean", "sd"),
    [
        (ExponentialTime(kind="exponential", mean_s=200), 200, 200),
        (LognormalTime(kind="lognormal", mean_s=300, sd_s=120), 300, 120),
        (EmpiricalTime(kind="empirical", samples_s=[10, 20, 60]), 30, math.sqrt(1400 / 3)),
    ],
    ids=["exponential", "lognormal", "empirical"],
)
def test_time_distributions_have_the_mean_and_spread_asked_for(
    dist: ExponentialTime | LognormalTime | EmpiricalTime, mean: float, sd: float
) -> None:
    draws = draw_times(dist, np.random.default_rng(3), 200_000)
    assert draws.mean() == pytest.approx(mean, rel=0.01)
    assert draws.std() == pytest.approx(sd, rel=0.02)
    assert draws.min() >= 0


def test_poisson_arrivals_follow_the_interval_profile() -> None:
    q = scenario_data()["queues"][0]
    q["arrivals"] = {"kind": "poisson", "per_interval": [100, 0, 300, 50]}
    scenario = make_scenario(queues=[q])
    counts = np.zeros(4)
    for seed in range(40):
        at = np.array(draw_contacts(scenario, seed).at_s)
        counts += np.bincount((at // 900).astype(int), minlength=4)
    assert counts / 40 == pytest.approx([100, 0, 300, 50], rel=0.05, abs=0.5)


def test_contacts_are_in_arrival_order_and_reproducible() -> None:
    scenario = make_scenario()
    contacts = draw_contacts(scenario, 1)
    assert contacts.at_s == sorted(contacts.at_s)
    assert contacts == draw_contacts(scenario, 1)
    assert contacts != draw_contacts(scenario, 2)


def test_changing_one_setting_keeps_the_other_draws() -> None:
    # common random numbers: the AI share changes who is contained, not who arrives when
    ai = {"share": 0.2, "handle_time": {"kind": "exponential", "mean_s": 60}}
    low = draw_contacts(make_scenario(ai=ai), 1)
    high = draw_contacts(make_scenario(ai={**ai, "share": 0.6}), 1)
    assert (low.at_s, low.handle_s, low.patience_s) == (high.at_s, high.handle_s, high.patience_s)
    assert sum(high.contained) > sum(low.contained)


def test_an_interval_table_logs_the_highest_numbered_workers_in_and_out() -> None:
    scenario = make_scenario(
        workers=[{"name": "a", "staffing": {"kind": "table", "per_interval": [1, 3, 2, 0]}}]
    )
    plans = {p.id: p.sessions for p in plan_workers(scenario)}
    assert plans == {
        "wrk_a_0001": ((0.0, 2700.0),),
        "wrk_a_0002": ((900.0, 2700.0),),
        "wrk_a_0003": ((900.0, 1800.0),),
    }


def test_the_last_interval_staffing_holds_so_the_run_drains() -> None:
    scenario = make_scenario(
        workers=[{"name": "a", "staffing": {"kind": "table", "per_interval": [0, 2, 1, 2]}}]
    )
    plans = {p.id: p.sessions for p in plan_workers(scenario)}
    assert plans == {
        "wrk_a_0001": ((900.0, math.inf),),
        "wrk_a_0002": ((900.0, 1800.0), (2700.0, math.inf)),
    }
