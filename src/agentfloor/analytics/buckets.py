"""Time buckets in the tenant's timezone: intervals of N minutes and days, with DST handled.

A bucket is cut on the local wall clock (an interval of 30 minutes starts at :00 and :30 local
time, a day at local midnight) and identified by its UTC start, so the repeated hour of a
fall-back night gives two distinct buckets (labelled with their offsets) and a spring-forward day
is 23 hours long. `zoneinfo` does the arithmetic: the IANA database is the only correct source.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agentfloor.core.errors import InvalidInput, ProblemDetail

__all__ = ["Bucket", "BucketGrid", "Buckets", "zone"]


def zone(name: str) -> ZoneInfo:
    """Return the IANA timezone, or raise `InvalidInput` naming it."""
    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown timezone {name!r}; use an IANA name such as Europe/London",
            problems=[ProblemDetail("timezone", f"unknown timezone {name!r}")],
        ) from exc


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class Bucket:
    """One interval or day: `[start, end)` in epoch seconds, and its local label."""

    start: float
    end: float
    label: str


class Buckets:
    """Cuts time into local intervals of `interval_min` minutes (a divisor of 1440) or days."""

    def __init__(self, timezone: str, interval_min: int) -> None:
        if interval_min <= 0 or 1440 % interval_min:
            raise InvalidInput(
                f"interval must divide a day into whole minutes (5, 15, 30, 60...), "
                f"got {interval_min} minutes",
                problems=[ProblemDetail("interval", "must divide 1440 minutes")],
            )
        self.tz = zone(timezone)
        self.interval_min = interval_min

    def day(self, at: float) -> Bucket:
        """Return the local day holding `at`."""
        return self._day(datetime.fromtimestamp(at, tz=self.tz).date())

    def _day(self, day: date) -> Bucket:
        start = datetime.combine(day, time(0), tzinfo=self.tz).timestamp()
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.tz).timestamp()
        return Bucket(start, end, day.isoformat())

    def interval(self, at: float) -> Bucket:
        """Return the local interval holding `at`.

        The floor is taken on the local clock with the UTC offset in force at `at`; DST changes
        fall on whole hours, which every allowed interval length divides into, so a change
        always falls on an interval boundary (the days bucket clips the rest).
        """
        local = datetime.fromtimestamp(at, tz=self.tz)
        offset = local.utcoffset()
        offset_s = offset.total_seconds() if offset is not None else 0.0
        width = self.interval_min * 60
        start = at - (at + offset_s) % width
        end = min(start + width, self._day(local.date()).end)
        return Bucket(start, end, datetime.fromtimestamp(start, tz=self.tz).isoformat())

    def split(self, start: float, end: float, *, days: bool) -> Iterator[Bucket]:
        """Yield the buckets covering `[start, end)`, each clipped to it."""
        at = start
        while at < end:
            bucket = self.day(at) if days else self.interval(at)
            stop = min(bucket.end, end)
            yield Bucket(at, stop, bucket.label)
            if stop <= at:  # never loop on a degenerate bucket
                break
            at = stop

    def grid(self, start: float, end: float, *, days: bool) -> BucketGrid:
        """Return the buckets of `[start, end)` laid out once, for fast lookups."""
        return BucketGrid(list(self.split(start, end, days=days)))


class BucketGrid:
    """The buckets of one range, in order; finds a time's bucket by bisection.

    A report places hundreds of thousands of times; working each one out with `zoneinfo` is the
    slow part, so the range's few thousand buckets are cut once and searched.
    """

    def __init__(self, buckets: list[Bucket]) -> None:
        self.buckets = buckets
        self.starts = [b.start for b in buckets]

    def find(self, at: float) -> Bucket | None:
        """Return the bucket holding `at`, None outside the range."""
        i = bisect_right(self.starts, at) - 1
        if i < 0 or at >= self.buckets[i].end:
            return None
        return self.buckets[i]

    def split(self, start: float, end: float) -> Iterator[Bucket]:
        """Yield the pieces of `[start, end)` (inside the range) by bucket, each clipped."""
        i = max(0, bisect_right(self.starts, start) - 1)
        buckets = self.buckets
        while i < len(buckets) and buckets[i].start < end:
            bucket = buckets[i]
            lo, hi = max(start, bucket.start), min(end, bucket.end)
            if lo < hi:
                yield Bucket(lo, hi, bucket.label)
            i += 1
