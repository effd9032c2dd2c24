"""Arrival history from the interactions table: contacts created per interval, for forecasting.

Every contact is an interaction with its `created_at`, so the table knows every arrival: an
interval with none had zero arrivals (not a gap). Intervals are counted on a UTC grid (and
reported as naive UTC times), which has no repeated or missing hour at a clock change; the daily
pattern in local time then moves by an hour across a daylight-saving change, which a forecast
fitted on recent weeks absorbs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.runtime.context import ServiceContext
from agentfloor.wfm import ArrivalSeries, arrival_series

__all__ = ["arrivals_from_interactions"]

_PAGE = 1000


def arrivals_from_interactions(
    ctx: ServiceContext,
    tenant_id: str,
    interval_min: int,
    *,
    channel: str | None = None,
    queue_id: str | None = None,
) -> ArrivalSeries:
    """Count the tenant's interactions per `interval_min`, first one to the last complete interval.

    Raises:
        InvalidInput: no interactions match, or the history is too short to forecast from.
    """
    step = interval_min * 60
    counts: dict[int, int] = {}
    after: str | None = None
    with ctx.uow(tenant_id) as uow:
        while True:
            page = uow.interactions.page(
                channel=channel, queue_id=queue_id, after=after, limit=_PAGE
            )
            for interaction in page.items:
                slot = int(interaction.created_at // step)
                counts[slot] = counts.get(slot, 0) + 1
            if page.next_after is None or not page.items:
                break
            after = page.next_after
    if not counts:
        raise InvalidInput(
            "there are no interactions to forecast from"
            + (f" on channel {channel}" if channel else ""),
            problems=[ProblemDetail("history", "no interactions")],
        )
    first, last = min(counts), int(ctx.clock.now() // step) - 1  # complete intervals only
    slots = range(first, last + 1)
    # Naive UTC wall times, like a CSV export's naive local times (plots and tables read them).
    starts = [datetime.fromtimestamp(s * step, UTC).replace(tzinfo=None) for s in slots]
    return arrival_series(starts, [float(counts.get(s, 0)) for s in slots], fill="error")
