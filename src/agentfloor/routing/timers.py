"""Routing timers: offer timeouts, escalations, wrap-up ends and re-offer cool-downs.

A binary heap of (due, sequence, kind, ref, aux) entries. Timers are never removed when the thing
they watch changes (an accepted offer, a task that left its queue); instead the engine checks, when
a timer comes up, that it still applies (`is_live`), which keeps scheduling O(log n) and
cancelling free. `heapq` is all this needs; the sequence number keeps equal due times in the
order they were scheduled, so a replay is deterministic. The heap holds plain tuples of
immutable values (the kind as a plain int), which are cheaper to build than named tuples and
which the cyclic garbage collector stops tracking.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from enum import IntEnum
from typing import TypeAlias

__all__ = ["TimerEntry", "TimerKind", "Timers"]


class TimerKind(IntEnum):
    """What a timer does when it comes due."""

    RESERVATION_TIMEOUT = 0  # ref: reservation id
    ESCALATION = 1  # ref: task id, aux: the target index it was set for
    WRAPUP_END = 2  # ref: task id
    REOFFER = 3  # ref: task id, aux: worker id whose cool-down for the task ends


# (due, seq, kind, ref, aux): kind is a TimerKind value; ref and aux are as TimerKind says
TimerEntry: TypeAlias = tuple[float, int, int, str, str]


class Timers:
    """A heap of timers with lazy cancellation: dead entries are skipped when they come up."""

    def __init__(self, is_live: Callable[[TimerEntry], bool]) -> None:
        self.heap: list[TimerEntry] = []  # read it (empty: no timers), change it only here
        self._seq = 0
        self._is_live = is_live

    def __len__(self) -> int:
        return len(self.heap)

    def schedule(self, due: float, kind: int, ref: str, aux: str = "") -> None:
        """Add a timer (`kind`: a `TimerKind`, or its value)."""
        self._seq += 1
        heapq.heappush(self.heap, (due, self._seq, kind, ref, aux))

    def next_due(self) -> float | None:
        """Return when the earliest live timer is due (dropping dead ones on the way), or None."""
        heap = self.heap
        while heap and not self._is_live(heap[0]):
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, now: float) -> TimerEntry | None:
        """Remove and return the earliest live timer due by `now`, or None."""
        due = self.next_due()
        if due is None or due > now:
            return None
        return heapq.heappop(self.heap)
