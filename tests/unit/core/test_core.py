from __future__ import annotations

import random

import pytest

from agentfloor.core import RandomIdFactory, UlidFactory, VirtualClock, topic_matches
from agentfloor.core.clock import from_datetime, to_datetime


def test_ids_sort_by_time_and_carry_their_prefix() -> None:
    clock = VirtualClock()
    ids = UlidFactory(clock)
    made = []
    for _ in range(50):
        made.append(ids.new("cus"))
        clock.advance(0.002)
    assert made == sorted(made)
    assert all(i.startswith("cus_") and len(i) == 30 for i in made)
    assert len(set(made)) == 50


def test_seeded_ids_reproduce() -> None:
    a = RandomIdFactory(VirtualClock(), random.Random(7))
    b = RandomIdFactory(VirtualClock(), random.Random(7))
    assert [a.new("x") for _ in range(5)] == [b.new("x") for _ in range(5)]


def test_virtual_clock_never_goes_back() -> None:
    clock = VirtualClock(10.0)
    assert clock.advance(5) == 15.0
    with pytest.raises(ValueError, match="back in time"):
        clock.advance(-1)


def test_datetime_round_trip_is_utc() -> None:
    dt = to_datetime(1_767_225_600.123456)
    assert dt.tzinfo is not None and dt.utcoffset() is not None
    assert dt.isoformat().startswith("2026-01-01T00:00:00.123456")
    assert from_datetime(dt) == pytest.approx(1_767_225_600.123456, abs=1e-6)
    assert from_datetime(dt.replace(tzinfo=None)) == pytest.approx(1_767_225_600.123456, abs=1e-6)


@pytest.mark.parametrize(
    ("patterns", "topic", "expected"),
    [
        (["*"], "customer.created", True),
        (["customer"], "customer.created", True),
        (["customer.*"], "customer.created", True),
        (["customer.created"], "customer.created", True),
        (["customer.updated"], "customer.created", False),
        (["cust"], "customer.created", False),
        (["interaction", "note"], "note.created", True),
        ([], "note.created", False),
    ],
)
def test_topic_matching(patterns: list[str], topic: str, expected: bool) -> None:
    assert topic_matches(patterns, topic) is expected
