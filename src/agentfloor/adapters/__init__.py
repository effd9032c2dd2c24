"""Adapters: storage (SQLAlchemy), the event bus (in-process, Redis Streams), later channels.

Each adapter implements a Protocol that a domain package or the runtime declares.
"""

__all__: list[str] = []
