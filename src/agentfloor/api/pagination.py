"""Opaque cursors for keyset pagination and the page envelope every list endpoint returns."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from agentfloor.core.errors import InvalidInput, ProblemDetail

__all__ = ["Cursor", "Limit", "PageOut", "decode_cursor", "encode_cursor"]

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (1-500).")]
Cursor = Annotated[
    str | None, Query(description="`next_cursor` of the previous page; omit for the first page.")
]


class PageOut(BaseModel, Generic[T]):
    """One page; pass `next_cursor` as `cursor` to get the next, null at the end."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(value: str | None) -> str | None:
    """Wrap a position (an id, or `at|id`) into an opaque cursor."""
    if value is None:
        return None
    return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """Unwrap a cursor; a tampered or truncated one is a 422 naming the parameter."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(
            "the cursor is not one this API gave out; use next_cursor from the previous page",
            problems=[ProblemDetail("query.cursor", "invalid cursor")],
        ) from exc
    if not raw or len(raw) > 200:
        raise InvalidInput(
            "the cursor is not one this API gave out",
            problems=[ProblemDetail("query.cursor", "invalid cursor")],
        )
    return raw
