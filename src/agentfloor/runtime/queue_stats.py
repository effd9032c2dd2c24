"""Live queue statistics: the engine's picture now plus the service level so far today.

Today's numbers are `agentfloor.analytics.kpis` over the queue's routing events since midnight in
the tenant's timezone: the one KPI function the reports and the simulator use too. So a task
counts on the day it was offered (first queued), and service level is tasks answered within
`threshold_s` over tasks answered plus tasks abandoned, with abandons quicker than
`short_abandon_s` (a caller who hangs up in the first seconds) left out of both, the usual
contact-centre treatment (`ShortAbandons.EXCLUDED`); both numbers are parameters and reported with
the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from agentfloor.analytics import KpiParams, Kpis, ShortAbandons, kpis
from agentfloor.core.errors import NotFound
from agentfloor.routing.model import QueueStats
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.router import RouterService

__all__ = ["QueueDay", "queue_day", "start_of_day"]


@dataclass(frozen=True, slots=True)
class QueueDay:
    """A queue's statistics now and today (`today`: every KPI of the day so far)."""

    now: QueueStats
    today: Kpis
    threshold_s: float
    short_abandon_s: float

    @property
    def answered(self) -> int:
        """Tasks offered today and answered."""
        return self.today.answered

    @property
    def answered_within_threshold(self) -> int:
        """Tasks offered today and answered within the threshold."""
        return self.today.answered_in_sl

    @property
    def abandoned(self) -> int:
        """Tasks offered today whose customer left before an answer (short ones included)."""
        return self.today.abandoned

    @property
    def short_abandoned(self) -> int:
        """Abandons quicker than `short_abandon_s`."""
        return self.today.short_abandoned

    @property
    def service_level(self) -> float | None:
        """Return the share answered within the threshold, None before the first counted task."""
        return self.today.service_level


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
        since = start_of_day(now, tenant.timezone)
        until = math.nextafter(now, math.inf)  # a task offered at this very instant counts
        entries = uow.analytics.entries(since, until, queue_id=queue_id)
    with router.lock(tenant_id):
        live = router.engine(tenant_id).queue_stats(queue_id, now)
    params = KpiParams(
        sl_threshold_s=threshold_s,
        short_abandon_s=short_abandon_s,
        short_abandons=ShortAbandons.EXCLUDED,
    )
    today = kpis(entries, start=since, end=until, params=params, now=now)
    return QueueDay(live, today, threshold_s, short_abandon_s)
