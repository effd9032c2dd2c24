"""The analytics event log in SQL: routing and interaction events of a time range as `LogEntry`s.

Routing events come from `routing_events` (tenant, queue, at index), joined by hand to their
tasks (channel, interaction) and the interactions (customer, reason, channel); the contact-level
events the KPIs read come from `interaction_events` by type and time (tenant, type, at index).
Routing events that the router also copies onto the interaction log are read once, from
`routing_events`. Joins are done as `IN` lookups in chunks rather than SQL joins so that each query
stays on its index on both SQLite and PostgreSQL.

A worker whose last activity change is older than the range has no event in it, and a worker
created straight into an activity has no event at all; the worker table says what the activity
is and since when, so one synthetic `worker.activity_changed` entry at `activity_since` carries it
into the range (occupancy would otherwise miss whole shifts). When the change is in the range its
real event comes first at the same instant and the synthetic one changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from agentfloor.adapters.storage.base import TenantScoped
from agentfloor.adapters.storage.crm_repos import _chunks
from agentfloor.adapters.storage.tables import (
    InteractionEventRow,
    InteractionRow,
    RoutingEventRow,
    TaskRow,
    WorkerRow,
)
from agentfloor.analytics import LogEntry

__all__ = ["CONTACT_EVENT_TYPES", "SqlAnalyticsLog"]

# The interaction events the KPIs read (the rest of that log is state changes and transcripts).
CONTACT_EVENT_TYPES = (
    "interaction.created",
    "interaction.updated",
    "interaction.dispositioned",
    "ai.outcome",
    "survey.answered",
    "lead.qualified",
)


class SqlAnalyticsLog(TenantScoped):
    """Reads one tenant's event log for the KPIs."""

    def entries(self, since: float, until: float, *, queue_id: str | None = None) -> list[LogEntry]:
        """Return the entries with `since <= at < until`, oldest first.

        With `queue_id`, only that queue's routing events (no contact events, no worker time).
        """
        query = select(RoutingEventRow).where(
            RoutingEventRow.tenant_id == self.tenant_id,
            RoutingEventRow.at >= since,
            RoutingEventRow.at < until,
        )
        if queue_id is not None:
            query = query.where(RoutingEventRow.queue_id == queue_id)
        routing = self._session.scalars(
            query.order_by(RoutingEventRow.at, RoutingEventRow.id)
        ).all()
        contact_rows: Sequence[InteractionEventRow] = []
        if queue_id is None:
            contact_rows = self._session.scalars(
                select(InteractionEventRow)
                .where(
                    InteractionEventRow.tenant_id == self.tenant_id,
                    InteractionEventRow.type.in_(CONTACT_EVENT_TYPES),
                    InteractionEventRow.at >= since,
                    InteractionEventRow.at < until,
                )
                .order_by(InteractionEventRow.at, InteractionEventRow.id)
            ).all()
        tasks = self._tasks({r.task_id for r in routing if r.task_id})
        interactions = self._interactions(
            {t[1] for t in tasks.values() if t[1]} | {r.interaction_id for r in contact_rows}
        )
        entries = [_routing_entry(r, tasks, interactions) for r in routing]
        entries += [_contact_entry(r, interactions) for r in contact_rows]
        if queue_id is None:
            entries += self._current_activities(until)
        entries.sort(key=lambda e: e.at)  # stable: a real event stays before its synthetic twin
        return entries

    def _tasks(self, ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """Task id -> (channel, interaction id)."""
        found: dict[str, tuple[str, str | None]] = {}
        for chunk in _chunks(ids):
            rows = self._session.execute(
                select(TaskRow.id, TaskRow.channel, TaskRow.interaction_id).where(
                    TaskRow.tenant_id == self.tenant_id, TaskRow.id.in_(chunk)
                )
            ).all()
            found.update({row[0]: (row[1], row[2]) for row in rows})
        return found

    def _interactions(self, ids: Iterable[str]) -> dict[str, tuple[str, str | None, str | None]]:
        """Interaction id -> (channel, customer id, reason)."""
        found: dict[str, tuple[str, str | None, str | None]] = {}
        for chunk in _chunks(ids):
            rows = self._session.execute(
                select(
                    InteractionRow.id,
                    InteractionRow.channel,
                    InteractionRow.customer_id,
                    InteractionRow.reason,
                ).where(InteractionRow.tenant_id == self.tenant_id, InteractionRow.id.in_(chunk))
            ).all()
            found.update({row[0]: (row[1], row[2], row[3]) for row in rows})
        return found

    def _current_activities(self, until: float) -> list[LogEntry]:
        rows = self._session.execute(
            select(WorkerRow.id, WorkerRow.activity, WorkerRow.activity_since).where(
                WorkerRow.tenant_id == self.tenant_id, WorkerRow.activity_since < until
            )
        ).all()
        return [
            LogEntry(
                "worker.activity_changed",
                float(row[2]),
                worker_id=row[0],
                data={"activity": row[1], "previous": None, "synthetic": True},
            )
            for row in rows
        ]


def _routing_entry(
    row: RoutingEventRow,
    tasks: dict[str, tuple[str, str | None]],
    interactions: dict[str, tuple[str, str | None, str | None]],
) -> LogEntry:
    channel, interaction_id = tasks.get(row.task_id or "", (None, None))
    _, customer_id, reason = interactions.get(interaction_id or "", (None, None, None))
    return LogEntry(
        type=row.type,
        at=row.at,
        task_id=row.task_id,
        worker_id=row.worker_id,
        queue_id=row.queue_id,
        data=dict(row.data or {}),
        interaction_id=interaction_id,
        channel=channel,
        customer_id=customer_id,
        reason=reason,
    )


def _contact_entry(
    row: InteractionEventRow, interactions: dict[str, tuple[str, str | None, str | None]]
) -> LogEntry:
    channel, customer_id, reason = interactions.get(row.interaction_id, (None, None, None))
    data: dict[str, Any] = dict(row.data or {})
    return LogEntry(
        type=row.type,
        at=row.at,
        data=data,
        interaction_id=row.interaction_id,
        channel=channel,
        customer_id=customer_id,
        reason=reason,
    )
