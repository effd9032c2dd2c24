"""Staffing: the fewest agents meeting a target, against pyworkforce and against its definition."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyworkforce.queuing import ErlangC

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm import (
    ErlangAResult,
    ErlangBTable,
    ErlangCResult,
    QueueModel,
    StaffingTarget,
    erlang_a_metrics,
    erlang_a_staffing,
    erlang_c_metrics,
    erlang_c_staffing,
    traffic_erlangs,
)
from agentfloor.wfm.staffing import _erlang_b_start, _smallest

SL_80_20 = StaffingTarget(service_level=0.8, answer_time_s=20)


@pytest.mark.parametrize("calls", [10, 37, 100, 360, 1200, 5000, 20_000])
@pytest.mark.parametrize(("sl", "answer_s"), [(0.8, 20), (0.9, 15), (0.7, 60)], ids=str)
def test_erlang_c_agrees_with_pyworkforce(calls: int, sl: float, answer_s: float) -> None:
    # pyworkforce 0.5.1 ErlangC takes minutes; its `asa` argument is the service level's target
    # answer time. It searches linearly from round(A + 1), so it is only asked up to 20,000 calls.
    peer = ErlangC(transactions=calls, aht=4, asa=answer_s / 60, interval=30)
    theirs = peer.required_positions(service_level=sl)
    ours = erlang_c_staffing(
        traffic_erlangs(calls, 240, 1800),
        240,
        StaffingTarget(service_level=sl, answer_time_s=answer_s),
    )
    assert ours.agents == theirs["raw_positions"]
    assert isinstance(ours.performance, ErlangCResult)
    assert ours.performance.service_level == pytest.approx(theirs["service_level"], rel=1e-9)
    assert ours.performance.prob_wait == pytest.approx(theirs["waiting_probability"], rel=1e-9)


@pytest.mark.parametrize(("shrinkage", "max_occupancy"), [(0.3, 0.85), (0.0, 0.9), (0.35, 1.0)])
def test_shrinkage_and_occupancy_agree_with_pyworkforce(
    shrinkage: float, max_occupancy: float
) -> None:
    peer = ErlangC(transactions=1200, aht=4, asa=20 / 60, interval=30, shrinkage=shrinkage)
    theirs = peer.required_positions(service_level=0.8, max_occupancy=max_occupancy)
    ours = erlang_c_staffing(160.0, 240, SL_80_20, shrinkage=shrinkage, max_occupancy=max_occupancy)
    assert (ours.agents, ours.scheduled) == (theirs["raw_positions"], theirs["positions"])
    assert ours.occupancy_bound == (max_occupancy < 0.95)


@pytest.mark.parametrize("traffic", [0.5, 13.3, 160.0, 1333.3, 13_333.3, 100_000.0])
def test_answer_is_the_smallest_head_count_meeting_the_target(traffic: float) -> None:
    ours = erlang_c_staffing(traffic, 240, SL_80_20)
    n = ours.agents
    assert erlang_c_metrics(n, traffic, 240, 20).service_level >= 0.8
    assert erlang_c_metrics(n - 1, traffic, 240, 20).service_level < 0.8
    a = erlang_a_staffing(traffic, 240, 90, SL_80_20)
    assert a.model is QueueModel.ERLANG_A
    assert erlang_a_metrics(a.agents, traffic, 240, 90, 20).service_level >= 0.8
    assert erlang_a_metrics(a.agents - 1, traffic, 240, 90, 20).service_level < 0.8


def test_one_hundred_thousand_erlangs_need_slightly_more_than_the_traffic() -> None:
    c = erlang_c_staffing(100_000.0, 240, SL_80_20)
    # Square-root staffing: a beta of well under 1 above A suffices at this scale.
    assert 100_000 < c.agents < 100_000 + math.sqrt(100_000)
    assert c.performance.occupancy > 0.999


def test_asa_target() -> None:
    ours = erlang_c_staffing(48.0, 240, StaffingTarget(max_asa_s=10))
    assert ours.agents == 55  # 8.18 s at 55 agents (test_erlang's published example)
    assert erlang_c_metrics(54, 48.0, 240, 0).asa_s > 10


def test_abandonment_target_needs_erlang_a() -> None:
    target = StaffingTarget(max_abandon=0.05)
    with pytest.raises(InvalidInput, match="patience"):
        erlang_c_staffing(160.0, 240, target)
    ours = erlang_a_staffing(160.0, 240, 90, target)
    assert isinstance(ours.performance, ErlangAResult)
    assert ours.performance.prob_abandon <= 0.05
    assert erlang_a_metrics(ours.agents - 1, 160.0, 240, 90, 20).prob_abandon > 0.05


def test_all_targets_must_hold() -> None:
    both = erlang_a_staffing(
        160.0, 240, 90, StaffingTarget(service_level=0.8, answer_time_s=20, max_abandon=0.02)
    )
    sl_only = erlang_a_staffing(160.0, 240, 90, SL_80_20)
    assert both.agents > sl_only.agents
    assert isinstance(both.performance, ErlangAResult)
    assert both.performance.prob_abandon <= 0.02


def test_no_traffic_needs_nobody() -> None:
    assert erlang_c_staffing(0.0, 240, SL_80_20).scheduled == 0
    assert erlang_a_staffing(0.0, 240, 90, SL_80_20).scheduled == 0


def test_shrinkage_rounds_exact_quotients_down() -> None:
    # 70 / (1 - 0.3) is 100.00000000000001 in floats: still 100 people to schedule.
    ours = erlang_c_staffing(
        60.0, 240, StaffingTarget(max_asa_s=1e9), shrinkage=0.3, max_occupancy=60 / 70
    )
    assert (ours.agents, ours.scheduled) == (70, 100)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"shrinkage": 1.0}, "shrinkage"),
        ({"shrinkage": -0.1}, "shrinkage"),
        ({"max_occupancy": 0.0}, "occupancy"),
        ({"max_occupancy": 1.2}, "occupancy"),
    ],
    ids=["shrinkage-1", "negative-shrinkage", "occupancy-0", "occupancy-over-1"],
)
def test_bad_plans_are_invalid_input(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        erlang_c_staffing(10.0, 240, SL_80_20, **kwargs)


@pytest.mark.parametrize(
    ("target", "match"),
    [
        ({}, "at least one target"),
        ({"service_level": 1.0}, "service level"),
        ({"service_level": 0.8, "answer_time_s": -1}, "answer time"),
        ({"max_asa_s": 0}, "ASA"),
        ({"max_abandon": 1.5}, "abandonment"),
    ],
    ids=["none", "sl-100", "negative-time", "asa-0", "abandon-over-1"],
)
def test_bad_targets_are_invalid_input(target: dict[str, float], match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        StaffingTarget(**target)


@pytest.mark.parametrize("answer", [1, 2, 7, 100, 101, 5000, 99_999])
def test_bracketing_and_bisection_find_the_first_head_count(answer: int) -> None:
    probes: list[int] = []

    def meets(n: int) -> bool:
        probes.append(n)
        return n >= answer

    assert _smallest(meets, 0, 100, 100_000) == answer
    assert len(probes) < 60  # doubling then bisecting: logarithmic, not a walk from 0


def test_a_target_met_by_no_head_count_up_to_the_limit_is_none() -> None:
    assert _smallest(lambda n: False, 0, 10, 1000) is None


@given(
    traffic=st.floats(0.1, 3000),
    sl=st.floats(0.05, 0.99),
    t=st.floats(0, 120),
    more=st.floats(1.01, 2.0),
)
def test_more_traffic_never_needs_fewer_agents(
    traffic: float, sl: float, t: float, more: float
) -> None:
    target = StaffingTarget(service_level=sl, answer_time_s=t)
    assert (
        erlang_c_staffing(traffic * more, 240, target).agents
        >= erlang_c_staffing(traffic, 240, target).agents
    )


@pytest.mark.parametrize(
    "traffic",
    [0.01, 1.3, 40.0, 63.99, 64.0, 133.3, 1333.3, 1999.9, 2000.0, 13_333.3, 100_000.0],
    ids=str,
)
@pytest.mark.parametrize("above", [0, 7], ids=["first-stable", "seven-more"])
def test_erlang_b_at_the_first_stable_head_count_equals_the_recurrence(
    traffic: float, above: int
) -> None:
    # Recurrence below 64 Erlangs, Poisson terms to 2,000, a direct sum above (see the docstring).
    n = math.floor(traffic) + 1 + above
    assert _erlang_b_start(n, traffic) == pytest.approx(ErlangBTable(traffic).at(n), rel=1e-11)


@settings(max_examples=300, deadline=None)
@given(
    traffic=st.floats(0.01, 5000),
    sl=st.one_of(st.none(), st.floats(0.05, 0.99)),
    t=st.floats(0, 120),
    asa=st.one_of(st.none(), st.floats(0.5, 600)),
    aht=st.floats(20, 900),
    max_occupancy=st.sampled_from([1.0, 0.9, 0.7]),
)
def test_the_walk_gives_the_first_head_count_meeting_every_target(
    traffic: float, sl: float | None, t: float, asa: float | None, aht: float, max_occupancy: float
) -> None:
    # The definition, checked head count by head count with the public one-shot formula.
    if sl is None and asa is None:
        asa = 30.0
    target = StaffingTarget(service_level=sl, answer_time_s=t, max_asa_s=asa)
    ours = erlang_c_staffing(traffic, aht, target, max_occupancy=max_occupancy)

    def meets(n: int) -> bool:
        r = erlang_c_metrics(n, traffic, aht, t)
        return (
            r.is_stable
            and (sl is None or r.service_level >= sl - 1e-9)
            and (asa is None or r.asa_s <= asa + 1e-9)
        )

    n = ours.agents_for_target
    assert meets(n) and not meets(n - 1)
    assert ours.agents >= n and traffic / ours.agents <= max_occupancy + 1e-9
    assert ours.agents == n or traffic / (ours.agents - 1) > max_occupancy + 1e-9
    one_shot = erlang_c_metrics(ours.agents, traffic, aht, t)
    assert isinstance(ours.performance, ErlangCResult)
    for got, want in zip(
        (ours.performance.prob_wait, ours.performance.service_level, ours.performance.asa_s),
        (one_shot.prob_wait, one_shot.service_level, one_shot.asa_s),
        strict=True,
    ):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12)
