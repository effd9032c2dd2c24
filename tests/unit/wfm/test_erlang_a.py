"""Erlang A against the birth-death chain it models, a seeded simulation, and its Erlang C limit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm import erlang_a_metrics, erlang_c_metrics
from agentfloor.wfm.erlang_a import _float_series, _series

CASES = [
    (10, 10.0, 240.0, 90.0),
    (55, 48.0, 240.0, 120.0),
    (8, 10.0, 240.0, 60.0),
    (30, 20.0, 180.0, 300.0),
    (3, 1.5, 300.0, 30.0),
]
IDS = ["critical", "call-centre", "overloaded", "underloaded", "small"]


def stationary(n: int, traffic: float, aht: float, patience: float) -> np.ndarray:
    """The M/M/n+M chain's stationary law, solved by brute force over 20,000 states.

    Birth rate l; death rate k m below n agents and n m + j t with j callers waiting
    (Garnett, Mandelbaum & Reiman 2002, section 2).
    """
    mu, theta, lam = 1 / aht, 1 / patience, traffic / aht
    k = np.arange(1, 20_000)
    death = np.where(k <= n, k * mu, n * mu + (k - n) * theta)
    log_w = np.concatenate([[0.0], np.cumsum(np.log(lam / death))])
    w = np.exp(log_w - log_w.max())
    return w / w.sum()


@pytest.mark.parametrize(("n", "traffic", "aht", "patience"), CASES, ids=IDS)
def test_waiting_abandonment_and_mean_wait_match_the_birth_death_chain(
    n: int, traffic: float, aht: float, patience: float
) -> None:
    pi = stationary(n, traffic, aht, patience)
    queue = np.arange(len(pi)) - n
    p_wait = pi[n:].sum()
    mean_queue = float(queue[n:] @ pi[n:])
    lam = traffic / aht
    result = erlang_a_metrics(n, traffic, aht, patience, 20)
    assert result.prob_wait == pytest.approx(p_wait, rel=1e-10)
    # Little's law on the queue: abandonment rate t E[Q] = l P(abandon); mean wait E[Q] / l.
    assert result.prob_abandon == pytest.approx(mean_queue / patience / lam, rel=1e-10)
    assert result.asa_s == pytest.approx(mean_queue / lam, rel=1e-10)


@pytest.mark.parametrize(("n", "traffic", "aht", "patience"), CASES, ids=IDS)
def test_service_level_matches_a_seeded_simulation_of_arrivals(
    n: int, traffic: float, aht: float, patience: float
) -> None:
    # A caller arriving with j waiting is answered after n m + j t, ..., n m + 0 t exponential
    # stages (everyone ahead leaves by service or abandonment), unless their own patience ends
    # first: sample that directly from the exact stationary law.
    rng = np.random.default_rng(20261127)
    calls, answer_time = 200_000, 20.0
    pi = stationary(n, traffic, aht, patience)
    ahead = rng.choice(len(pi), size=calls, p=pi) - n  # -1 or less: a free agent
    wait = np.zeros(calls)
    for j in range(int(ahead.max()) + 1):
        still = ahead >= j
        wait[still] += rng.exponential(1 / (n / aht + j / patience), size=int(still.sum()))
    answered_in_time = (wait <= answer_time) & (rng.exponential(patience, calls) > wait)
    simulated = answered_in_time.mean()
    sigma = math.sqrt(simulated * (1 - simulated) / calls)
    result = erlang_a_metrics(n, traffic, aht, patience, answer_time)
    assert abs(result.service_level - simulated) < 5 * sigma


@pytest.mark.parametrize(("n", "traffic", "aht", "patience"), CASES, ids=IDS)
def test_service_level_ends_are_no_wait_and_not_abandoned(
    n: int, traffic: float, aht: float, patience: float
) -> None:
    at_zero = erlang_a_metrics(n, traffic, aht, patience, 0)
    assert at_zero.service_level == pytest.approx(1 - at_zero.prob_wait, rel=1e-12)
    forever = erlang_a_metrics(n, traffic, aht, patience, 1e6)
    assert forever.service_level == pytest.approx(1 - forever.prob_abandon, rel=1e-9)


@settings(max_examples=60)
@given(
    traffic=st.floats(0.5, 5000),
    spare=st.floats(0.02, 0.5),
    t=st.floats(0, 120),
)
def test_erlang_a_with_endless_patience_is_erlang_c(traffic: float, spare: float, t: float) -> None:
    n = math.ceil(traffic * (1 + spare)) + 1
    c = erlang_c_metrics(n, traffic, 240, t)
    a = erlang_a_metrics(n, traffic, 240, 1e12, t)
    assert a.prob_wait == pytest.approx(c.prob_wait, rel=1e-4, abs=1e-9)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-4, abs=1e-9)
    assert a.asa_s == pytest.approx(c.asa_s, rel=1e-4, abs=1e-9)
    assert a.prob_abandon < 1e-6


@given(
    agents=st.integers(1, 3000),
    traffic=st.floats(0.1, 3000),
    patience=st.floats(1, 3600),
    t=st.floats(0, 300),
)
def test_measures_are_probabilities_and_service_level_rises_with_agents(
    agents: int, traffic: float, patience: float, t: float
) -> None:
    fewer = erlang_a_metrics(agents, traffic, 240, patience, t)
    more = erlang_a_metrics(agents + 1, traffic, 240, patience, t)
    for r in (fewer, more):
        assert 0 <= r.prob_abandon <= r.prob_wait <= 1
        assert 0 <= r.service_level <= 1 - r.prob_abandon + 1e-12
        assert 0 <= r.asa_s <= patience * (1 + 1e-9)
    assert more.service_level >= fewer.service_level - 1e-9
    assert more.prob_abandon <= fewer.prob_abandon + 1e-12


@pytest.mark.parametrize("agents", [1, 5, 50_000, 81_000, 100_000, 100_300, 200_000])
def test_one_hundred_thousand_erlangs_stay_finite(agents: int) -> None:
    r = erlang_a_metrics(agents, 100_000.0, 240, 90, 20)
    values = [r.prob_wait, r.prob_abandon, r.service_level, r.asa_s, r.occupancy]
    assert all(math.isfinite(v) for v in values)
    assert 0 <= r.prob_abandon <= r.prob_wait <= 1 and 0 <= r.service_level <= 1


def test_bad_patience_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="patience"):
        erlang_a_metrics(10, 10.0, 240, 0, 20)


@pytest.mark.parametrize(
    ("x", "y"),
    [(0.5, 0.4), (6.4, 5.0), (50.0, 40.0), (40.0, 36.0), (400.0, 299.0), (1000.0, 10.0)],
    ids=str,
)
def test_the_float_series_for_small_volumes_equals_the_log_space_series(x: float, y: float) -> None:
    # Below 300 the sums J and M run in plain floats; the numpy log-space series is the reference.
    j_sum, m_sum = _float_series(x, y)
    log_j, log_m = _series(x, y)
    assert math.log(j_sum) == pytest.approx(log_j, rel=1e-13, abs=1e-15)
    assert math.log(m_sum) == pytest.approx(log_m, rel=1e-12, abs=1e-13)
