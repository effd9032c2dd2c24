"""What analytics needs from storage: the event log of a time range, as entries."""

from __future__ import annotations

from typing import Protocol

from agentfloor.analytics.model import LogEntry

__all__ = ["AnalyticsLog"]


class AnalyticsLog(Protocol):
    """A tenant's routing and contact events, ready for the KPIs."""

    def entries(self, since: float, until: float, *, queue_id: str | None = None) -> list[LogEntry]:
        """Return the entries with `since <= at < until`, oldest first.

        With `queue_id`, only that queue's routing events (no contact events, no worker time).
        """
        ...
