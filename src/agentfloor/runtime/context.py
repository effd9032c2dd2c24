"""What every service needs: units of work, the bus, the clock and the id factory."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any

from agentfloor.access.model import AuditEntry, Principal
from agentfloor.core.clock import Clock
from agentfloor.core.events import Event, EventBus
from agentfloor.core.ids import IdFactory
from agentfloor.interactions.model import Interaction, InteractionEvent
from agentfloor.runtime.uow import UnitOfWork, UnitOfWorkFactory

__all__ = ["Changes", "ServiceContext", "snapshot"]


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """The wiring services run on; built once by `agentfloor.bootstrap`."""

    uow: UnitOfWorkFactory
    bus: EventBus
    clock: Clock
    ids: IdFactory


def snapshot(record: Any) -> dict[str, Any]:
    """Return a JSON-ready dict of a domain record (for the audit log and events)."""
    raw = dataclasses.asdict(record)
    return {k: _plain(v) for k, v in raw.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass(slots=True)
class Changes:
    """Collects the audit entries and events of one unit of work.

    Audit entries and interaction events are written inside the transaction; bus events are held
    back and published only by `publish()` after a successful commit, so no subscriber ever sees
    a change that was rolled back.
    """

    ctx: ServiceContext
    uow: UnitOfWork
    actor: Principal | None
    now: float
    pending: list[Event] = field(default_factory=list)

    @property
    def tenant_id(self) -> str:
        """The tenant the unit of work is scoped to."""
        assert self.uow.tenant_id is not None, "Changes needs a tenant-scoped unit of work"
        return self.uow.tenant_id

    def audit(
        self,
        action: str,
        resource_type: str,
        resource_id: str,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Record a change in the audit log and queue the matching bus event (topic = action)."""
        entry = AuditEntry(
            id=self.ctx.ids.new("aud"),
            tenant_id=self.tenant_id,
            at=self.now,
            actor_key_id=self.actor.key_id if self.actor else None,
            actor_role=self.actor.role.value if self.actor else None,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            before=before,
            after=after,
            data=data or {},
        )
        self.uow.audit.append(entry)
        payload = after if after is not None else (before or {})
        self.event(action, resource_id, {**payload, **(data or {})})
        return entry

    def event(self, topic: str, subject_id: str, data: dict[str, Any]) -> None:
        """Queue a bus event for after the commit."""
        self.pending.append(
            Event(
                id=self.ctx.ids.new("evt"),
                tenant_id=self.tenant_id,
                topic=topic,
                at=self.now,
                subject_id=subject_id,
                data=data,
            )
        )

    def log(self, interaction: Interaction, type_: str, data: dict[str, Any]) -> InteractionEvent:
        """Append to the interaction's event log and queue the bus event."""
        seq = self.uow.events.last_seq(interaction.id) + 1
        event = InteractionEvent(
            id=self.ctx.ids.new("iev"),
            tenant_id=self.tenant_id,
            interaction_id=interaction.id,
            seq=seq,
            type=type_,
            at=self.now,
            actor_key_id=self.actor.key_id if self.actor else None,
            data=data,
        )
        self.uow.events.append(event)
        self.event(type_, interaction.id, {**data, "seq": seq})
        return event

    def commit(self) -> None:
        """Commit the unit of work, then publish the queued events."""
        self.uow.commit()
        events, self.pending = self.pending, []
        for event in events:
            self.ctx.bus.publish(event)
