"""Arrival histories across daylight-saving changes: the fall-back hour twice, the spring gap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm import arrival_series, time_zone

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def wall_clock_rows(
    first: datetime, days: int, zone: ZoneInfo, step_min: int = 30
) -> list[datetime]:
    """Naive local starts every `step_min` minutes of real time, as a phone system exports them.

    Walking UTC and printing local time lists the fall-back hour twice and skips the
    spring-forward hour, exactly as a per-interval export in local time does.
    """
    at = first.replace(tzinfo=zone).astimezone(UTC)
    end = (first + timedelta(days=days)).replace(tzinfo=zone).astimezone(UTC)
    rows = []
    while at < end:
        rows.append(at.astimezone(zone).replace(tzinfo=None))
        at += timedelta(minutes=step_min)
    return rows


@pytest.mark.parametrize(
    ("zone", "change_day"),
    [(LONDON, datetime(2026, 10, 25)), (NEW_YORK, datetime(2026, 11, 1))],
    ids=["london", "new-york"],
)
def test_a_fall_back_hour_listed_twice_is_two_intervals_in_order(
    zone: ZoneInfo, change_day: datetime
) -> None:
    starts = wall_clock_rows(change_day - timedelta(days=10), 20, zone)
    assert len(starts) == 20 * 48 + 2  # the repeated hour: two more half hours
    counts = [float(i) for i in range(len(starts))]  # each row's number: order is visible
    series = arrival_series(starts, counts, timezone=zone)
    assert series.zone is zone and series.repairs == ()
    assert len(series) == len(starts) and list(series.counts) == counts
    # Both 01:30s survive: the first on daylight time, the second on standard time.
    twice = [i for i, t in enumerate(starts) if t == change_day.replace(hour=1, minute=30)]
    first, second = (series.local(series.start_of(i)) for i in twice)
    assert first.replace(tzinfo=None) == second.replace(tzinfo=None)
    assert first.utcoffset() == (second.utcoffset() or timedelta(0)) + timedelta(hours=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)


def test_without_a_time_zone_the_repeated_hour_is_a_duplicate_that_asks_for_one() -> None:
    starts = wall_clock_rows(datetime(2026, 10, 15), 20, LONDON)
    with pytest.raises(InvalidInput, match="give the time zone") as caught:
        arrival_series(starts, [1.0] * len(starts))
    assert all(p.loc.startswith("rows[") for p in caught.value.problems)


def test_a_fall_back_hour_listed_once_is_daylight_time_and_the_other_hour_a_gap() -> None:
    starts = wall_clock_rows(datetime(2026, 10, 15), 20, LONDON)
    once = list(dict.fromkeys(starts))  # drops the second 01:00 and 01:30
    assert len(once) == len(starts) - 2
    series = arrival_series(once, [5.0] * len(once), timezone=LONDON)
    assert len(series) == len(starts)
    # The gap is the standard-time hour, named in local time with its offset.
    assert series.repairs == ("2 missing interval(s) from 2026-10-25T01:00:00+00:00 interpolated",)
    # The kept 01:00 is the daylight-time one: 00:00 UTC.
    kept = once.index(datetime(2026, 10, 25, 1))
    assert series.start_of(kept) == datetime(2026, 10, 25, 0, 0)


@pytest.mark.parametrize(
    ("zone", "skipped"),
    [(LONDON, datetime(2026, 3, 29, 1, 30)), (NEW_YORK, datetime(2026, 3, 8, 2, 0))],
    ids=["london", "new-york"],
)
def test_a_time_in_the_spring_forward_gap_is_an_error_naming_the_row(
    zone: ZoneInfo, skipped: datetime
) -> None:
    starts = wall_clock_rows(skipped - timedelta(days=10), 20, zone)
    assert skipped not in starts
    series = arrival_series(starts, [3.0] * len(starts), timezone=zone)
    assert series.repairs == () and len(series) == 20 * 48 - 2  # a 23-hour day, no gap
    bad = next(i for i, t in enumerate(starts) if t > skipped)
    starts.insert(bad, skipped)
    with pytest.raises(InvalidInput, match="daylight-saving") as caught:
        arrival_series(starts, [3.0] * len(starts), timezone=zone)
    (problem,) = caught.value.problems
    assert problem.loc == f"rows[{bad}].start"
    assert skipped.isoformat() in problem.message and "does not exist" in problem.message


def test_starts_with_offsets_are_used_as_given() -> None:
    naive = wall_clock_rows(datetime(2026, 10, 15), 20, LONDON)
    aware = [t.replace(tzinfo=LONDON) for t in naive]
    # Offsets spell out which 01:30 is which, so even the repeated hour needs no rule.
    fixed = [datetime.fromisoformat(t.astimezone(UTC).isoformat()) for t in aware]
    by_offset = arrival_series(fixed, [1.0] * len(fixed), timezone=NEW_YORK)
    assert by_offset.start == fixed[0].astimezone(UTC).replace(tzinfo=None)
    assert len(by_offset) == len(fixed) and by_offset.repairs == ()


def test_an_unknown_zone_is_invalid_input_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match="IANA") as caught:
        time_zone("Mars/Olympus", "--timezone")
    assert caught.value.problems[0].loc == "--timezone"
