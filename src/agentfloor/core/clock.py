"""Clocks: the one place the wall clock is read.

Domain code receives `now` (seconds since the Unix epoch, a float) as an argument; only loops hold
a `Clock`. The live runtime uses `SystemClock`, the simulator and the tests a `VirtualClock`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol

__all__ = ["Clock", "SystemClock", "VirtualClock", "from_datetime", "to_datetime"]


class Clock(Protocol):
    """Something that tells the time in epoch seconds."""

    def now(self) -> float:
        """Return the current time in seconds since the Unix epoch."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> float:
        """Return the wall-clock time."""
        return time.time()


class VirtualClock:
    """A clock that moves only when told to: for simulations and tests."""

    def __init__(self, start_s: float = 1_767_225_600.0) -> None:  # 2026-01-01T00:00:00Z
        self._now = start_s

    def now(self) -> float:
        """Return the virtual time."""
        return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward by `seconds` (never backwards) and return the new time."""
        if seconds < 0:
            raise ValueError(f"a clock cannot go back in time (advance by {seconds} s)")
        self._now += seconds
        return self._now


def to_datetime(epoch_s: float) -> datetime:
    """Convert epoch seconds to a timezone-aware UTC datetime."""
    return datetime.fromtimestamp(epoch_s, tz=UTC)


def from_datetime(value: datetime) -> float:
    """Convert a datetime to epoch seconds; a naive datetime is taken to be UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
