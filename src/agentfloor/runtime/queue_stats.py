"""Live queue statistics: the engine's picture now plus the service level so far today.

Service level today = tasks answered (reservation accepted) within `threshold_s` of entering the
queue, over tasks answered plus tasks abandoned after `short_abandon_s`. Abandons quicker than
that (a caller who hangs up in the first seconds) are left out of the denominator, the usual
contact-centre treatment; both numbers are parameters and reported with the result. "Today" starts
at midnight in the tenant's timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from agentfloor.core.errors import NotFound
from agentfloor.routing.model import QueueStats
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.router import RouterService

__all__ = ["QueueDay", "queue_day", "start_of_day"]


@dataclass(frozen=True, slots=True)
class QueueDay:
    """A queue's statistics now and today."""

    now: QueueStats
    answered: int
    answered_within_threshold: int
    abandoned: int
    short_abandoned: int
    threshold_s: float
    short_abandon_s: float

    @property
    def service_level(self) -> float | None:
        """Return the share answered within the threshold, None before the first counted task."""
        counted = self.answered + self.abandoned - self.short_abandoned
        return self.answered_within_threshold / counted if counted else None


def start_of_day(epoch_s: float, timezone: str) -> float:
    """Return the epoch seconds of the local midnight that starts the day of `epoch_s`."""
    zone = ZoneInfo(timezone)
    local = datetime.fromtimestamp(epoch_s, tz=zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone).timestamp()


def queue_day(
    ctx: ServiceContext,
    router: RouterService,
    tenant_id: str,
    queue_id: str,
    *,
    threshold_s: float = 20.0,
    short_abandon_s: float = 5.0,
) -> QueueDay:
    """Return the queue's live statistics and today's service level."""
    now = ctx.clock.now()
    with ctx.uow(tenant_id) as uow:
        tenant = uow.tenants.get(tenant_id)
        if uow.queues.get(queue_id) is None or tenant is None:
            raise NotFound("queue", queue_id)
        events = uow.routing_events.of_queue(queue_id, since=start_of_day(now, tenant.timezone))
    with router.lock(tenant_id):
        live = router.engine(tenant_id).queue_stats(queue_id, now)
    answered = within = abandoned = short = 0
    for event in events:
        wait = float(event.data.get("wait_s", 0.0))
        if event.type == "task.assigned":
            answered += 1
            within += wait <= threshold_s
        elif event.type == "task.abandoned":
            abandoned += 1
            short += wait < short_abandon_s
    return QueueDay(live, answered, within, abandoned, short, threshold_s, short_abandon_s)
