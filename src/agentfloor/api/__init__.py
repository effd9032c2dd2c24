"""The HTTP entry point: `/v1` REST and WebSocket API built on the runtime services."""

from __future__ import annotations

from agentfloor.api.app import create_app

__all__ = ["create_app"]
