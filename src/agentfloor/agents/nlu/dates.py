"""Dates and times in a customer's words ("tomorrow at 3pm", "next Friday", "12/03"), resolved.

Finding and resolving are split on purpose. `dateparser.search.search_dates` finds dates in free
text, but reads "£25" as the 25th, "a second card" as one second from now, "May I" as May and
phone digits as years. So spans are found here by a small grammar of unambiguous cues (day words,
weekday and month names next to a number, clock times, "in 2 days", numeric dates), neighbouring
cues joined ("Monday" + "morning", "tomorrow" + "at 3pm"), and each span is resolved by
`dateparser.parse` relative to the injected `now` in the tenant's timezone. A weak cue (a bare
"at 8", "morning", "the 5th") counts only next to a strong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dateparser

__all__ = ["DateMatch", "find_dates"]

# Regions that write dates month first (12/03 is 3 December); everyone else day first.
MONTH_FIRST_REGIONS = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM", "PH", "FM"})

_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH_FULL = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
_MONTH = r"(?:" + _MONTH_FULL[3:-1] + r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_COUNT = (
    r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+couple\s+of"
    r"|a\s+few)"
)
_UNIT = r"(?:minute|min|hour|hr|day|week|fortnight|month|year)s?"
_PART = r"(?:morning|afternoon|evening|night)"
_AMPM = r"(?:am|pm|a\.m\.|p\.m\.)(?![a-z])"

_STRONG = [
    r"\b(?:the\s+)?day\s+(?:after|before)\s+(?:tomorrow|yesterday)\b",
    r"\b(?:today|tomorrow|tonight|yesterday)\b",
    r"\b(?:(?:next|last|this|coming)\s+)?" + _WEEKDAY + r"\b",
    r"\b(?:next|last|this|coming)\s+(?:week|weekend|month|year|fortnight)\b",
    r"\bthis\s+" + _PART + r"\b",
    r"\b(?:the\s+)?" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r"\b(?:,?\s+\d{4}\b)?",
    r"\b" + _MONTH + r"\s+" + _DAY + r"\b(?:,?\s+\d{4}\b)?",
    r"\b" + _MONTH + r"\s+\d{4}\b",
    r"\b(?:in|during|early|mid|late|end\s+of|beginning\s+of)\s+" + _MONTH_FULL + r"\b",
    r"\bon\s+the\s+\d{1,2}(?:st|nd|rd|th)\b",
    r"\b\d{4}-\d{2}-\d{2}\b",
    r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b",
    r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b",
    r"\b(?:in|within|after)\s+" + _COUNT + r"\s+" + _UNIT + r"\b",
    r"\b" + _COUNT + r"\s+" + _UNIT + r"\s+(?:ago|from\s+now|later)\b",
    r"\b\d{1,2}(?::\d{2})?\s*" + _AMPM,
    r"\b\d{1,2}:\d{2}\b",
    r"\b(?:noon|midday|midnight)\b",
    r"\b\d{1,2}\s*o'?clock\b",
]
_WEAK = [
    r"\b(?:in\s+the\s+)?" + _PART + r"\b",
    r"\bat\s+\d{1,2}\b(?!\s*(?:[:.]\d|" + _AMPM + r"|o'?clock))",
]
_STRONG_RE = re.compile("|".join(_STRONG), re.IGNORECASE)
_WEAK_RE = re.compile("|".join(_WEAK), re.IGNORECASE)
# What may stand between two cues of one expression: "Monday [at] 3pm", "5th [of] May".
_JOINER = re.compile(r"\s*(?:,\s*)?(?:at|on|of|the|in\s+the|from|by|around|about)?\s*", re.I)
_BARE_HOUR = re.compile(r"\bat\s+(\d{1,2})\b(?!\s*(?:[:.]\d|" + _AMPM + r"|o'?clock))", re.I)
_LATE = re.compile(r"\b(?:tonight|evening|night|afternoon)\b", re.IGNORECASE)
_TONIGHT = re.compile(r"\btonight\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DateMatch:
    """A date/time expression found in the text and the moment it means."""

    start: int
    end: int
    value: datetime  # timezone-aware, in the tenant's timezone


def find_dates(
    text: str, *, now: datetime, timezone: str, default_region: str | None
) -> list[DateMatch]:
    """Return every date/time expression in `text`, resolved relative to `now`.

    Args:
        text: the utterance (other entities already blanked out, so offsets are kept).
        now: the current moment, timezone-aware.
        timezone: the tenant's IANA timezone (`Europe/London`): "3pm" means 3pm there.
        default_region: ISO region; decides whether 12/03 is 12 March or 3 December.
    """
    zone = ZoneInfo(timezone)
    spans = _spans(text)
    if not spans:
        return []
    region = (default_region or "").upper()
    settings: dict[str, Any] = {
        "RELATIVE_BASE": now.astimezone(zone).replace(tzinfo=None),
        "TIMEZONE": timezone,
        "TO_TIMEZONE": timezone,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",  # "Friday", "5th of May": the next one (bookings)
        "DATE_ORDER": "MDY" if region in MONTH_FIRST_REGIONS else "DMY",
    }
    found = []
    for start, end in spans:
        value = _resolve(text[start:end], settings)
        if value is not None:
            found.append(DateMatch(start, end, value.astimezone(zone)))
    return found


def _spans(text: str) -> list[tuple[int, int]]:
    """Cue spans, neighbours joined; spans made only of weak cues are dropped."""
    cues = [(m.start(), m.end(), True) for m in _STRONG_RE.finditer(text)]
    taken = [(s, e) for s, e, _ in cues]
    cues += [
        (m.start(), m.end(), False)
        for m in _WEAK_RE.finditer(text)
        if not any(s < m.end() and m.start() < e for s, e in taken)
    ]
    cues.sort()
    merged: list[list[Any]] = []
    for start, end, strong in cues:
        if merged and (
            start <= merged[-1][1] or _JOINER.fullmatch(text, merged[-1][1], start) is not None
        ):
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] = merged[-1][2] or strong
        else:
            merged.append([start, end, strong])
    return [(start, end) for start, end, strong in merged if strong]


def _resolve(expression: str, settings: dict[str, Any]) -> datetime | None:
    """Ask dateparser what the expression means, after two fixes it does not make itself."""
    late = _LATE.search(expression) is not None

    def clock(match: re.Match[str]) -> str:
        # "tonight at 8" is 20:00, "tomorrow at 9" 09:00; dateparser ignores a bare "at 8".
        hour = int(match.group(1))
        return f"at {hour + 12 if late and hour < 12 else hour}:00"

    phrase = _TONIGHT.sub("today", _BARE_HOUR.sub(clock, expression))
    if late and _TONIGHT.search(expression) and not re.search(r"\d", expression):
        phrase += " evening"
    value: datetime | None = dateparser.parse(phrase, languages=["en"], settings=settings)
    return value
