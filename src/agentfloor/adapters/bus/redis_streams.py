"""The Redis Streams event bus: the same `EventBus` Protocol across processes and machines.

Each tenant has one stream (`agentfloor:events:<tenant id>`), capped near `maxlen` entries with
Redis' approximate trimming. `publish` is a synchronous XADD (safe from API worker threads);
a subscription reads with a blocking XREAD on the asyncio client from the position it opened at,
so it sees every event published after `subscribe`, from any process.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Collection
from typing import Any

import redis
import redis.asyncio as aioredis

from agentfloor.core.events import Event, topic_matches

__all__ = ["RedisEventBus", "RedisSubscription"]


def stream_key(tenant_id: str) -> str:
    """Return the stream name of a tenant."""
    return f"agentfloor:events:{tenant_id}"


def _encode(event: Event) -> dict[str, str]:
    return {
        "id": event.id,
        "topic": event.topic,
        "at": repr(event.at),
        "subject_id": event.subject_id,
        "data": json.dumps(event.data, separators=(",", ":")),
    }


def _decode(tenant_id: str, f: dict[str, str]) -> Event:
    data: dict[str, Any] = json.loads(f["data"])
    return Event(
        id=f["id"],
        tenant_id=tenant_id,
        topic=f["topic"],
        at=float(f["at"]),
        subject_id=f["subject_id"],
        data=data,
    )


class RedisSubscription:
    """Reads one tenant's stream from where it was opened, keeping matching events."""

    def __init__(
        self, url: str, tenant_id: str, topics: list[str], start_id: str, block_ms: int
    ) -> None:
        self.tenant_id = tenant_id
        self.topics = list(topics)
        self._client = aioredis.Redis.from_url(url, decode_responses=True)
        self._key = stream_key(tenant_id)
        self._last_id = start_id
        self._closing: asyncio.Task[None] | None = None
        self._buffer: deque[Event] = deque()
        self._block_ms = block_ms
        self.closed = False
        self.subjects: frozenset[str] | None = None

    def follow(self, subject_ids: Collection[str] | None) -> None:
        """Keep only events about these subjects (None: every subject)."""
        self.subjects = None if subject_ids is None else frozenset(subject_ids)

    async def get(self) -> Event:
        """Wait for and return the next matching event."""
        while not self._buffer:
            if self.closed:
                raise ConnectionResetError("subscription closed")
            reply: Any = await self._client.xread(
                {self._key: self._last_id}, block=self._block_ms, count=100
            )
            for _stream, entries in reply or []:
                for entry_id, fields in entries:
                    self._last_id = entry_id
                    event = _decode(self.tenant_id, fields)
                    if topic_matches(self.topics, event.topic) and (
                        self.subjects is None or event.subject_id in self.subjects
                    ):
                        self._buffer.append(event)
        return self._buffer.popleft()

    def close(self) -> None:
        """Stop reading and release the connection (from inside the subscriber's event loop)."""
        if self.closed:
            return
        self.closed = True
        self._closing = asyncio.get_running_loop().create_task(self._client.aclose())


class RedisEventBus:
    """Publishes to per-tenant Redis streams; subscribers may live in any process."""

    def __init__(self, url: str, *, maxlen: int = 100_000, block_ms: int = 1000) -> None:
        self._url = url
        self._client = redis.Redis.from_url(url, decode_responses=True)
        self._maxlen = maxlen
        self._block_ms = block_ms

    def publish(self, event: Event) -> None:
        """Append the event to its tenant's stream."""
        fields: Any = _encode(event)
        self._client.xadd(
            stream_key(event.tenant_id), fields, maxlen=self._maxlen, approximate=True
        )

    def subscribe(self, tenant_id: str, topics: list[str]) -> RedisSubscription:
        """Open a subscription that sees every event published from now on."""
        newest: Any = self._client.xrevrange(stream_key(tenant_id), count=1)
        start_id = str(newest[0][0]) if newest else "0-0"
        return RedisSubscription(self._url, tenant_id, topics, start_id, self._block_ms)

    def close(self) -> None:
        """Release the publishing connection."""
        self._client.close()
