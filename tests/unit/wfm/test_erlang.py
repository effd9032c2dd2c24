"""Erlang B and C against published values, invariants, and traffic up to 100,000 Erlangs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm import (
    ErlangBTable,
    asa_s,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    occupancy,
    service_level,
    traffic_erlangs,
)


@pytest.mark.parametrize(
    ("agents", "traffic", "expected"),
    [
        # Wolfram Language ErlangB reference page, "Applications": five 1 Mbps lines, three
        # one-hour conferences an hour (3 Erlangs); a pool of four modems offered 2 Erlangs, then
        # six modems. Exact rationals: 81/736, 2/21, 4/331.
        (5, 3.0, 81 / 736),
        (4, 2.0, 2 / 21),
        (6, 2.0, 4 / 331),
    ],
    ids=["wolfram-5-lines-3-erl", "wolfram-4-modems-2-erl", "wolfram-6-modems-2-erl"],
)
def test_erlang_b_matches_published_values(agents: int, traffic: float, expected: float) -> None:
    assert erlang_b(agents, traffic) == pytest.approx(expected, rel=1e-12)


def test_erlang_c_matches_published_call_centre_example() -> None:
    # 0.2 calls/s, AHT 240 s (48 Erlangs), 55 agents: probability of waiting 0.2387, ASA 8.184 s
    # and 84.59% answered within 15 s (the worked example reproduced with Maxima's erlang.mac in
    # "Expressing well-known formulas for service waiting time", R. Dodier; the same call centre
    # example as callcentrehelper.com's "Erlang C formula - made simple": 360 calls in 30 min).
    traffic = traffic_erlangs(0.2 * 1800, 240, 1800)
    assert traffic == pytest.approx(48)
    result = erlang_c_metrics(55, traffic, 240, 15)
    assert result.prob_wait == pytest.approx(0.2387, abs=5e-5)
    assert result.asa_s == pytest.approx(8.184, abs=5e-4)
    assert result.service_level == pytest.approx(0.8459, abs=5e-5)
    assert result.occupancy == pytest.approx(48 / 55)
    assert erlang_c(55, traffic) == result.prob_wait
    assert service_level(55, traffic, 240, 15) == result.service_level
    assert asa_s(55, traffic, 240) == result.asa_s


def test_erlang_b_table_extends_from_where_it_stopped() -> None:
    table = ErlangBTable(48.0)
    later = table.at(60)
    assert table.at(55) == erlang_b(55, 48.0)
    assert later == erlang_b(60, 48.0)


@pytest.mark.parametrize("agents", [0, 99_999, 100_000])
def test_unstable_queue_is_flagged_with_zero_service_level_and_infinite_asa(agents: int) -> None:
    result = erlang_c_metrics(agents, 100_000.0, 240, 20)
    assert not result.is_stable
    assert (result.prob_wait, result.service_level, result.asa_s) == (1.0, 0.0, math.inf)
    assert erlang_c(agents, 100_000.0) == 1.0


@pytest.mark.parametrize("agents", [100_001, 100_050, 100_500, 101_000, 110_000])
def test_one_hundred_thousand_erlangs_stay_finite_and_sensible(agents: int) -> None:
    result = erlang_c_metrics(agents, 100_000.0, 240, 20)
    assert result.is_stable
    assert 0 < result.prob_wait <= 1 and 0 <= result.service_level <= 1
    assert math.isfinite(result.asa_s) and result.asa_s >= 0
    assert 0 <= erlang_b(agents, 100_000.0) <= 1


def test_thousands_of_agents_with_tiny_traffic_underflow_to_zero_not_nan() -> None:
    assert erlang_b(5000, 1.0) == 0.0
    result = erlang_c_metrics(5000, 1.0, 240, 20)
    assert (result.prob_wait, result.service_level, result.asa_s) == (0.0, 1.0, 0.0)


def test_no_traffic_means_no_wait() -> None:
    result = erlang_c_metrics(0, 0.0, 240, 20)
    assert (result.prob_wait, result.service_level, result.asa_s, result.occupancy) == (
        0.0,
        1.0,
        0.0,
        0.0,
    )
    assert occupancy(0, 0.0) == 0.0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: erlang_b(-1, 10.0), "agents"),
        (lambda: erlang_b(3, -1.0), "traffic"),
        (lambda: erlang_b(3, math.nan), "traffic"),
        (lambda: erlang_c_metrics(3, 1.0, 0, 20), "handle time"),
        (lambda: erlang_c_metrics(3, 1.0, 240, -1), "answer time"),
        (lambda: traffic_erlangs(-5, 240, 1800), "calls"),
        (lambda: traffic_erlangs(5, 240, 0), "interval"),
    ],
    ids=[
        "negative-agents",
        "negative-traffic",
        "nan-traffic",
        "zero-aht",
        "negative-t",
        "negative-calls",
        "zero-interval",
    ],
)
def test_bad_numbers_are_invalid_input(call: object, match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        call()  # type: ignore[operator]  # the lambdas above


traffic = st.floats(min_value=0.01, max_value=2000, allow_nan=False)


@given(agents=st.integers(0, 2500), traffic=traffic)
def test_erlang_b_is_a_probability_below_erlang_c(agents: int, traffic: float) -> None:
    b = erlang_b(agents, traffic)
    assert 0 <= b <= 1
    assert b <= erlang_c(agents, traffic) + 1e-15


@given(traffic=traffic, extra=st.integers(1, 200), t=st.floats(0, 600))
def test_service_level_rises_and_asa_falls_with_agents(
    traffic: float, extra: int, t: float
) -> None:
    n = math.floor(traffic) + extra
    fewer, more = erlang_c_metrics(n, traffic, 240, t), erlang_c_metrics(n + 1, traffic, 240, t)
    assert more.service_level >= fewer.service_level - 1e-12
    assert more.asa_s <= fewer.asa_s * (1 + 1e-12)
    assert more.prob_wait <= fewer.prob_wait * (1 + 1e-12)


@given(
    agents=st.integers(1, 2500), traffic=traffic, more=st.floats(1.0001, 1.5), t=st.floats(0, 600)
)
def test_service_level_falls_with_traffic(
    agents: int, traffic: float, more: float, t: float
) -> None:
    low = erlang_c_metrics(agents, traffic, 240, t)
    high = erlang_c_metrics(agents, traffic * more, 240, t)
    assert high.service_level <= low.service_level + 1e-12
    assert high.prob_wait >= low.prob_wait - 1e-12
