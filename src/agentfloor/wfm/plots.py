"""Pictures of WFM answers as PNG bytes: forecast vs history, backtest vs actual, roster coverage.

One drawing per answer, shared by `agentfloor forecast` / `agentfloor schedule` (which write the
bytes to a file) and the REST endpoints (which return them as `image/png`). matplotlib's object
API with the Agg canvas: no pyplot global state and no display, so it is safe in a server's
threadpool; it is imported when a picture is drawn, not when this module is.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from agentfloor.wfm.backtest import BacktestResult
from agentfloor.wfm.forecast import ArrivalForecast
from agentfloor.wfm.scheduling_model import ScheduleResult
from agentfloor.wfm.series import ArrivalSeries

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from matplotlib.figure import Figure

__all__ = ["backtest_png", "coverage_png", "forecast_png"]

_MINUTES_PER_DAY = 1440

Line = tuple[str, Sequence[datetime], npt.NDArray[np.float64]]


def forecast_png(series: ArrivalSeries, fc: ArrivalForecast) -> bytes:
    """Draw the last two weeks of history and the forecast after it."""
    week = 7 * series.per_day
    tail = series.slice(max(0, len(series) - 2 * week), len(series))
    return _draw(
        f"{fc.model} forecast after {len(series)} intervals of history",
        [("history", _times(tail.start, tail.interval_min, len(tail)), tail.counts)],
        [(fc.model, _times(fc.start, fc.interval_min, len(fc.calls)), fc.calls)],
        series.zone,
    )


def backtest_png(result: BacktestResult) -> bytes:
    """Draw the last backtest origin: what arrived and what each model forecast."""
    last = result.origins[-1]
    times = _times(last.origin, result.interval_min, len(last.actual))
    return _draw(
        f"Last backtest origin {last.origin:%Y-%m-%d}: forecast vs actual",
        [("actual", times, last.actual)],
        [(f"{name} (WAPE {w:.1%})", times, last.forecasts[name]) for name, w in last.wape.items()],
        None,
    )


def coverage_png(result: ScheduleResult, interval_min: int, first: datetime | None = None) -> bytes:
    """Draw the requirement and the agents the roster has working, per interval.

    Days are labelled with their dates from `first` (midnight of day 0), or `day 1`, `day 2`...
    """
    from matplotlib.figure import Figure

    n = len(result.requirement)
    hours = [i * interval_min / 60 for i in range(n + 1)]
    days = n * interval_min // _MINUTES_PER_DAY
    fig = Figure(figsize=(max(8, 2.2 * days), 5), layout="constrained")
    ax = fig.subplots()
    ax.stairs(result.requirement, hours, label="requirement", color="black", linewidth=1.5)
    ax.stairs(result.coverage, hours, label="scheduled", color="tab:blue", alpha=0.8)
    for d in range(1, days):
        ax.axvline(d * 24, color="grey", linewidth=0.5, linestyle=":")
    if first is None:
        labels = [f"day {d + 1}" for d in range(days)]
    else:
        labels = [f"{first + timedelta(days=d):%a %m-%d}" for d in range(days)]
    ax.set_xticks([d * 24 + 12 for d in range(days)], labels)
    ax.set_xlim(0, hours[-1])
    ax.set_ylabel("agents working (breaks excluded)")
    ax.set_title(
        f"Requirement vs scheduled per {interval_min}-min interval: "
        f"{result.coverage_pct:.1f}% covered ({result.status.value})"
    )
    ax.legend(loc="upper right")
    return _png(fig)


def _draw(title: str, solid: list[Line], dashed: list[Line], zone: ZoneInfo | None) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(14, 5), layout="constrained")
    ax = fig.subplots()
    for label, x, y in solid:
        ax.plot(np.array(x, dtype="datetime64[s]"), y, label=label, color="black", linewidth=1.0)
    for label, x, y in dashed:
        ax.plot(np.array(x, dtype="datetime64[s]"), y, label=label, linewidth=0.9, linestyle="--")
    if zone is not None:  # the times are naive UTC: label the axis in the history's zone
        ax.xaxis_date(zone)
        ax.set_xlabel(f"local time ({zone.key})")
    ax.set_title(title)
    ax.set_ylabel("calls per interval")
    ax.legend(loc="upper left", fontsize="small")
    return _png(fig)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _times(start: datetime, interval_min: int, n: int) -> list[datetime]:
    return [start + timedelta(minutes=interval_min * i) for i in range(n)]
