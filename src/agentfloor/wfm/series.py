"""Arrival histories: validate (interval start, calls) rows and aggregate them to coarser intervals.

A forecast is only as good as its history, and a wrong history must never turn silently into a
wrong forecast. `arrival_series` therefore checks every row and either rejects the input with an
`InvalidInput` whose problems name the rows, or repairs it by a documented rule and reports the
repair in `ArrivalSeries.repairs`:

- non-finite or negative counts, duplicate starts, starts off the interval grid (non-uniform
  interval), mixed naive/aware timestamps and a history shorter than `MIN_HISTORY_DAYS` are errors.
  Duplicates are not summed: a re-exported row would double the calls.
- missing intervals (gaps) follow `fill`: `"interpolate"` (default) fills a gap of at most
  `max_gap_intervals` linearly between its neighbours, so a gap in closed hours (zeros on both
  sides) becomes zeros, and rejects longer gaps; `"zero"` reads every missing interval as no calls
  (the shape of a sparse export from the interactions table, which has no row for an empty
  interval); `"error"` rejects any gap.
- rows out of time order are sorted (no information is lost).

Daylight saving time. Without a `timezone`, naive starts are read as a wall-clock grid with no
DST: on a fall-back day the repeated hour's second rows are duplicate starts (an error that says
to give the time zone) and on a spring-forward day the skipped hour is a gap. With a `timezone`
(an IANA zone: the tenant's, or `agentfloor forecast --timezone`), every start becomes an
instant and the series runs on UTC intervals, as the interactions history does:

- a start with a UTC offset is used as given;
- a naive start is local wall time in the zone. A wall time the fall-back hour repeats is read,
  in row order, first as the earlier instant (still on daylight time, PEP 495 `fold=0`) and
  the second time as the later one (standard time, `fold=1`): a file that lists the hour twice
  keeps both as separate intervals. Listed once, it is the daylight-time interval, and the
  standard-time hour after it is a gap for the `fill` rule (so the repair is reported);
- a naive start in the spring-forward gap (01:30 on the day London's clocks jump from 01:00 to
  02:00) names no instant: an error naming the row, never a silent shift.

`ArrivalSeries.zone` keeps the zone so that forecasts are shown in local time again
(`ArrivalSeries.local`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from agentfloor.core.errors import InvalidInput, ProblemDetail

__all__ = [
    "MIN_HISTORY_DAYS",
    "ArrivalSeries",
    "GapFill",
    "aggregate_arrivals",
    "arrival_series",
    "time_zone",
]

#: Two full weeks: the least that shows a weekly season twice (MSTL needs two periods of each).
MIN_HISTORY_DAYS = 14

GapFill = Literal["interpolate", "zero", "error"]

#: At most this many problems are listed in one error; the message gives the total.
_MAX_PROBLEMS = 20


@dataclass(frozen=True, slots=True)
class ArrivalSeries:
    """A regular series of calls per interval: interval `i` starts at `start + i * interval`.

    `start` is local wall time (naive or aware, as given): holidays and the daily profile are
    local. With a `zone` it is naive UTC instead (the history's starts were resolved in that
    zone, see the module docstring), and `local` turns a time of the series back into the zone's.
    `repairs` says what `arrival_series` filled in, one line per gap.
    """

    start: datetime
    interval_min: int
    counts: npt.NDArray[np.float64]
    repairs: tuple[str, ...] = field(default=())
    zone: ZoneInfo | None = None

    def __len__(self) -> int:
        return len(self.counts)

    @property
    def per_day(self) -> int:
        """Intervals in one day."""
        return 24 * 60 // self.interval_min

    def start_of(self, index: int) -> datetime:
        """When interval `index` starts."""
        return self.start + timedelta(minutes=self.interval_min * index)

    def slice(self, begin: int, end: int) -> ArrivalSeries:
        """Intervals `begin` to `end` (exclusive) as a new series, without the repair notes."""
        return ArrivalSeries(
            self.start_of(begin), self.interval_min, self.counts[begin:end], zone=self.zone
        )

    def local(self, when: datetime) -> datetime:
        """Return a time of this series (a start, or a forecast's) as the history gave its times.

        Without a zone that is `when` itself; with one, `when` is naive UTC and comes back aware
        in the zone (so the two 01:30s of a fall-back night print as +01:00 and +00:00).
        """
        if self.zone is None:
            return when
        return when.replace(tzinfo=UTC).astimezone(self.zone)


def time_zone(name: str, field_name: str = "timezone") -> ZoneInfo:
    """Return the IANA zone `name` (Europe/London); `InvalidInput` naming `field_name` otherwise."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"{field_name} {name!r} is not an IANA time zone like Europe/London",
            problems=[ProblemDetail(field_name, f"{name!r} is not an IANA time zone")],
        ) from exc


def arrival_series(
    starts: Sequence[datetime],
    counts: Sequence[float],
    *,
    fill: GapFill = "interpolate",
    max_gap_intervals: int = 10,
    min_history_days: int = MIN_HISTORY_DAYS,
    timezone: ZoneInfo | None = None,
) -> ArrivalSeries:
    """Check a history of arrivals and return it as a regular series.

    Args:
        starts: the start of each interval, local time; rows are numbered from 0 in the problems.
        counts: calls that arrived in each interval.
        fill: what a missing interval means (see the module docstring).
        max_gap_intervals: the longest gap `"interpolate"` fills.
        min_history_days: the shortest history accepted.
        timezone: the zone of naive starts; with it, daylight-saving days follow the rule in
            the module docstring and the series runs on UTC intervals.

    Raises:
        InvalidInput: with one problem per bad row (the first 20), naming the row.
    """
    if len(starts) != len(counts):
        raise InvalidInput(f"{len(starts)} interval starts but {len(counts)} counts")
    if len(starts) < 2:
        raise _too_short(len(starts), min_history_days)
    problems = _bad_counts(counts)
    if timezone is None and len({t.tzinfo is None for t in starts}) > 1:
        problems.append(ProblemDetail("rows", "mixes timestamps with and without a time zone"))
    if problems:
        raise _invalid("bad arrival counts", problems)
    given = starts  # messages quote the rows as written
    if timezone is not None:
        starts = _utc_instants(starts, timezone)

    order = sorted(range(len(starts)), key=starts.__getitem__)
    t0 = starts[order[0]]
    offsets_s = np.array([(starts[i] - t0).total_seconds() for i in order])
    steps = np.diff(offsets_s)
    positive = steps[steps > 0]
    if len(positive) == 0:
        raise _invalid("every row has the same start", _duplicates(order, offsets_s))
    values, freq = np.unique(positive, return_counts=True)
    step_s = float(values[np.argmax(freq)])  # the usual interval; other steps are gaps or errors
    if step_s % 60 or (24 * 3600) % step_s:
        raise InvalidInput(f"the interval of {step_s:g} s does not divide a day into whole minutes")

    problems = _duplicates(order, offsets_s)
    if problems:
        raise _invalid(
            "duplicate interval starts (not summed: a re-export would double calls; if they are "
            "the repeated hour of a daylight-saving change, give the time zone)",
            problems,
        )
    off_grid = [
        ProblemDetail(
            f"rows[{order[k]}].start",
            f"{given[order[k]].isoformat()} is not on the "
            f"{step_s / 60:g}-minute grid starting {given[order[0]].isoformat()}",
        )
        for k in np.flatnonzero(offsets_s % step_s)
    ]
    if off_grid:
        raise _invalid("non-uniform interval", off_grid)

    slots = (offsets_s // step_s).astype(np.int64)
    n = int(slots[-1]) + 1
    interval_min = int(step_s // 60)
    if n * interval_min < min_history_days * 24 * 60:
        raise _too_short(n * interval_min / (24 * 60), min_history_days)
    filled = np.full(n, np.nan)
    filled[slots] = np.asarray(counts, dtype=np.float64)[order]
    series = ArrivalSeries(t0, interval_min, filled, zone=timezone)
    repairs = _fill_gaps(series, fill, max_gap_intervals)
    return ArrivalSeries(t0, interval_min, filled, tuple(repairs), zone=timezone)


def aggregate_arrivals(series: ArrivalSeries, interval_min: int) -> ArrivalSeries:
    """Sum a series into coarser intervals aligned to midnight (6-min -> 15, 30 or 60-min).

    A partial coarse interval at either end is dropped rather than under-counted.

    Raises:
        InvalidInput: if `interval_min` is not a multiple of the series' interval or does not
            divide a day.
    """
    if interval_min % series.interval_min or (24 * 60) % interval_min:
        raise InvalidInput(
            f"cannot aggregate {series.interval_min}-minute intervals to {interval_min} minutes",
            problems=[
                ProblemDetail(
                    "interval", "must be a multiple of the series interval that divides a day"
                )
            ],
        )
    factor = interval_min // series.interval_min
    minute_of_day = series.start.hour * 60 + series.start.minute
    skip = (-minute_of_day // series.interval_min) % factor
    whole = (len(series) - skip) // factor
    counts = series.counts[skip : skip + whole * factor].reshape(whole, factor).sum(axis=1)
    return ArrivalSeries(series.start_of(skip), interval_min, counts, series.repairs, series.zone)


def _utc_instants(starts: Sequence[datetime], zone: ZoneInfo) -> list[datetime]:
    """Return every start as naive UTC, naive ones read in `zone` by the module docstring's rule.

    Raises:
        InvalidInput: naming each naive start that falls in a spring-forward gap.
    """
    seen: dict[datetime, int] = {}  # how often each repeated (fall-back) wall time was read
    instants: list[datetime] = []
    problems: list[ProblemDetail] = []
    for i, start in enumerate(starts):
        if start.tzinfo is not None:
            instants.append(start.astimezone(UTC).replace(tzinfo=None))
            continue
        earlier, later = start.replace(tzinfo=zone, fold=0), start.replace(tzinfo=zone, fold=1)
        fold = 0
        if earlier.utcoffset() != later.utcoffset():  # a transition: repeated or skipped
            if _wall(earlier.astimezone(UTC), zone) != start:
                problems.append(
                    ProblemDetail(
                        f"rows[{i}].start",
                        f"{start.isoformat()} does not exist in {zone.key}: the clocks go "
                        "forward over it (daylight saving starts); remove the row or give the "
                        "time with its UTC offset",
                    )
                )
                continue
            fold = min(seen.get(start, 0), 1)  # first read: daylight time; then standard
            seen[start] = seen.get(start, 0) + 1
        local = later if fold else earlier
        instants.append(local.astimezone(UTC).replace(tzinfo=None))
    if problems:
        raise _invalid("times skipped by a daylight-saving change", problems)
    return instants


def _wall(instant: datetime, zone: tzinfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _bad_counts(counts: Sequence[float]) -> list[ProblemDetail]:
    problems = []
    for i, c in enumerate(counts):
        if not np.isfinite(c):
            problems.append(ProblemDetail(f"rows[{i}].calls", f"{c!r} is not a number"))
        elif c < 0:
            problems.append(ProblemDetail(f"rows[{i}].calls", f"{c!r} is negative"))
    return problems


def _duplicates(order: list[int], offsets_s: npt.NDArray[np.float64]) -> list[ProblemDetail]:
    same = np.flatnonzero(np.diff(offsets_s) == 0)
    return [
        ProblemDetail(f"rows[{order[k + 1]}].start", f"repeats the start of rows[{order[k]}]")
        for k in same
    ]


def _fill_gaps(series: ArrivalSeries, fill: GapFill, max_gap: int) -> list[str]:
    """Fill the NaN runs of the series' counts in place by the `fill` rule; one note per gap."""
    counts = series.counts
    missing = np.isnan(counts)
    if not missing.any():
        return []
    edges = np.diff(np.concatenate(([0], missing.astype(np.int8), [0])))
    gaps = [
        (int(a), int(b))
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True)
    ]

    def where(a: int, b: int) -> str:
        first = series.local(series.start_of(int(a)))
        return f"{b - a} missing interval(s) from {first.isoformat()}"

    if fill == "error" or (fill == "interpolate" and any(b - a > max_gap for a, b in gaps)):
        limit = "any" if fill == "error" else f"more than {max_gap}"
        raise _invalid(
            f"the history has gaps ({limit} missing intervals in a row is an error)",
            [
                ProblemDetail("rows", where(a, b))
                for a, b in gaps
                if fill == "error" or b - a > max_gap
            ],
        )
    notes = []
    for a, b in gaps:
        if fill == "zero":
            counts[a:b] = 0.0
            notes.append(f"{where(a, b)} read as no calls")
        else:  # a gap is never at an end: the first and last rows exist
            counts[a:b] = np.linspace(counts[a - 1], counts[b], b - a + 2)[1:-1]
            notes.append(f"{where(a, b)} interpolated")
    return notes


def _too_short(days: float, min_days: int) -> InvalidInput:
    return InvalidInput(
        f"the history covers {days:.1f} days; forecasting needs at least {min_days} days "
        "(two full weeks show the weekly pattern twice)",
        problems=[ProblemDetail("rows", f"at least {min_days} days of intervals are needed")],
    )


def _invalid(what: str, problems: list[ProblemDetail]) -> InvalidInput:
    shown = problems[:_MAX_PROBLEMS]
    more = f" (showing {len(shown)})" if len(problems) > len(shown) else ""
    head = "; ".join(f"{p.loc}: {p.message}" for p in shown[:3])
    return InvalidInput(f"{what}: {len(problems)} problem(s){more}: {head}", problems=shown)
