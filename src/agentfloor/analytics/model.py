"""The analytics inputs and outputs: one event-log entry, the KPI parameters, the KPI values.

`LogEntry` is the one record every KPI is computed from. It is deliberately the routing event's
shape (type, at, task, worker, queue, data) plus the few facts about the contact that routing does
not know (interaction, channel, customer, reason), so the live router's events, the stored log
and the simulator's events all become entries with `LogEntry.from_routing` and nothing else.
Interaction-level happenings (`ai.outcome`, `survey.answered`, `lead.qualified`,
`interaction.dispositioned`, `interaction.created`) are entries too, with `interaction_id` set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from agentfloor.core.errors import InvalidInput, ProblemDetail

__all__ = [
    "Dimension",
    "KpiParams",
    "LogEntry",
    "RoutingEventLike",
    "ShortAbandons",
]


class RoutingEventLike(Protocol):
    """What `LogEntry.from_routing` reads: `agentfloor.routing.RoutingEvent` has it all."""

    @property
    def type(self) -> str: ...  # noqa: D102 - a field
    @property
    def at(self) -> float: ...  # noqa: D102 - a field
    @property
    def task_id(self) -> str | None: ...  # noqa: D102 - a field
    @property
    def worker_id(self) -> str | None: ...  # noqa: D102 - a field
    @property
    def queue_id(self) -> str | None: ...  # noqa: D102 - a field
    @property
    def data(self) -> Mapping[str, Any]: ...  # noqa: D102 - a field


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One thing that happened, in seconds since the epoch (`at`), as the KPIs read it.

    Routing types (`task.queued`, `task.assigned`, `task.completed`, `worker.activity_changed`...)
    carry `task_id`/`worker_id`/`queue_id` and the engine's `data` (`wait_s`, `talk_s`,
    `wrapup_s`, `activity`, `previous`). `talk_s` is answer to completion as the engine measures
    it; an optional `hold_s` is the part of that spent on hold (AHT counts it once either way).
    `channel` may be left None when the task's `task.queued` or `reservation.created` data names
    it (the engine's do). `interaction_id` ties tasks of one contact together (a second task of
    an answered contact is a transfer) and carries interaction-level entries; `customer_id` and
    `reason` feed first-contact resolution and lead follow-up; a task with no interaction is a
    contact of its own.
    """

    type: str
    at: float
    task_id: str | None = None
    worker_id: str | None = None
    queue_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    interaction_id: str | None = None
    channel: str | None = None
    customer_id: str | None = None
    reason: str | None = None

    @classmethod
    def from_routing(
        cls,
        event: RoutingEventLike,
        *,
        channel: str | None = None,
        interaction_id: str | None = None,
        customer_id: str | None = None,
        reason: str | None = None,
    ) -> LogEntry:
        """Return the entry for a routing event (or any object with the same attributes)."""
        return cls(
            type=event.type,
            at=event.at,
            task_id=event.task_id,
            worker_id=event.worker_id,
            queue_id=event.queue_id,
            data=event.data,
            interaction_id=interaction_id,
            channel=channel,
            customer_id=customer_id,
            reason=reason,
        )


class ShortAbandons(StrEnum):
    """What a short abandon (the customer left within `short_abandon_s`) does to the KPIs.

    `excluded` (the default, and the usual contact-centre treatment: a caller who hangs up in the
    first seconds dialled wrong or changed their mind, and no staffing would have answered them)
    takes them out of the service-level and abandonment denominators and numerators.
    `offered` counts them as any other abandon: offered, not answered in time (strictest).
    `answered` counts them as met the service level (as if answered in time) and not abandoned.
    """

    EXCLUDED = "excluded"
    OFFERED = "offered"
    ANSWERED = "answered"


class Dimension(StrEnum):
    """What a report groups by; several may be combined (day and queue)."""

    INTERVAL = "interval"
    DAY = "day"
    QUEUE = "queue"
    CHANNEL = "channel"
    WORKER = "worker"


def _frozen(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class KpiParams:
    """The definitions' knobs; every KPI result is only meaningful with the params beside it.

    - `sl_threshold_s`: service level counts tasks answered within this wait (inclusive).
    - `short_abandon_s` / `short_abandons`: an abandon with a wait under this (strictly) is short;
      see `ShortAbandons` for the three treatments.
    - `fcr_window_s`: a handled contact is resolved first time when the same customer makes no
      other contact with the same reason starting within this many seconds after it started.
    - `available_activities`: worker activities counted as ready for work (occupancy's base);
      `offline_activities`: activities counted as logged out (utilisation's base is the rest).
    - `sale_codes`: disposition codes that mean a sale (lead conversion);
      `conversion_window_s`: how long after qualification a sale still converts the lead.
    - `csat_satisfied_min`: the lowest CSAT score (1-5 scale) counted as satisfied (top-two-box).
    - `ai_abandoned_is_contained`: whether a customer leaving the AI unserved counts as contained.
    """

    sl_threshold_s: float = 20.0
    short_abandon_s: float = 5.0
    short_abandons: ShortAbandons = ShortAbandons.EXCLUDED
    fcr_window_s: float = 7 * 86_400.0
    available_activities: frozenset[str] = field(default_factory=lambda: _frozen(["available"]))
    offline_activities: frozenset[str] = field(default_factory=lambda: _frozen(["offline"]))
    sale_codes: frozenset[str] = field(default_factory=lambda: _frozen(["sale"]))
    conversion_window_s: float = 30 * 86_400.0
    csat_satisfied_min: float = 4.0
    ai_abandoned_is_contained: bool = False

    def __post_init__(self) -> None:
        problems = [
            ProblemDetail(name, f"{name} must be zero or more seconds, got {value}")
            for name, value in (
                ("sl_threshold_s", self.sl_threshold_s),
                ("short_abandon_s", self.short_abandon_s),
                ("fcr_window_s", self.fcr_window_s),
                ("conversion_window_s", self.conversion_window_s),
            )
            if not value >= 0  # also catches NaN
        ]
        if problems:
            raise InvalidInput("; ".join(p.message for p in problems), problems=problems)
        # Accept any iterable of names (a list from a caller) but keep the value hashable.
        for name in ("available_activities", "offline_activities", "sale_codes"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        object.__setattr__(self, "short_abandons", ShortAbandons(self.short_abandons))
