"""Identifiers: prefixed, time-ordered ids (ULID layout) and secrets.

Ids look like `cus_01JD3V6X4M2Q7ZK9W8R5T1YB3C`: a type prefix, then a ULID (48-bit millisecond
timestamp and 80 random bits in Crockford base32). They sort by creation time, which keyset
(cursor) pagination relies on. Written by hand because it is twelve lines and keeps the clock and
the randomness injectable, so a seeded simulation reproduces its ids exactly.
"""

from __future__ import annotations

import os
import random
import secrets
from typing import Protocol

from agentfloor.core.clock import Clock

__all__ = ["IdFactory", "RandomIdFactory", "UlidFactory", "new_secret"]

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


class IdFactory(Protocol):
    """Makes new ids for a given type prefix."""

    def new(self, prefix: str) -> str:
        """Return a new unique id such as `cus_01JD...`."""
        ...


class UlidFactory:
    """Time-ordered ids from a clock and OS randomness (the live default)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def new(self, prefix: str) -> str:
        """Return a new id with the given prefix."""
        ms = int(self._clock.now() * 1000)
        rand = int.from_bytes(os.urandom(10), "big")
        return f"{prefix}_{_encode(ms, 10)}{_encode(rand, 16)}"


class RandomIdFactory:
    """Time-ordered ids whose random part comes from a seeded generator (simulations, tests)."""

    def __init__(self, clock: Clock, rng: random.Random) -> None:
        self._clock = clock
        self._rng = rng

    def new(self, prefix: str) -> str:
        """Return a new, reproducible id with the given prefix."""
        ms = int(self._clock.now() * 1000)
        return f"{prefix}_{_encode(ms, 10)}{_encode(self._rng.getrandbits(80), 16)}"


def new_secret(nbytes: int = 24) -> str:
    """Return a URL-safe secret with `nbytes` bytes of entropy (for API keys)."""
    return secrets.token_urlsafe(nbytes)
