"""Erlang C staffing for many intervals at once: a day or a week of questions in one pass.

A planner asks the same question for every interval of a week (336 half hours). Answered one by
one, each pays Python's per-call overhead, which dominates for small volumes. Here the Erlang B
recurrence B(n) = A B(n-1) / (n + A B(n-1)) (Jagerman 1974) runs for every interval together as
numpy vectors, and each interval takes the first head count whose service level (and ASA) meets
the target, exactly as `staffing.erlang_c_staffing` decides it one interval at a time (a test
holds the two equal).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm.erlang import _check_times
from agentfloor.wfm.model import StaffingTarget
from agentfloor.wfm.staffing import _EPS, _check_plan, _search_limit

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
    a = np.asarray(traffic_erl, dtype=np.float64)
    if a.ndim != 1 or not np.all(np.isfinite(a)) or np.any(a < 0):
        raise InvalidInput("traffic must be a list of finite numbers of Erlangs >= 0")
    k = len(a)
    answer = np.zeros(k, dtype=np.int64)
    open_ = a > 0
    if k == 0 or not open_.any():
        return answer.tolist(), answer.tolist()
    limit = _search_limit(float(a.max()))
    b = np.ones(k)
    t = target.answer_time_s
    for n in range(1, limit + 1):
        ab = a * b
        b = ab / (n + ab)
        stable = open_ & (n > a)
        if not stable.any():
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            c = n * b / (n - a * (1.0 - b))
            meets = stable.copy()
            if target.service_level is not None:
                sl = 1.0 - c * np.exp(-np.maximum(n - a, 0.0) * t / aht_s)  # n > a where used
                meets &= sl >= target.service_level - _EPS
            if target.max_asa_s is not None:
                asa = c * aht_s / (n - a)
                meets &= asa <= target.max_asa_s + _EPS
        answer[meets] = n
        open_ &= ~meets
        if not open_.any():
            break
    if open_.any():
        raise InvalidInput(
            f"no head count up to {limit} agents meets the target for some intervals; "
            "loosen the service level or ASA target"
        )
    floor = np.ceil(a / max_occupancy - _EPS).astype(np.int64)
    floor = np.where(a / np.maximum(floor, 1) > max_occupancy + _EPS, floor + 1, floor)
    agents = np.where(a > 0, np.maximum(answer, floor), 0)
    scheduled = np.ceil(agents / (1.0 - shrinkage) - _EPS).astype(np.int64)
    return agents.tolist(), scheduled.tolist()
