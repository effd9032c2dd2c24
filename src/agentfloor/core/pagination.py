"""Keyset pagination: a page of items and the cursor that continues after it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Page", "all_items"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results; `next_after` is the id to continue after, None at the end."""

    items: list[T]
    next_after: str | None


def all_items(fetch: Callable[[str | None], Page[T]]) -> list[T]:
    """Return the items of every page, calling `fetch(after)` until the last page."""
    items: list[T] = []
    after: str | None = None
    while True:
        page = fetch(after)
        items.extend(page.items)
        if page.next_after is None:
            return items
        after = page.next_after
