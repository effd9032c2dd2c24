"""The simulator against queueing theory: M/M/n vs Erlang C, M/M/n+M vs Erlang A.

Seeded, steady state (each replication starts empty and drops a warm-up hour), KPIs measured by
`agentfloor.analytics` with every abandon counted (as the closed forms do). The checked KPI must
be within 1 percentage point of the closed form, and the replications' 95% confidence interval
must be tight (half-width under 0.5 points), so that passing is not the luck of a noisy
estimate. Erlang A's service level is checked as consistent (within 1 point plus the interval).

The loads are chosen for what a test can afford. A steady-state M/M/n estimate needs many more
calls as the load nears 1 (the queue's relaxation time grows like 1 / (1 - sqrt(load))^2): at
occupancy 0.8 with 30 agents 100k calls still give +-1.75 points (800k: +-0.4, two minutes),
at 0.95 with 100 agents 80k calls +-13 points, so Erlang C is checked at 0.5-0.8 (0.6 in the
default run, the others `slow`). Abandonment makes M/M/n+M mix faster,
so Erlang A is checked at 0.7-0.95 (at overload the abandonment rate follows the arrival count
closely: 100k calls give +-1.1 points).
"""

from __future__ import annotations

import math

import pytest

from agentfloor.sim import ReplicationSummary, replicate
from agentfloor.wfm.erlang import erlang_c_metrics
from agentfloor.wfm.erlang_a import erlang_a_metrics
from tests.unit.sim.conftest import mmn_scenario

AHT_S = 120.0
ANSWER_S = 20.0  # the scenario's default service-level answer time
TOLERANCE = 0.01  # 1 percentage point
MAX_HALF_WIDTH = 0.005


def simulate(
    agents: int, occupancy: float, calls: int, *, patience_s: float | None = None, reps: int = 8
) -> ReplicationSummary:
    per_hour = occupancy * agents / AHT_S * 3600
    hours = calls / reps / per_hour
    scenario = mmn_scenario(
        agents, occupancy, aht_s=AHT_S, patience_s=patience_s, hours=hours + 1, seed=2026
    )
    return replicate(scenario, reps, workers=2)


def check(summary: ReplicationSummary, name: str, expected: float, *, strict: bool = True) -> None:
    estimate = summary.kpis[name]
    slack = 0.0 if strict else estimate.half_width
    if strict:
        assert estimate.half_width < MAX_HALF_WIDTH, f"{name}: too few calls for the tolerance"
    assert abs(estimate.mean - expected) < TOLERANCE + slack, (
        f"{name}: simulated {estimate.mean:.4f} ± {estimate.half_width:.4f}, "
        f"closed form {expected:.4f}"
    )


def erlang_c_check(agents: int, occupancy: float, calls: int) -> None:
    summary = simulate(agents, occupancy, calls)
    closed = erlang_c_metrics(agents, agents * occupancy, AHT_S, ANSWER_S)
    check(summary, "service_level", closed.service_level)
    assert summary.kpis["abandonment_rate"].mean == 0
    assert math.isclose(summary.kpis["aht_s"].mean, AHT_S, rel_tol=0.02)


def erlang_a_check(agents: int, load: float, patience_s: float, calls: int) -> None:
    summary = simulate(agents, load, calls, patience_s=patience_s)
    closed = erlang_a_metrics(agents, agents * load, AHT_S, patience_s, ANSWER_S)
    check(summary, "abandonment_rate", closed.prob_abandon)
    check(summary, "service_level", closed.service_level, strict=False)


def test_mmn_service_level_matches_erlang_c() -> None:
    erlang_c_check(agents=20, occupancy=0.6, calls=60_000)


def test_mmn_m_abandonment_matches_erlang_a() -> None:
    erlang_a_check(agents=20, load=0.8, patience_s=60.0, calls=60_000)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("agents", "occupancy", "calls"),
    [(10, 0.5, 80_000), (30, 0.7, 100_000), (30, 0.8, 800_000)],
    ids=["occupancy-0.5", "occupancy-0.7", "occupancy-0.8"],  # 0.8: about two minutes
)
def test_mmn_matches_erlang_c_over_loads(agents: int, occupancy: float, calls: int) -> None:
    erlang_c_check(agents, occupancy, calls)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("agents", "load", "patience_s", "calls"),
    [(10, 0.7, 60.0, 60_000), (50, 0.95, 120.0, 160_000)],
    ids=["load-0.7", "load-0.95"],
)
def test_mmn_m_matches_erlang_a_over_loads(
    agents: int, load: float, patience_s: float, calls: int
) -> None:
    erlang_a_check(agents, load, patience_s, calls)
