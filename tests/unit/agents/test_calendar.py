from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agentfloor.agents.calendar import Booking, FreeSlot, SlotCalendar
from agentfloor.core.errors import InvalidInput

LONDON = ZoneInfo("Europe/London")
HOUR = 3600.0


def london(text: str) -> float:
    """Epoch seconds of a London wall time such as 2026-03-02T09:00 (first one in a fold)."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON).timestamp()


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def calendar(hours: Mapping[str, object] | None = None, **settings: Any) -> SlotCalendar:
    settings.setdefault("timezone", "Europe/London")
    settings.setdefault("slot_minutes", 60)
    return SlotCalendar(hours or {"mon-fri": "09:00-12:00"}, **settings)


def starts(slots: list[FreeSlot]) -> list[str]:
    return [datetime.fromtimestamp(s.start, LONDON).strftime("%a %H:%M") for s in slots]


MONDAY_8 = london("2026-03-02T08:00")  # a Monday, before opening


def test_free_slots_follow_the_grid_inside_opening_hours() -> None:
    slots = calendar().free_slots([], MONDAY_8, 5)
    assert starts(slots) == ["Mon 09:00", "Mon 10:00", "Mon 11:00", "Tue 09:00", "Tue 10:00"]
    first = slots[0]
    assert first == FreeSlot("default", london("2026-03-02T09:00"), london("2026-03-02T10:00"))


def test_a_slot_must_end_by_closing_time() -> None:
    slots = calendar({"mon": "09:00-11:30"}).free_slots([], MONDAY_8, 3, resource="default")
    assert starts(slots) == ["Mon 09:00", "Mon 10:00", "Mon 09:00"]  # 11:00-12:00 is too late
    assert slots[2].start == london("2026-03-09T09:00")


def test_split_hours_and_several_ranges_a_day() -> None:
    cal = calendar({"sat": ["10:00-11:00", "14:00-16:00"]})
    slots = cal.free_slots([], MONDAY_8, 4)
    assert starts(slots) == ["Sat 10:00", "Sat 14:00", "Sat 15:00", "Sat 10:00"]


def test_booked_and_overlapping_slots_are_skipped() -> None:
    booked: list[Booking] = [
        ("default", london("2026-03-02T09:00"), london("2026-03-02T10:00")),
        ("default", london("2026-03-02T10:30"), london("2026-03-02T10:45")),  # overlaps 10:00
        ("elsewhere", london("2026-03-02T11:00"), london("2026-03-02T12:00")),
    ]
    assert starts(calendar().free_slots(booked, MONDAY_8, 2)) == ["Mon 11:00", "Tue 09:00"]


def test_a_booking_ending_as_a_slot_starts_does_not_block_it() -> None:
    booked = [("default", london("2026-03-02T08:00"), london("2026-03-02T09:00"))]
    assert starts(calendar().free_slots(booked, MONDAY_8, 1)) == ["Mon 09:00"]


def test_slots_in_the_past_are_not_offered() -> None:
    slots = calendar().free_slots([], london("2026-03-02T10:15"), 2)
    assert starts(slots) == ["Mon 11:00", "Tue 09:00"]


def test_nothing_is_offered_past_the_horizon() -> None:
    slots = calendar(horizon_days=1).free_slots([], MONDAY_8, 10)
    assert starts(slots) == ["Mon 09:00", "Mon 10:00", "Mon 11:00"]
    assert calendar().free_slots([], MONDAY_8, 0) == []


def test_weekends_and_closed_dates_have_no_slots() -> None:
    friday = london("2026-03-06T11:30")
    assert starts(calendar().free_slots([], friday, 1)) == ["Mon 09:00"]
    closed = calendar(closed_dates=["2026-03-09"]).free_slots([], friday, 1)
    assert closed[0].start == london("2026-03-10T09:00")


def test_resources_are_booked_separately() -> None:
    cal = calendar(resources=["room_a", "room_b"])
    booked = [("room_a", london("2026-03-02T09:00"), london("2026-03-02T10:00"))]
    any_room = cal.free_slots(booked, MONDAY_8, 2)
    assert [(s.resource, starts([s])[0]) for s in any_room] == [
        ("room_b", "Mon 09:00"),
        ("room_a", "Mon 10:00"),
    ]
    assert starts(cal.free_slots(booked, MONDAY_8, 1, resource="room_a")) == ["Mon 10:00"]
    assert cal.free_slots(booked, MONDAY_8, 1, resource="room_z") == []


def test_near_gives_the_closest_free_slots_in_time_order() -> None:
    cal = calendar({"mon-fri": "09:00-17:00"})
    wanted = london("2026-03-03T13:00")
    booked = [("default", wanted, wanted + HOUR)]
    slots = cal.free_slots(booked, MONDAY_8, 3, near=wanted)
    # Equal distances prefer the earlier slot: 12:00 and 14:00 are one hour away, then 11:00
    # and 15:00 two hours; 11:00 wins the tie.
    assert starts(slots) == ["Tue 11:00", "Tue 12:00", "Tue 14:00"]


def test_spring_forward_day_skips_the_missing_hour() -> None:
    # Sunday 29 March 2026: London clocks jump from 01:00 GMT to 02:00 BST.
    cal = calendar({"sun": "00:00-04:00"}, slot_minutes=30)
    slots = cal.free_slots([], london("2026-03-28T12:00"), 6)
    wall = [datetime.fromtimestamp(s.start, LONDON).strftime("%H:%M") for s in slots]
    assert wall == ["00:00", "00:30", "02:00", "02:30", "03:00", "03:30"]
    assert slots[1].start == utc("2026-03-29T00:30")  # GMT
    assert slots[2].start == utc("2026-03-29T01:00")  # 02:00 BST
    assert all(s.end - s.start == 1800 for s in slots)
    assert cal.moment("2026-03-29", "01:30") is None


def test_opening_hours_keep_their_wall_time_across_the_change() -> None:
    cal = calendar({"mon": "09:00-10:00"})
    before = cal.free_slots([], london("2026-03-23T00:00"), 1)[0]
    after = cal.free_slots([], london("2026-03-30T00:00"), 1)[0]
    assert before.start == utc("2026-03-23T09:00")  # GMT
    assert after.start == utc("2026-03-30T08:00")  # 09:00 BST
    assert cal.describe(after) == "Monday 30 March at 09:00"


def test_fall_back_day_offers_the_repeated_hour_once() -> None:
    # Sunday 25 October 2026: 01:00-02:00 happens twice (BST, then GMT).
    cal = calendar({"sun": "00:00-03:00"})
    slots = cal.free_slots([], london("2026-10-24T12:00"), 3)
    assert [s.start for s in slots] == [
        utc("2026-10-24T23:00"),  # 00:00 BST
        utc("2026-10-25T00:00"),  # 01:00 BST, the first of the two
        utc("2026-10-25T02:00"),  # 02:00 GMT
    ]


def test_is_bookable_checks_grid_hours_time_horizon_and_bookings() -> None:
    cal = calendar(horizon_days=14)
    ten = london("2026-03-02T10:00")
    booked = [("default", ten, ten + HOUR)]
    now = MONDAY_8
    assert cal.is_bookable([], None, ten, now=now) == FreeSlot("default", ten, ten + HOUR)
    assert cal.is_bookable([], "default", ten, now=now) is not None
    assert cal.is_bookable(booked, None, ten, now=now) is None  # taken
    assert cal.is_bookable([], None, ten + 900, now=now) is None  # 10:15: off the grid
    assert cal.is_bookable([], None, london("2026-03-02T13:00"), now=now) is None  # closed
    assert cal.is_bookable([], None, london("2026-03-07T10:00"), now=now) is None  # Saturday
    assert cal.is_bookable([], None, ten, now=ten + 60) is None  # already started
    assert cal.is_bookable([], None, london("2026-03-23T10:00"), now=now) is None  # horizon
    assert cal.is_bookable([], "nowhere", ten, now=now) is None


def test_is_bookable_picks_a_free_resource() -> None:
    cal = calendar(resources=["a", "b"])
    ten = london("2026-03-02T10:00")
    slot = cal.is_bookable([("a", ten, ten + HOUR)], None, ten, now=MONDAY_8)
    assert slot is not None and slot.resource == "b"
    assert cal.is_bookable([("a", ten, ten + HOUR)], "a", ten, now=MONDAY_8) is None


def test_describe_says_day_date_and_time_in_the_calendar_zone() -> None:
    cal = calendar()
    slot = FreeSlot("default", utc("2026-12-01T14:00"), utc("2026-12-01T15:00"))
    assert cal.describe(slot) == "Tuesday 1 December at 14:00"
    assert calendar(timezone="America/New_York").describe(slot) == "Tuesday 1 December at 09:00"
    assert cal.describe(utc("2026-07-01T14:00")) == "Wednesday 1 July at 15:00"  # BST


def test_describe_choices_joins_slots_in_one_phrase() -> None:
    cal = calendar()
    slots = cal.free_slots([], MONDAY_8, 4)
    assert cal.describe_choices(slots) == (
        "Monday 2 March at 09:00, 10:00, 11:00 or Tuesday 3 March at 09:00"
    )
    assert cal.describe_choices(slots[:1]) == "Monday 2 March at 09:00"
    assert cal.describe_choices([]) == ""


def test_moment_reads_slot_values_in_the_calendar_zone() -> None:
    cal = calendar()
    assert cal.moment("2026-07-01", "15:00") == utc("2026-07-01T14:00")
    assert cal.moment("2026-07-01", "25:00") is None
    assert cal.moment("1 July", "15:00") is None


def test_settings_are_checked_and_every_problem_reported() -> None:
    with pytest.raises(InvalidInput) as caught:
        SlotCalendar(
            {"mon": "17:00-09:00", "funday": "09:00-10:00"},
            timezone="Mars/Olympus",
            slot_minutes=0,
            resources=[],
            horizon_days=400,
            closed_dates=["someday"],
        )
    assert sorted(p.loc for p in caught.value.problems) == [
        "closed_dates[0]",
        "horizon_days",
        "hours.funday",
        "hours.mon",
        "resources",
        "slot_minutes",
        "timezone",
    ]
    with pytest.raises(InvalidInput) as twice:
        SlotCalendar({"mon": "09:00-10:00"}, resources=["a", "a"])
    assert [p.loc for p in twice.value.problems] == ["resources"]
    with pytest.raises(InvalidInput) as empty:
        SlotCalendar({})
    assert [p.loc for p in empty.value.problems] == ["hours"]


def test_settings_are_kept_in_normal_form() -> None:
    cal = SlotCalendar(
        {"mon": "09:00-10:00"}, resources=["a", "b"], closed_dates=["2026-12-25", "2026-12-25"]
    )
    assert cal.resources == ("a", "b")
    assert cal.closed_dates == frozenset({"2026-12-25"})
    assert cal == SlotCalendar(
        {"mon": "09:00-10:00"}, resources=("a", "b"), closed_dates=["2026-12-25"]
    )
