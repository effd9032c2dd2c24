"""Keyset pagination: a page of items and the cursor that continues after it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Page"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results; `next_after` is the id to continue after, None at the end."""

    items: list[T]
    next_after: str | None
