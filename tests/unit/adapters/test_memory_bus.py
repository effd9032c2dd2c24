from __future__ import annotations

import asyncio
import threading

from agentfloor.adapters.bus import InMemoryEventBus
from agentfloor.core.events import Event


def make_event(topic: str, tenant: str = "ten_a", n: int = 0) -> Event:
    return Event(id=f"evt_{n}", tenant_id=tenant, topic=topic, at=1.0, subject_id="x", data={})


def test_delivers_matching_events_from_other_threads() -> None:
    async def scenario() -> list[str]:
        bus = InMemoryEventBus()
        sub = bus.subscribe("ten_a", ["customer"])
        events = [
            make_event("customer.created", n=1),
            make_event("note.created", n=2),
            make_event("customer.created", tenant="ten_b", n=3),
            make_event("customer.updated", n=4),
        ]
        thread = threading.Thread(target=lambda: [bus.publish(e) for e in events])
        thread.start()
        got = [(await asyncio.wait_for(sub.get(), 5)).id for _ in range(2)]
        thread.join()
        sub.close()
        bus.publish(make_event("customer.created", n=5))
        return got

    assert asyncio.run(scenario()) == ["evt_1", "evt_4"]


def test_slow_subscriber_is_dropped_not_unbounded() -> None:
    async def scenario() -> tuple[bool, int]:
        bus = InMemoryEventBus(max_pending=3)
        sub = bus.subscribe("ten_a", ["*"])
        for n in range(10):
            bus.publish(make_event("customer.created", n=n))
        await asyncio.sleep(0)  # let the loop run the deliveries
        return sub.closed, len(bus._subs)

    assert asyncio.run(scenario()) == (True, 0)
