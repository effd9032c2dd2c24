"""Rolling-origin backtest of arrival forecasts, with the seasonal-naive baseline in the same run.

From each origin the models see only the history before it and forecast the next `horizon`
intervals; WAPE is pooled over all origins (sum of absolute errors over sum of calls), so busy
weeks weigh more, as they do for staffing. The baseline is the raw seasonal naive forecast (each
interval equals the same interval one week earlier, no holiday handling), the bar every model
must clear (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., 5.2, 5.8).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.wfm.forecast import (
    MODELS,
    ForecastModel,
    HolidayCalendar,
    forecast_arrivals,
    wape,
)
from agentfloor.wfm.series import ArrivalSeries

__all__ = ["BASELINE", "BacktestOrigin", "BacktestResult", "backtest_arrivals"]

#: The name of the baseline in `BacktestResult.wape`.
BASELINE = "seasonal naive (last week)"


@dataclass(frozen=True, slots=True)
class BacktestOrigin:
    """One origin: when the forecast starts, the actual calls and each model's forecast."""

    origin: datetime
    actual: npt.NDArray[np.float64]
    forecasts: Mapping[str, npt.NDArray[np.float64]]

    @property
    def wape(self) -> dict[str, float]:
        """WAPE of each model (and the baseline) at this origin."""
        return {name: wape(self.actual, f) for name, f in self.forecasts.items()}


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """Every origin and the pooled WAPE per model, baseline included."""

    interval_min: int
    horizon: int
    origins: tuple[BacktestOrigin, ...]

    @property
    def wape(self) -> dict[str, float]:
        """WAPE pooled over all origins, per model name."""
        actual = np.concatenate([o.actual for o in self.origins])
        names = self.origins[0].forecasts.keys()
        return {
            name: wape(actual, np.concatenate([o.forecasts[name] for o in self.origins]))
            for name in names
        }


def backtest_arrivals(
    series: ArrivalSeries,
    *,
    horizon: int,
    origins: int = 8,
    step: int | None = None,
    models: Sequence[ForecastModel] = MODELS,
    holidays: HolidayCalendar = (),
    history_weeks: int | None = 12,
    on_origin: Callable[[int, int], None] | None = None,
) -> BacktestResult:
    """Backtest `models` from `origins` origins, the last one `horizon` intervals before the end.

    Origins are `step` intervals apart (default: `horizon`, so the test windows do not overlap)
    and each needs two weeks of history before it. `on_origin(done, total)` is called after each
    origin (a progress bar).

    Raises:
        InvalidInput: the series is too short for that many origins.
    """
    week = 7 * series.per_day
    step = step or horizon
    last = len(series) - horizon
    starts = [last - k * step for k in reversed(range(max(origins, 1)))]
    if origins < 1 or horizon < 1 or starts[0] < 2 * week:
        need = 2 * week + horizon + (origins - 1) * step
        raise InvalidInput(
            f"a backtest of {origins} origin(s) with a {horizon}-interval horizon needs "
            f"{need} intervals; the series has {len(series)}",
            problems=[ProblemDetail("origins", "use fewer origins or a longer history")],
        )
    results = []
    for at in starts:
        history = series.slice(0, at)
        actual = series.counts[at : at + horizon]
        forecasts: dict[str, npt.NDArray[np.float64]] = {
            name: forecast_arrivals(
                history, horizon, model=name, holidays=holidays, history_weeks=history_weeks
            ).calls
            for name in models
        }
        # Last week repeated: a horizon past one week must not peek at the test window.
        forecasts[BASELINE] = np.resize(series.counts[at - week : at], horizon)
        results.append(BacktestOrigin(series.start_of(at), actual, forecasts))
        if on_origin is not None:
            on_origin(len(results), len(starts))
    return BacktestResult(series.interval_min, horizon, tuple(results))
