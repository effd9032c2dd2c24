"""Many intervals at once give exactly the one-at-a-time answers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm import StaffingTarget, erlang_c_staffing
from agentfloor.wfm.staffing_many import erlang_c_agents_many

TARGETS = [
    StaffingTarget(service_level=0.8, answer_time_s=20),
    StaffingTarget(service_level=0.9, answer_time_s=10, max_asa_s=15),
    StaffingTarget(max_asa_s=30),
]


@settings(max_examples=60, deadline=None)
@given(
    traffic=st.lists(
        st.one_of(st.just(0.0), st.floats(0.01, 3000, allow_nan=False)), min_size=1, max_size=12
    ),
    which=st.sampled_from(range(len(TARGETS))),
    aht=st.floats(30, 900),
    shrinkage=st.sampled_from([0.0, 0.3]),
    max_occupancy=st.sampled_from([1.0, 0.85]),
)
def test_equals_the_scalar_search(
    traffic: list[float], which: int, aht: float, shrinkage: float, max_occupancy: float
) -> None:
    target = TARGETS[which]
    agents, scheduled = erlang_c_agents_many(
        traffic, aht, target, shrinkage=shrinkage, max_occupancy=max_occupancy
    )
    for i, a in enumerate(traffic):
        one = erlang_c_staffing(a, aht, target, shrinkage=shrinkage, max_occupancy=max_occupancy)
        assert (agents[i], scheduled[i]) == (one.agents, one.scheduled), (a, target)


def test_a_week_of_intervals_and_bad_input() -> None:
    week = [160.0 if 16 <= i % 48 < 40 else 0.0 for i in range(336)]
    agents, _ = erlang_c_agents_many(week, 240, TARGETS[0])
    assert set(agents) == {0, 169}
    with pytest.raises(InvalidInput):
        erlang_c_agents_many([1.0, -2.0], 240, TARGETS[0])
    with pytest.raises(InvalidInput):
        erlang_c_agents_many([1.0], 240, StaffingTarget(max_abandon=0.05))
