"""Handle-time forecasts: average handle time (AHT) per interval from recent weeks of history.

AHT moves far less than volume, so the forecast is the call-weighted mean handle time of the
same interval of the week over the last `weeks` weeks (total handle seconds over calls, so a
busy week counts more than a quiet one), the usual WFM practice. An interval of the week that
had no calls in those weeks gets the window's overall AHT rather than a zero or a NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.wfm.series import ArrivalSeries

__all__ = ["forecast_handle_time"]


def forecast_handle_time(
    history: ArrivalSeries,
    handle_s: Sequence[float] | npt.NDArray[np.float64],
    horizon: int,
    *,
    weeks: int = 4,
) -> npt.NDArray[np.float64]:
    """Forecast the AHT in seconds of the `horizon` intervals after `history`.

    Args:
        history: calls per interval (`arrival_series`).
        handle_s: total handle seconds of the calls of each interval of `history`.
        horizon: intervals to forecast.
        weeks: how many recent weeks to average.

    Raises:
        InvalidInput: lengths differ, a handle time is negative or not a number, an interval
            without calls has handle time, or the window has no calls at all.
    """
    handle = np.asarray(handle_s, dtype=np.float64)
    if len(handle) != len(history):
        raise InvalidInput(f"{len(handle)} handle times for {len(history)} intervals")
    bad = ~np.isfinite(handle) | (handle < 0) | ((history.counts == 0) & (handle != 0))
    if bad.any():
        raise InvalidInput(
            f"{int(bad.sum())} interval(s) with impossible handle time",
            problems=[
                ProblemDetail(
                    f"rows[{i}].handle_s", f"{handle[i]!r} with {history.counts[i]:g} calls"
                )
                for i in np.flatnonzero(bad)[:20]
            ],
        )
    if horizon < 1 or weeks < 1:
        raise InvalidInput("horizon and weeks must be at least 1")
    week = 7 * history.per_day
    n = min(len(history), weeks * week)
    calls, handle = history.counts[-n:], handle[-n:]
    if calls.sum() <= 0:
        raise InvalidInput("no calls in the handle-time window: there is no AHT to learn")
    overall = handle.sum() / calls.sum()
    # Slot of the week of each history interval, counted so that the first forecast interval
    # (index len(history)) has the slot `len(history) % week`.
    slots = (np.arange(len(history) - n, len(history))) % week
    slot_calls = np.bincount(slots, weights=calls, minlength=week)
    slot_handle = np.bincount(slots, weights=handle, minlength=week)
    aht = np.full(week, overall)
    has = slot_calls > 0
    aht[has] = slot_handle[has] / slot_calls[has]
    ahead = (np.arange(len(history), len(history) + horizon)) % week
    return aht[ahead]
