"""Queue order keys: `queued_at - priority * priority_step_s`, unique among live tasks.

A task's key is fixed when it is first queued and persisted with it, so that a re-queued task
goes back to its original place and a restarted router rebuilds every queue in the same order
from the keys alone. Lower keys are offered first: priority first, FIFO within a priority, and
aging lets a long waiter overtake newer tasks of a higher priority (one level is worth
`priority_step_s` seconds of waiting).
"""

from __future__ import annotations

import math

__all__ = ["OrderKeys"]


class OrderKeys:
    """Hands out order keys that are unique among live tasks.

    A key is `queued_at - priority * priority_step_s`; two tasks queued at the same moment with the
    same priority would tie, and the tie-break (submission order) would be lost on restart. So a
    tie is nudged up by the smallest float step (`math.nextafter`): every live task has a
    distinct key, and the persisted key alone restores the exact order.
    """

    def __init__(self) -> None:
        self._last: dict[float, float] = {}  # base -> the last key issued for it
        self._live: dict[float, int] = {}  # base -> live tasks issued for it
        self._keys: set[float] = set()

    def issue(self, base: float) -> float:
        """Return a new key for `base`: `base` itself unless a live task holds it."""
        last = self._last.get(base)
        key = base if last is None else math.nextafter(last, math.inf)
        while key in self._keys:
            key = math.nextafter(key, math.inf)
        self._last[base] = key
        self._live[base] = self._live.get(base, 0) + 1
        self._keys.add(key)
        return key

    def restore(self, key: float) -> float:
        """Register a persisted key (its own base) and return the base to release it by."""
        self._last[key] = max(self._last.get(key, key), key)
        self._live[key] = self._live.get(key, 0) + 1
        self._keys.add(key)
        return key

    def release(self, base: float, key: float) -> None:
        """Free `key`: its task will not be queued again (assigned or finished)."""
        self._keys.discard(key)
        left = self._live.get(base, 0) - 1
        if left > 0:
            self._live[base] = left
        else:
            self._live.pop(base, None)
            self._last.pop(base, None)
