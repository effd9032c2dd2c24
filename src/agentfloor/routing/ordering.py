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
        # base -> (the last key issued for it, live tasks issued for it): one dict read and one
        # write per issue or release (this is once per task on the routing hot path)
        self._bases: dict[float, tuple[float, int]] = {}
        self._keys: set[float] = set()

    def issue(self, base: float) -> float:
        """Return a new key for `base`: `base` itself unless a live task holds it."""
        keys = self._keys
        got = self._bases.get(base)
        if got is None:
            key, live = base, 1
        else:
            key, live = math.nextafter(got[0], math.inf), got[1] + 1
        while key in keys:
            key = math.nextafter(key, math.inf)
        self._bases[base] = (key, live)
        keys.add(key)
        return key

    def restore(self, key: float) -> float:
        """Register a persisted key (its own base) and return the base to release it by."""
        last, live = self._bases.get(key, (key, 0))
        self._bases[key] = (max(last, key), live + 1)
        self._keys.add(key)
        return key

    def release(self, base: float, key: float) -> None:
        """Free `key`: its task will not be queued again (assigned or finished)."""
        self._keys.discard(key)
        got = self._bases.get(base)
        if got is None:
            return
        if got[1] > 1:
            self._bases[base] = (got[0], got[1] - 1)
        else:
            del self._bases[base]
