"""The in-process event bus: the embedded default behind `core.events.EventBus`.

Publishing is safe from any thread (sync API handlers run in a thread pool): each subscriber is an
asyncio queue bound to its event loop, fed with `call_soon_threadsafe`. A subscriber that falls
more than `max_pending` events behind is told so by a `bus.overflow` event and dropped, rather than
letting one slow WebSocket grow memory without bound.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Collection

from agentfloor.core.events import Event, topic_matches

__all__ = ["InMemoryEventBus", "MemorySubscription"]


class MemorySubscription:
    """One subscriber's queue of matching events."""

    def __init__(
        self, bus: InMemoryEventBus, tenant_id: str, topics: list[str], max_pending: int
    ) -> None:
        self.tenant_id = tenant_id
        self.topics = list(topics)
        self._bus = bus
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=max_pending)
        self.closed = False
        self.subjects: frozenset[str] | None = None  # None: every subject

    def follow(self, subject_ids: Collection[str] | None) -> None:
        """Keep only events about these subjects (None: every subject).

        Filtered when published: a chat widget follows its own conversation and is not woken
        for every other chat of the tenant.
        """
        self.subjects = None if subject_ids is None else frozenset(subject_ids)

    def _offer(self, event: Event) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.close()

    def deliver(self, event: Event) -> None:
        """Hand an event to this subscriber from any thread."""
        self._loop.call_soon_threadsafe(self._offer, event)

    async def get(self) -> Event:
        """Wait for the next event; raises `ConnectionResetError` once closed for overflow."""
        if self.closed and self._queue.empty():
            raise ConnectionResetError("subscription closed: the subscriber fell too far behind")
        return await self._queue.get()

    def close(self) -> None:
        """Stop receiving events."""
        self.closed = True
        self._bus.unsubscribe(self)


class InMemoryEventBus:
    """Fans events out to the subscribers of the same tenant whose topics match."""

    def __init__(self, max_pending: int = 10_000) -> None:
        self._subs: list[MemorySubscription] = []
        self._lock = threading.Lock()
        self._max_pending = max_pending

    def publish(self, event: Event) -> None:
        """Deliver `event` to every matching subscriber."""
        with self._lock:
            targets = [
                s
                for s in self._subs
                if s.tenant_id == event.tenant_id
                and (s.subjects is None or event.subject_id in s.subjects)
                and topic_matches(s.topics, event.topic)
            ]
        for sub in targets:
            sub.deliver(event)

    def subscribe(self, tenant_id: str, topics: list[str]) -> MemorySubscription:
        """Open a subscription; must be called from inside a running event loop."""
        sub = MemorySubscription(self, tenant_id, topics, self._max_pending)
        with self._lock:
            self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: MemorySubscription) -> None:
        """Forget a subscriber (idempotent)."""
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)
