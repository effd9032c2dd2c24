from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentfloor.flows.hours import country_problem, is_open, parse_hours, timezone_problem
from agentfloor.flows.model import BusinessHoursBlock, OpenHours


def at(text: str) -> float:
    """Epoch seconds of a UTC time written as ISO 8601."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def block(
    timezone: str,
    spec: object,
    *,
    country: str | None = None,
    subdivision: str | None = None,
    closed_dates: tuple[str, ...] = (),
) -> BusinessHoursBlock:
    hours, problems = parse_hours(spec)
    assert problems == []
    return BusinessHoursBlock(
        "h", timezone, hours, "open", "closed", country, subdivision, closed_dates
    )


def test_parse_hours_reads_spans_lists_and_closed_days() -> None:
    hours, problems = parse_hours(
        {"mon-wed": "09:00-12:00", "fri": ["08:00-10:00", "14:00-24:00"], "sun": "closed"}
    )
    assert problems == []
    assert OpenHours(0, 540, 720) in hours and OpenHours(2, 540, 720) in hours
    assert OpenHours(4, 840, 1440) in hours
    assert not any(h.weekday in (3, 5, 6) for h in hours)


def test_parse_hours_wraps_a_span_over_the_weekend() -> None:
    hours, _ = parse_hours({"fri-mon": "10:00-11:00"})
    assert sorted(h.weekday for h in hours) == [0, 4, 5, 6]


@pytest.mark.parametrize(
    ("spec", "loc", "fragment"),
    [
        ({"funday": "09:00-10:00"}, ".funday", "not a day"),
        ({"mon": "9-5"}, ".mon", "not a time range"),
        ({"mon": "18:00-09:00"}, ".mon", "closes before it opens"),
        ({"mon": "09:00-25:00"}, ".mon", "does not exist"),
        ({"mon": ["09:00-10:00", 540]}, ".mon[1]", "in quotes"),
        ("09:00-17:00", "", "per day"),
    ],
    ids=["bad-day", "bad-range", "reversed", "no-such-time", "yaml-sexagesimal", "not-mapping"],
)
def test_parse_hours_problems(spec: object, loc: str, fragment: str) -> None:
    _, problems = parse_hours(spec)
    assert len(problems) == 1
    assert problems[0][0] == loc
    assert fragment in problems[0][1]


def test_local_time_decides_not_utc() -> None:
    new_york = block("America/New_York", {"mon-fri": "09:00-17:00"})
    assert is_open(new_york, at("2026-07-02T13:30:00"))  # Thu 09:30 EDT
    assert not is_open(new_york, at("2026-07-02T12:30:00"))  # Thu 08:30 EDT (12:30 UTC)
    assert not is_open(new_york, at("2026-07-02T21:30:00"))  # Thu 17:30 EDT


def test_a_public_holiday_closes_in_the_tenant_timezone() -> None:
    auckland = block("Pacific/Auckland", {"daily": "08:00-20:00"}, country="NZ")
    # 20:00 UTC on 24 December is already 09:00 on Christmas Day in Auckland (NZDT, +13).
    assert not is_open(auckland, at("2026-12-24T20:00:00"))
    assert is_open(auckland, at("2026-12-23T20:00:00"))  # 24 December, 09:00 local


def test_observed_holidays_and_subdivisions_count() -> None:
    us = block("America/New_York", {"mon-fri": "09:00-17:00"}, country="US")
    assert not is_open(us, at("2026-07-03T14:00:00"))  # 4 July is a Saturday: observed Friday
    scotland = block("Europe/London", {"mon-fri": "09:00-17:00"}, country="GB", subdivision="SCT")
    england = block("Europe/London", {"mon-fri": "09:00-17:00"}, country="GB", subdivision="ENG")
    assert not is_open(scotland, at("2026-01-02T10:00:00"))  # 2 January: Scottish bank holiday
    assert is_open(england, at("2026-01-02T10:00:00"))


def test_explicit_closed_dates_close_the_whole_local_day() -> None:
    london = block("Europe/London", {"daily": "00:00-24:00"}, closed_dates=("2026-06-10",))
    assert not is_open(london, at("2026-06-09T23:30:00"))  # 00:30 BST on 10 June
    assert is_open(london, at("2026-06-09T22:30:00"))  # 23:30 BST on 9 June


def test_timezone_and_country_problems() -> None:
    assert timezone_problem("Europe/London") is None
    assert "IANA" in (timezone_problem("Mars/Olympus") or "")
    assert "IANA" in (timezone_problem("../etc/passwd") or "")
    assert country_problem("GB", "ENG") is None
    unknown = country_problem("XX", None)
    assert unknown is not None and unknown[0] == "country"
    wrong = country_problem("GB", "XYZ")
    assert wrong is not None and wrong[0] == "subdivision" and "ENG" in wrong[1]
