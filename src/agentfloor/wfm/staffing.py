"""Staffing: the fewest agents meeting a service level, ASA or abandonment target.

The inverse of the Erlang C and Erlang A formulas. Every measure is monotone in the head count
(more agents: higher service level, lower ASA, less abandonment, lower occupancy), so the answer
is found by bracketing from the square-root staffing guess A + sqrt(A) (Halfin & Whitt,
"Heavy-traffic limits for queues with many exponential servers", Operations Research 29(3), 1981)
and bisecting. Erlang B values for every probed head count come from one pass of the recurrence,
so staffing 100,000 Erlangs costs about as much as evaluating the formula once.

Shrinkage (breaks, training, absence) and a maximum occupancy apply after the target: on-phone
agents are at least the occupancy floor, and scheduled agents = ceil(agents / (1 - shrinkage)).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm.erlang import ErlangBTable, _c_metrics, _check_times
from agentfloor.wfm.erlang_a import _a_metrics
from agentfloor.wfm.model import (
    ErlangAResult,
    ErlangCResult,
    QueueModel,
    Staffing,
    StaffingTarget,
)

__all__ = ["erlang_a_staffing", "erlang_c_staffing"]

# Occupancy and shrinkage arithmetic in floats: 85 / 0.85 is 100.00000000000001, not 100.
_EPS = 1e-9


def _search_limit(traffic_erl: float) -> int:
    # Past A + 100 sqrt(A) the probability of waiting is below e^-5000: a target still unmet
    # there is one no head count meets (a service level of 100%, say).
    return math.ceil(traffic_erl + 100 * math.sqrt(traffic_erl) + 1000)


def _smallest(meets: Callable[[int], bool], failing: int, guess: int, limit: int) -> int | None:
    """Return the smallest n > `failing` with meets(n), given meets is monotone; None past limit."""
    hi = max(guess, failing + 1)
    while not meets(hi):
        if hi >= limit:
            return None
        failing, hi = hi, min(limit, hi + 2 * (hi - failing))  # the step doubles
    while hi - failing > 1:
        mid = (failing + hi) // 2
        if meets(mid):
            hi = mid
        else:
            failing = mid
    return hi


def _check_plan(shrinkage: float, max_occupancy: float) -> None:
    if not 0 <= shrinkage < 1:
        raise InvalidInput(f"shrinkage must be in [0, 1), got {shrinkage}")
    if not 0 < max_occupancy <= 1:
        raise InvalidInput(f"maximum occupancy must be in (0, 1], got {max_occupancy}")


def _meets(result: ErlangCResult | ErlangAResult, target: StaffingTarget) -> bool:
    if target.service_level is not None and result.service_level < target.service_level - _EPS:
        return False
    if target.max_asa_s is not None and result.asa_s > target.max_asa_s + _EPS:
        return False
    if isinstance(result, ErlangCResult):
        return result.is_stable
    return target.max_abandon is None or result.prob_abandon <= target.max_abandon + _EPS


def _staff(
    model: QueueModel,
    traffic_erl: float,
    metrics: Callable[[int], ErlangCResult | ErlangAResult],
    target: StaffingTarget,
    shrinkage: float,
    max_occupancy: float,
    failing: int,
) -> Staffing:
    if traffic_erl == 0:
        return Staffing(model, 0, 0, 0, occupancy_bound=False, performance=metrics(0))
    metrics = functools.cache(metrics)  # the answer is probed by the target, occupancy and result
    guess = math.ceil(traffic_erl + math.sqrt(traffic_erl))
    limit = _search_limit(traffic_erl)
    for_target = _smallest(lambda n: _meets(metrics(n), target), failing, guess, limit)
    if for_target is None:
        raise InvalidInput(
            f"no head count up to {limit} agents meets the target for {traffic_erl:g} Erlangs; "
            "loosen the service level, ASA or abandonment target"
        )
    agents = for_target
    if metrics(agents).occupancy > max_occupancy + _EPS:
        floor = _smallest(
            lambda n: metrics(n).occupancy <= max_occupancy + _EPS,
            agents,
            math.ceil(traffic_erl / max_occupancy - _EPS),
            max(limit, math.ceil(traffic_erl / max_occupancy) + 1),
        )
        agents = floor if floor is not None else agents
    return Staffing(
        model=model,
        agents_for_target=for_target,
        agents=agents,
        scheduled=math.ceil(agents / (1.0 - shrinkage) - _EPS),
        occupancy_bound=agents > for_target,
        performance=metrics(agents),
    )


def erlang_c_staffing(
    traffic_erl: float,
    aht_s: float,
    target: StaffingTarget,
    *,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
) -> Staffing:
    """Return the fewest agents an Erlang C (M/M/n) queue needs to meet `target`.

    Searches head counts above the traffic (fewer agents leave the queue unstable).

    Raises:
        InvalidInput: bad numbers, an abandonment target (Erlang C has no abandonment), or a
            target no head count meets.
    """
    _check_times(aht_s, target.answer_time_s)
    _check_plan(shrinkage, max_occupancy)
    if target.max_abandon is not None:
        raise InvalidInput("an abandonment target needs a mean patience (Erlang A)")
    table = ErlangBTable(traffic_erl)

    def metrics(n: int) -> ErlangCResult | ErlangAResult:
        return _c_metrics(n, traffic_erl, aht_s, target.answer_time_s, table)

    failing = math.floor(traffic_erl)  # n <= A is unstable
    return _staff(
        QueueModel.ERLANG_C, traffic_erl, metrics, target, shrinkage, max_occupancy, failing
    )


def erlang_a_staffing(
    traffic_erl: float,
    aht_s: float,
    patience_s: float,
    target: StaffingTarget,
    *,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
) -> Staffing:
    """Return the fewest agents an Erlang A (M/M/n+M) queue needs to meet `target`.

    Abandonment keeps the queue stable at any head count, so the search may end below the
    traffic. The ASA here is the mean wait of all callers, answered or abandoned.

    Raises:
        InvalidInput: bad numbers, or a target no head count meets.
    """
    _check_times(aht_s, target.answer_time_s)
    _check_plan(shrinkage, max_occupancy)
    if not (patience_s > 0 and math.isfinite(patience_s)):
        raise InvalidInput(f"mean patience must be a finite number > 0 seconds, got {patience_s}")
    table = ErlangBTable(traffic_erl)

    def metrics(n: int) -> ErlangCResult | ErlangAResult:
        return _a_metrics(n, traffic_erl, aht_s, patience_s, target.answer_time_s, table)

    return _staff(
        QueueModel.ERLANG_A, traffic_erl, metrics, target, shrinkage, max_occupancy, failing=0
    )
