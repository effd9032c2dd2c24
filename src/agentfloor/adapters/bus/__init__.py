"""Event buses behind `core.events.EventBus`: in-process (default) and Redis Streams (at scale)."""

from __future__ import annotations

from agentfloor.adapters.bus.memory import InMemoryEventBus, MemorySubscription
from agentfloor.adapters.bus.redis_streams import RedisEventBus, RedisSubscription

__all__ = ["InMemoryEventBus", "MemorySubscription", "RedisEventBus", "RedisSubscription"]
