"""Staffing values: traffic, targets, queue performance at a head count, and staffing answers.

All times are seconds, probabilities are fractions in [0, 1] and traffic is in Erlangs (the
mean number of calls in progress if every call were answered at once: calls x AHT / interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from agentfloor.core.errors import InvalidInput

__all__ = [
    "ErlangAResult",
    "ErlangCResult",
    "QueueModel",
    "Staffing",
    "StaffingTarget",
    "traffic_erlangs",
]


class QueueModel(StrEnum):
    """Which queue the formulas assume."""

    ERLANG_C = "erlang-c"  # M/M/n: callers wait for ever
    ERLANG_A = "erlang-a"  # M/M/n+M: callers abandon after an exponential patience


def traffic_erlangs(calls: float, aht_s: float, interval_s: float) -> float:
    """Return the offered traffic A = calls x AHT / interval, in Erlangs.

    Raises:
        InvalidInput: a negative call count or a non-positive AHT or interval.
    """
    if not math.isfinite(calls) or calls < 0:
        raise InvalidInput(f"calls must be a finite number >= 0, got {calls}")
    if not math.isfinite(aht_s) or aht_s <= 0:
        raise InvalidInput(f"average handle time must be > 0 seconds, got {aht_s}")
    if not math.isfinite(interval_s) or interval_s <= 0:
        raise InvalidInput(f"interval must be > 0 seconds, got {interval_s}")
    return calls * aht_s / interval_s


@dataclass(frozen=True, slots=True)
class ErlangCResult:
    """Erlang C performance of `agents` workers facing `traffic_erl` (M/M/n, no abandonment).

    `is_stable` is False when agents <= traffic: the queue grows without bound, so the
    probability of waiting is 1, the service level 0 and the ASA infinite.
    """

    agents: int
    traffic_erl: float
    prob_wait: float
    service_level: float
    asa_s: float
    occupancy: float
    is_stable: bool


@dataclass(frozen=True, slots=True)
class ErlangAResult:
    """Erlang A performance of `agents` workers (M/M/n+M: callers abandon when out of patience).

    `service_level` is the fraction of all arriving callers answered within the target time
    (an abandoned caller never counts as answered); `asa_s` is the mean wait of all callers,
    answered or abandoned (Little's law: P(abandon) x mean patience); `occupancy` is carried
    traffic (offered minus abandoned) per agent. The queue is always stable.
    """

    agents: int
    traffic_erl: float
    prob_wait: float
    prob_abandon: float
    service_level: float
    asa_s: float
    occupancy: float


@dataclass(frozen=True, slots=True)
class StaffingTarget:
    """What the staffing must achieve; every target given must hold at once.

    Attributes:
        service_level: fraction of callers answered within `answer_time_s` (0.8 for 80/20).
        answer_time_s: the service level's target answer time (20 for 80/20).
        max_asa_s: the largest acceptable average speed of answer.
        max_abandon: the largest acceptable probability of abandonment (Erlang A only).
    """

    service_level: float | None = None
    answer_time_s: float = 20.0
    max_asa_s: float | None = None
    max_abandon: float | None = None

    def __post_init__(self) -> None:
        if self.service_level is None and self.max_asa_s is None and self.max_abandon is None:
            raise InvalidInput("give at least one target: service level, ASA or abandonment")
        if self.service_level is not None and not 0 < self.service_level < 1:
            raise InvalidInput(
                f"service level target must be between 0 and 1 (exclusive), got "
                f"{self.service_level}"
            )
        if not math.isfinite(self.answer_time_s) or self.answer_time_s < 0:
            raise InvalidInput(f"answer time must be >= 0 seconds, got {self.answer_time_s}")
        if self.max_asa_s is not None and not (
            math.isfinite(self.max_asa_s) and self.max_asa_s > 0
        ):
            raise InvalidInput(f"ASA target must be > 0 seconds, got {self.max_asa_s}")
        if self.max_abandon is not None and not 0 < self.max_abandon < 1:
            raise InvalidInput(
                f"abandonment target must be between 0 and 1 (exclusive), got {self.max_abandon}"
            )


@dataclass(frozen=True, slots=True)
class Staffing:
    """How many workers a queue needs, and how it performs with them.

    Attributes:
        model: the queue model the answer assumes.
        agents_for_target: the fewest agents on the phones meeting the target.
        agents: agents on the phones after the maximum-occupancy floor (>= agents_for_target).
        scheduled: agents to schedule, ceil(agents / (1 - shrinkage)).
        occupancy_bound: True when the maximum occupancy, not the target, set `agents`.
        performance: the queue's performance with `agents` on the phones.
    """

    model: QueueModel
    agents_for_target: int
    agents: int
    scheduled: int
    occupancy_bound: bool
    performance: ErlangCResult | ErlangAResult
