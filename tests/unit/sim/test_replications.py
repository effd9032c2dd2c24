from __future__ import annotations

import importlib.util
import math

import pytest
from scipy import stats

from agentfloor.core.errors import InvalidInput
from agentfloor.sim import replicate, replication_seeds, run_scenario, summarize, sweep
from tests.unit.sim.conftest import make_scenario


def test_replication_seeds_are_reproducible_and_distinct() -> None:
    seeds = replication_seeds(7, 5)
    assert seeds == replication_seeds(7, 5)
    assert len(set(seeds)) == 5
    assert replication_seeds(8, 5) != seeds
    assert replication_seeds(7, 3) == seeds[:3]  # more replications keep the first ones


def test_summary_gives_the_mean_and_a_student_t_interval() -> None:
    summary = summarize("s", [1, 2, 3], [{"sl": 0.8}, {"sl": 0.9}, {"sl": 0.7, "asa_s": 4.0}])
    sl = summary.kpis["sl"]
    half = stats.t.ppf(0.975, 2) * 0.1 / math.sqrt(3)
    assert sl.mean == pytest.approx(0.8)
    assert sl.half_width == pytest.approx(half)
    assert (sl.low, sl.high) == pytest.approx((0.8 - half, 0.8 + half))
    assert summary.kpis["asa_s"].n == 1  # missing in two replications: NaN, left out
    assert math.isnan(summary.kpis["asa_s"].half_width)


def test_a_replication_is_a_run_with_its_seed() -> None:
    scenario = make_scenario(replications=3)
    summary = replicate(scenario, backend="serial")
    assert summary.replications == 3
    assert summary.seeds == replication_seeds(scenario.seed, 3)
    again = run_scenario(scenario, summary.seeds[1]).kpis["service_level"]
    assert summary.kpis["service_level"].values[1] == again


def test_replications_in_processes_match_the_serial_ones() -> None:
    scenario = make_scenario()
    in_processes = replicate(scenario, 4, workers=2)
    serial = replicate(scenario, 4, backend="serial")
    assert repr(in_processes) == repr(serial)  # repr: NaN (no AI here) equals itself


def test_a_sweep_replicates_each_value_with_the_same_seeds() -> None:
    scenario = make_scenario(sweep={"variable": "workers[0].staffing.count", "values": [6, 9, 12]})
    result = sweep(scenario, 3, backend="serial")
    assert result.variable == "workers[0].staffing.count"
    assert result.values == (6, 9, 12)
    assert [s.seeds for s in result.summaries] == [replication_seeds(7, 3)] * 3
    levels = [s.kpis["service_level"].mean for s in result.summaries]
    assert levels == sorted(levels) and levels[0] < levels[-1]  # more agents, better service
    # common random numbers: the same calls arrive whatever the staffing
    assert len({s.kpis["offered"].mean for s in result.summaries}) == 1


def test_a_sweep_needs_a_sweep_section() -> None:
    with pytest.raises(InvalidInput, match="no sweep"):
        sweep(make_scenario(), 2, backend="serial")


def test_a_missing_backend_is_named() -> None:
    if importlib.util.find_spec("ray") is not None:
        pytest.skip("ray is installed here")
    with pytest.raises(InvalidInput, match="ray"):
        replicate(make_scenario(), 2, workers=2, backend="ray")


def test_a_containment_sweep_takes_work_off_the_router() -> None:
    ai = {"share": 0.0, "handle_time": {"kind": "exponential", "mean_s": 90}}
    scenario = make_scenario(ai=ai, sweep={"variable": "ai.share", "values": [0.0, 0.5]})
    none, half = sweep(scenario, 2, backend="serial").summaries
    assert none.kpis["containment_rate"].mean == 0
    assert half.kpis["containment_rate"].mean == pytest.approx(0.5, abs=0.08)
    assert half.kpis["offered"].mean < 0.6 * none.kpis["offered"].mean
    assert half.kpis["service_level"].mean > none.kpis["service_level"].mean
