"""The event bus contract, run unchanged against the in-process bus and Redis Streams."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Iterator

import pytest
import redis

from agentfloor.adapters.bus import InMemoryEventBus, RedisEventBus
from agentfloor.core.events import Event, EventBus

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def redis_url() -> str:
    url = os.environ.get("AGENTFLOOR_TEST_REDIS_URL")
    try:
        redis.Redis.from_url(url or DEFAULT_REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if url:
            pytest.fail(f"AGENTFLOOR_TEST_REDIS_URL={url} is set but Redis is unreachable: {exc}")
        pytest.skip(
            f"Redis not reachable at {DEFAULT_REDIS} (set AGENTFLOOR_TEST_REDIS_URL): {exc}"
        )
    return url or DEFAULT_REDIS


@pytest.fixture(
    params=["memory", pytest.param("redis", marks=pytest.mark.redis)], ids=["memory", "redis"]
)
def bus(request: pytest.FixtureRequest) -> Iterator[EventBus]:
    if request.param == "memory":
        yield InMemoryEventBus()
        return
    real = RedisEventBus(redis_url(), block_ms=200)
    yield real
    real.close()


@pytest.fixture
def tenants() -> Iterator[tuple[str, str]]:
    a, b = f"ten_test{uuid.uuid4().hex}", f"ten_test{uuid.uuid4().hex}"
    yield a, b
    client = redis.Redis.from_url(os.environ.get("AGENTFLOOR_TEST_REDIS_URL", DEFAULT_REDIS))
    try:
        client.delete(f"agentfloor:events:{a}", f"agentfloor:events:{b}")
    except redis.RedisError:
        pass  # memory-only run without Redis: nothing to clean
    finally:
        client.close()


def event(tenant: str, topic: str, n: int) -> Event:
    return Event(
        id=f"evt_{n}",
        tenant_id=tenant,
        topic=topic,
        at=1000.0 + n,
        subject_id=f"s{n}",
        data={"n": n},
    )


async def collect(sub: object, count: int) -> list[Event]:
    return [await asyncio.wait_for(sub.get(), 10) for _ in range(count)]  # type: ignore[attr-defined]


def test_subscriber_gets_matching_events_of_its_tenant_in_order(
    bus: EventBus, tenants: tuple[str, str]
) -> None:
    a, b = tenants

    async def scenario() -> list[Event]:
        sub = bus.subscribe(a, ["customer", "interaction.state_changed"])
        published = [
            event(a, "customer.created", 1),
            event(a, "note.created", 2),
            event(b, "customer.created", 3),
            event(a, "interaction.state_changed", 4),
            event(a, "interaction.created", 5),
            event(a, "customer.updated", 6),
        ]
        # publish from another thread, as API handlers do
        thread = threading.Thread(target=lambda: [bus.publish(e) for e in published])
        thread.start()
        got = await collect(sub, 3)
        thread.join()
        sub.close()
        await asyncio.sleep(0)  # let an async close finish on this loop
        return got

    got = asyncio.run(scenario())
    assert [e.id for e in got] == ["evt_1", "evt_4", "evt_6"]
    assert got[0] == event(a, "customer.created", 1)


def test_events_before_subscribing_are_not_replayed(
    bus: EventBus, tenants: tuple[str, str]
) -> None:
    a, _ = tenants

    async def scenario() -> list[Event]:
        bus.publish(event(a, "customer.created", 1))
        sub = bus.subscribe(a, ["*"])
        bus.publish(event(a, "customer.created", 2))
        got = await collect(sub, 1)
        sub.close()
        await asyncio.sleep(0)
        return got

    assert [e.id for e in asyncio.run(scenario())] == ["evt_2"]


def test_two_subscribers_each_get_every_event(bus: EventBus, tenants: tuple[str, str]) -> None:
    a, _ = tenants

    async def scenario() -> tuple[list[str], list[str]]:
        s1, s2 = bus.subscribe(a, ["*"]), bus.subscribe(a, ["customer"])
        for n in range(5):
            bus.publish(event(a, "customer.created", n))
        r1, r2 = await collect(s1, 5), await collect(s2, 5)
        s1.close()
        s2.close()
        await asyncio.sleep(0)
        return [e.id for e in r1], [e.id for e in r2]

    first, second = asyncio.run(scenario())
    assert first == second == [f"evt_{n}" for n in range(5)]


def test_a_subscriber_can_follow_some_subjects_only(
    bus: EventBus, tenants: tuple[str, str]
) -> None:
    a, _ = tenants

    async def scenario() -> list[Event]:
        sub = bus.subscribe(a, ["chat"])
        sub.follow({"s2", "s4"})
        for n in range(1, 6):
            bus.publish(event(a, "chat.message", n))
        got = await collect(sub, 2)
        sub.follow(None)  # every subject again
        bus.publish(event(a, "chat.message", 6))
        got += await collect(sub, 1)
        sub.close()
        await asyncio.sleep(0)
        return got

    assert [e.id for e in asyncio.run(scenario())] == ["evt_2", "evt_4", "evt_6"]
