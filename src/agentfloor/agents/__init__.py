"""AI agents: language understanding (`agents.nlu`) now; dialogue and skills build on it.

The package is pure domain code: models and rules that take text, examples and `now` and return
decisions. Anything that loads weights or talks to a service sits behind a Protocol in `ports`
modules and is implemented in `agentfloor.adapters`.
"""

from __future__ import annotations

__all__: list[str] = []
