"""The event envelope and the bus port.

Every change that matters is an `Event` on a topic such as `interaction.state_changed`. The bus
fans events out to live subscribers (the WebSocket stream, later the router and KPIs); the
in-process bus is the default and a Redis Streams bus implements the same `EventBus` Protocol.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Event", "EventBus", "Subscription", "topic_matches"]


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to one tenant's data.

    Attributes:
        id: unique event id (`evt_...`).
        tenant_id: the tenant it belongs to; subscribers only see their own tenant's events.
        topic: dotted name, resource first (`customer.created`, `interaction.state_changed`).
        at: when it happened, epoch seconds.
        subject_id: id of the resource it is about.
        data: JSON-serialisable details.
    """

    id: str
    tenant_id: str
    topic: str
    at: float
    subject_id: str
    data: dict[str, Any] = field(default_factory=dict)


def topic_matches(patterns: Iterable[str], topic: str) -> bool:
    """Return True when `topic` matches any pattern.

    A pattern is `*` (everything), an exact topic (`customer.created`), or a prefix naming a
    resource or a dotted prefix (`interaction` matches `interaction.state_changed`).
    """
    for pattern in patterns:
        if pattern in ("*", topic) or topic.startswith(pattern.rstrip(".*") + "."):
            return True
    return False


class Subscription(Protocol):
    """A live feed of events for one tenant and a set of topic patterns."""

    async def get(self) -> Event:
        """Wait for and return the next matching event."""
        ...

    def follow(self, subject_ids: Collection[str] | None) -> None:
        """Keep only events about these subjects from now on (None: every subject)."""
        ...

    def close(self) -> None:
        """Stop receiving events."""
        ...


class EventBus(Protocol):
    """Publishes events to live subscribers."""

    def publish(self, event: Event) -> None:
        """Deliver `event` to every matching subscriber; safe to call from any thread."""
        ...

    def subscribe(self, tenant_id: str, topics: list[str]) -> Subscription:
        """Open a subscription to `tenant_id`'s events on the given topic patterns."""
        ...
