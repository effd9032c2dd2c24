"""Business hours: a weekly timetable in the tenant's time zone, public holidays, closed dates.

Owns the small timetable syntax of `business_hours` blocks (`mon-fri: "08:00-18:00"`, a list of
ranges per day, `closed`) and the one question the interpreter asks: is the contact centre open at
`now`? Time zones come from the standard library's `zoneinfo` (the IANA database) and public
holidays from the `holidays` package (country and optional subdivision codes), so neither rule
set is hand-kept here; only the timetable parsing is ours, since it is this product's syntax.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

import holidays

from agentfloor.flows.model import BusinessHoursBlock, OpenHours

__all__ = ["DAYS", "country_problem", "is_open", "parse_hours", "timezone_problem"]

DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE: Final = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_DAY_SPAN: Final = re.compile(r"^\s*([a-z]{3})\s*(?:-\s*([a-z]{3})\s*)?$")


def parse_hours(spec: object) -> tuple[tuple[OpenHours, ...], list[tuple[str, str]]]:
    """Read a weekly timetable; return the intervals and every (sub-path, problem) found.

    `spec` maps days (`mon`, a span `mon-fri` or `daily`) to `"HH:MM-HH:MM"`, a list of those,
    or `closed`. A range ends after it starts (`24:00` is allowed as an end); hours past
    midnight are written as two ranges on the two days.
    """
    if not isinstance(spec, dict) or not spec:
        return (), [("", "give the opening hours per day, e.g. {mon-fri: '08:00-18:00'}")]
    hours: list[OpenHours] = []
    problems: list[tuple[str, str]] = []
    for key, value in spec.items():
        days = _days(str(key))
        if days is None:
            problems.append(
                (f".{key}", f"{key!r} is not a day; use {', '.join(DAYS)}, a span or daily")
            )
            continue
        ranges = value if isinstance(value, list) else [value]
        for index, item in enumerate(ranges):
            sub = f".{key}" + (f"[{index}]" if isinstance(value, list) else "")
            if isinstance(item, str) and item.strip().lower() == "closed":
                continue
            interval = _minutes(item)
            if isinstance(interval, str):
                problems.append((sub, interval))
                continue
            hours += [OpenHours(day, interval[0], interval[1]) for day in days]
    return tuple(hours), problems


def timezone_problem(name: str) -> str | None:
    """Why `name` is not an IANA time zone (e.g. `Europe/London`), or None when it is one."""
    try:
        ZoneInfo(name)
    except (ValueError, KeyError):
        return f"{name!r} is not a time zone; use an IANA name such as Europe/London or UTC"
    return None


def country_problem(country: str, subdivision: str | None) -> tuple[str, str] | None:
    """(field, why) when the holiday country (ISO 3166) or its subdivision is unknown, or None."""
    supported = holidays.list_supported_countries()
    if country not in supported:
        return "country", f"{country!r} is not a country the holiday calendar knows; use e.g. GB"
    if subdivision is not None and subdivision not in supported[country]:
        known = ", ".join(supported[country]) or "none"
        return "subdivision", f"{subdivision!r} is not a subdivision of {country}; use: {known}"
    return None


def is_open(block: BusinessHoursBlock, now: float) -> bool:
    """Whether the timetable is open at `now` (epoch seconds), in the block's time zone."""
    local = datetime.fromtimestamp(now, ZoneInfo(block.timezone))
    day = local.date()
    if day.isoformat() in block.closed_dates:
        return False
    if block.country and day in _holidays(block.country, block.subdivision, day.year):
        return False
    minute = local.hour * 60 + local.minute
    return any(
        h.weekday == local.weekday() and h.start_min <= minute < h.end_min for h in block.hours
    )


@functools.lru_cache(maxsize=256)
def _holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    # Building a calendar costs about a millisecond; a tenant asks for the same year all day.
    calendar = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(calendar.keys())


def _days(key: str) -> list[int] | None:
    key = key.strip().lower()
    if key in ("daily", "every day", "mon-sun"):
        return list(range(7))
    span = _DAY_SPAN.match(key)
    if span is None or span[1] not in DAYS or (span[2] and span[2] not in DAYS):
        return None
    first = DAYS.index(span[1])
    last = DAYS.index(span[2]) if span[2] else first
    return [(first + offset) % 7 for offset in range((last - first) % 7 + 1)]


def _minutes(item: object) -> tuple[int, int] | str:
    if not isinstance(item, str):
        return f"{item!r} is not a time range; write it in quotes like '08:00-18:00'"
    found = _RANGE.match(item)
    if found is None:
        return f"{item!r} is not a time range like '08:00-18:00' (or 'closed')"
    start = int(found[1]) * 60 + int(found[2])
    end = int(found[3]) * 60 + int(found[4])
    if int(found[2]) > 59 or int(found[4]) > 59 or start >= 24 * 60 or end > 24 * 60:
        return f"{item!r} has a time that does not exist; hours run 00:00 to 24:00"
    if end <= start:
        return (
            f"{item!r} closes before it opens; split hours past midnight over two days "
            "('22:00-24:00' and '00:00-02:00')"
        )
    return start, end
