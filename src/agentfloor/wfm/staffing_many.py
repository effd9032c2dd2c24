"""Erlang C staffing for many intervals at once: a day or a week of questions in one call.

A planner asks the same question for every interval of a week (336 half hours). Answered one by
one through `staffing.erlang_c_staffing`, each pays for its checks and its result objects, which
dominate for small volumes. Here the target and plan are checked once and each interval runs
only the search itself (`staffing._erlang_c_first`: Erlang B at the first stable head count,
then one step of the recurrence B(n) = A B(n-1) / (n + A B(n-1)) (Jagerman 1974) per head
count), so each answer is exactly what `erlang_c_staffing` gives for that interval (a test holds
the two equal) and an empty interval costs next to nothing. It replaced a numpy version that ran
the recurrence for every interval in lockstep from n = 0: that paid for every head count below
the traffic, which the walk skips.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm.erlang import _check_times
from agentfloor.wfm.model import StaffingTarget
from agentfloor.wfm.staffing import _EPS, _check_plan, _erlang_c_first, _occupancy_floor

__all__ = ["erlang_c_agents_many"]


def erlang_c_agents_many(
    traffic_erl: Sequence[float],
    aht_s: float,
    target: StaffingTarget,
    *,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
) -> tuple[list[int], list[int]]:
    """Return (agents, scheduled) per interval under Erlang C for `target`.

    `agents` meets the service level and ASA targets and the maximum occupancy; `scheduled` adds
    shrinkage. Intervals with no traffic need no one.

    Raises:
        InvalidInput: bad numbers, or an abandonment target (Erlang C has none).
    """
    _check_times(aht_s, target.answer_time_s)
    _check_plan(shrinkage, max_occupancy)
    if target.max_abandon is not None:
        raise InvalidInput("an abandonment target needs a mean patience (Erlang A)")
    agents: list[int] = []
    scheduled: list[int] = []
    for a in traffic_erl:
        if not (math.isfinite(a) and a >= 0):
            raise InvalidInput("traffic must be a list of finite numbers of Erlangs >= 0")
        n = (
            0
            if a == 0
            else _occupancy_floor(a, _erlang_c_first(a, aht_s, target)[0], max_occupancy)
        )
        agents.append(n)
        scheduled.append(math.ceil(n / (1.0 - shrinkage) - _EPS))
    return agents, scheduled
