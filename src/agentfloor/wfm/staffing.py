"""Staffing: the fewest agents meeting a service level, ASA or abandonment target.

The inverse of the Erlang C and Erlang A formulas. Every measure is monotone in the head count
(more agents: higher service level, lower ASA, less abandonment, lower occupancy), so the answer
is the first head count that meets the target.

Erlang C walks up from the first stable head count, floor(A) + 1: Erlang B there costs O(1) to
O(sqrt A) (see `_erlang_b_start`), each further head count one step of the recurrence
B(n) = A B(n-1) / (n + A B(n-1)) (Jagerman 1974) and one exponential, and the answer is within a
few sqrt(A) of the start. Plain floats throughout and one result object at the end: a small
queue is answered in microseconds, and 100,000 Erlangs in tens of microseconds.

Erlang A brackets from the square-root staffing guess A + sqrt(A) (Halfin & Whitt, "Heavy-traffic
limits for queues with many exponential servers", Operations Research 29(3), 1981) and bisects:
abandonment keeps it stable below A, and each probe costs two incomplete-gamma sums.

Shrinkage (breaks, training, absence) and a maximum occupancy apply after the target: on-phone
agents are at least the occupancy floor, and scheduled agents = ceil(agents / (1 - shrinkage)).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
from scipy.special import pdtr

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm.erlang import ErlangBTable, _check_times, _check_traffic
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

#: Where `_erlang_b_start` switches from the recurrence to Poisson terms, and on to a direct sum.
_POISSON_FROM = 64.0
_SUM_FROM = 2000.0


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
        raise _unmet(limit, traffic_erl)
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

    Walks head counts upwards from the first stable one (floor(A) + 1): every measure is
    monotone in the head count, so the first that meets the target is the answer, and each step
    costs one step of the Erlang B recurrence and one exponential (see `_erlang_c_walk`).

    Raises:
        InvalidInput: bad numbers, an abandonment target (Erlang C has no abandonment), or a
            target no head count meets.
    """
    _check_times(aht_s, target.answer_time_s)
    _check_plan(shrinkage, max_occupancy)
    if target.max_abandon is not None:
        raise InvalidInput("an abandonment target needs a mean patience (Erlang A)")
    _check_traffic(traffic_erl)
    if traffic_erl == 0:
        idle = ErlangCResult(0, 0.0, 0.0, 1.0, 0.0, 0.0, is_stable=True)
        return Staffing(QueueModel.ERLANG_C, 0, 0, 0, occupancy_bound=False, performance=idle)
    return _erlang_c_walk(traffic_erl, aht_s, target, shrinkage, max_occupancy)


def _erlang_b_start(agents: int, traffic_erl: float) -> float:
    """Return B(agents, A) for agents = floor(A) + 1 without a pass over every head count below.

    - A < 64: the forward recurrence (Jagerman 1974) from B(0) = 1, a few dozen float steps.
    - 64 <= A < 2,000: B(n, A) = p(n) / P(n), the Poisson(A) probability of n over that of at
      most n (Cooper 1981, section 2.3), with log p(n) = n ln A - A - ln n! by log-gamma and P by
      scipy's `pdtr`: a constant cost, within 1e-11 of the recurrence (checked over the range).
    - A >= 2,000: 1 / B(n, A) = sum_k n (n-1) ... (n-k+1) / A^k (the Erlang B formula divided by
      its last term) as one numpy product. With n <= A + 1 the k-th term is below
      exp(-(k-1)(k-2) / 2A), so k < sqrt(100 A) terms leave a tail under e^-50 of the sum (3,200
      terms for 100,000 Erlangs instead of 100,000 steps of the recurrence), no term exceeds
      (A + 1) / A and the positive terms lose no precision, where the log-gamma difference
      above would lose digits to terms of size n ln A.
    """
    if traffic_erl < _POISSON_FROM:
        b = 1.0
        for n in range(1, agents + 1):
            ab = traffic_erl * b
            b = ab / (n + ab)
        return b
    if traffic_erl < _SUM_FROM:
        log_p = agents * math.log(traffic_erl) - traffic_erl - math.lgamma(agents + 1)
        return math.exp(log_p) / float(pdtr(agents, traffic_erl))
    terms = min(agents, math.ceil(math.sqrt(100.0 * traffic_erl)) + 3)
    ratios = np.arange(agents, agents - terms, -1, dtype=np.float64) / traffic_erl
    return 1.0 / (1.0 + float(np.cumprod(ratios).sum()))


def _erlang_c_walk(
    traffic_erl: float,
    aht_s: float,
    target: StaffingTarget,
    shrinkage: float,
    max_occupancy: float,
) -> Staffing:
    a = traffic_erl
    for_target, b = _erlang_c_first(a, aht_s, target)
    agents = _occupancy_floor(a, for_target, max_occupancy)
    for n in range(for_target + 1, agents + 1):
        ab = a * b
        b = ab / (n + ab)
    spare = agents - a
    c = agents * b / (agents - a * (1.0 - b))
    sl = 1.0 - c * math.exp(-spare * target.answer_time_s / aht_s)
    performance = ErlangCResult(agents, a, c, max(0.0, sl), c * aht_s / spare, a / agents, True)
    return Staffing(
        QueueModel.ERLANG_C,
        for_target,
        agents,
        math.ceil(agents / (1.0 - shrinkage) - _EPS),
        agents > for_target,
        performance,
    )


def _erlang_c_first(traffic_erl: float, aht_s: float, target: StaffingTarget) -> tuple[int, float]:
    """Return the first head count meeting `target` under Erlang C, and Erlang B there.

    One pass of plain floats from the first stable head count up, with the closed forms of
    `erlang.erlang_c_metrics` (C = n B / (n - A (1 - B)), service level 1 - C exp(-(n - A) t /
    AHT), ASA C AHT / (n - A)) and no result object per head count. Needs A > 0.
    """
    a = traffic_erl
    level, max_asa = target.service_level, target.max_asa_s
    low_level = -1.0 if level is None else level - _EPS
    high_asa = math.inf if max_asa is None else max_asa + _EPS
    decay = target.answer_time_s / aht_s
    n = math.floor(a) + 1  # n <= A is unstable
    b = _erlang_b_start(n, a)
    while True:
        spare = n - a
        c = n * b / (n - a * (1.0 - b))
        if 1.0 - c * math.exp(-spare * decay) >= low_level and c * aht_s / spare <= high_asa:
            return n, b
        # The limit is past A + 1000, so it needs computing only that far out.
        if spare >= 1000 and n >= _search_limit(a):
            raise _unmet(_search_limit(a), a)
        n += 1
        ab = a * b
        b = ab / (n + ab)


def _occupancy_floor(traffic_erl: float, agents: int, max_occupancy: float) -> int:
    """Return the fewest head count from `agents` up with occupancy A / n <= `max_occupancy`."""
    if traffic_erl / agents <= max_occupancy + _EPS:
        return agents
    floor = max(agents + 1, math.ceil(traffic_erl / max_occupancy - _EPS))
    while floor - 1 > agents and traffic_erl / (floor - 1) <= max_occupancy + _EPS:
        floor -= 1  # the ceiling's tolerance can overshoot by one
    while traffic_erl / floor > max_occupancy + _EPS:
        floor += 1
    return floor


def _unmet(limit: int, traffic_erl: float) -> InvalidInput:
    return InvalidInput(
        f"no head count up to {limit} agents meets the target for {traffic_erl:g} Erlangs; "
        "loosen the service level, ASA or abandonment target"
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
