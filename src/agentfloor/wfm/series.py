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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
import numpy.typing as npt

from agentfloor.core.errors import InvalidInput, ProblemDetail

__all__ = [
    "MIN_HISTORY_DAYS",
    "ArrivalSeries",
    "GapFill",
    "aggregate_arrivals",
    "arrival_series",
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
    local. `repairs` says what `arrival_series` filled in, one line per gap.
    """

    start: datetime
    interval_min: int
    counts: npt.NDArray[np.float64]
    repairs: tuple[str, ...] = field(default=())

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
        return ArrivalSeries(self.start_of(begin), self.interval_min, self.counts[begin:end])


def arrival_series(
    starts: Sequence[datetime],
    counts: Sequence[float],
    *,
    fill: GapFill = "interpolate",
    max_gap_intervals: int = 10,
    min_history_days: int = MIN_HISTORY_DAYS,
) -> ArrivalSeries:
    """Check a history of arrivals and return it as a regular series.

    Args:
        starts: the start of each interval, local time; rows are numbered from 0 in the problems.
        counts: calls that arrived in each interval.
        fill: what a missing interval means (see the module docstring).
        max_gap_intervals: the longest gap `"interpolate"` fills.
        min_history_days: the shortest history accepted.

    Raises:
        InvalidInput: with one problem per bad row (the first 20), naming the row.
    """
    if len(starts) != len(counts):
        raise InvalidInput(f"{len(starts)} interval starts but {len(counts)} counts")
    if len(starts) < 2:
        raise _too_short(len(starts), min_history_days)
    problems = _bad_counts(counts)
    if len({t.tzinfo is None for t in starts}) > 1:
        problems.append(ProblemDetail("rows", "mixes timestamps with and without a time zone"))
    if problems:
        raise _invalid("bad arrival counts", problems)

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
            "duplicate interval starts (not summed: a re-export would double calls)", problems
        )
    off_grid = [
        ProblemDetail(
            f"rows[{order[k]}].start",
            f"{starts[order[k]].isoformat()} is not on the "
            f"{step_s / 60:g}-minute grid starting {t0.isoformat()}",
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
    repairs = _fill_gaps(filled, t0, interval_min, fill, max_gap_intervals)
    return ArrivalSeries(t0, interval_min, filled, tuple(repairs))


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
    return ArrivalSeries(series.start_of(skip), interval_min, counts, series.repairs)


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


def _fill_gaps(
    counts: npt.NDArray[np.float64],
    t0: datetime,
    interval_min: int,
    fill: GapFill,
    max_gap: int,
) -> list[str]:
    """Fill the NaN runs of `counts` in place by the `fill` rule; return one note per gap."""
    missing = np.isnan(counts)
    if not missing.any():
        return []
    edges = np.diff(np.concatenate(([0], missing.astype(np.int8), [0])))
    gaps = [
        (int(a), int(b))
        for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True)
    ]

    def where(a: int, b: int) -> str:
        first = t0 + timedelta(minutes=interval_min * int(a))
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
