"""Interval arrival forecasts: MSTL with daily and weekly seasons, plus a holiday effect.

The models come from `statsforecast` (Nixtla): `MSTL` (Bandara, Hyndman & Bergmeir 2021, multiple
STL decomposition, daily and weekly seasons) whose level is the mean of the last week of the
deseasonalised series (`mstl`) or an `AutoETS` trend (`mstl_autoets`), a daily-seasonal `AutoETS`
(Hyndman et al. 2008; `autoets`), and the seasonal naive forecast (the same interval one week
earlier). `mstl` is the default: it had the lowest WAPE in the rolling-origin backtest on the
Anonymous Bank development months (Jan-Oct 1999, 30-minute intervals, 1-week horizon, 26 weekly
origins, 3 May - 31 Oct): pooled WAPE 27.7 % (31.2 % without the holiday calendar) against
35.2 % for last week's values, where `mstl_autoets` scored 35.8 % (its AutoETS level chases a
spike at the origin across the whole week) and `autoets` 98 % (one daily season cannot know that
Saturday is closed).
`agentfloor forecast FILE --country IL --backtest --origins 26` reruns that comparison.

Holidays are handled outside the model, so every model gets the same treatment. A calendar maps
dates to kinds (`holiday_dates`: `holiday` for a public holiday, `eve` for the day before one,
`partial` for the calendar's optional days such as the intermediate days of Passover); then
1. each special day in the history is replaced, for fitting, by the same day one week earlier (or
   later, if that is special too or outside the history), so a closed day does not bend the seasons;
2. each kind's factor is the calls on its days over the calls of their replacement days;
3. intervals of the horizon on a special day are multiplied by their kind's factor. A kind with no
   day in the history has nothing to learn from: its factor is `None` and those days are left
   unscaled (the result says so, it does not guess).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

import holidays as holiday_calendars
import numpy as np
import numpy.typing as npt

from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.wfm.series import ArrivalSeries

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "ArrivalForecast",
    "ForecastModel",
    "HolidayCalendar",
    "forecast_arrivals",
    "holiday_dates",
    "holiday_mask",
    "wape",
]

ForecastModel = Literal["mstl", "mstl_autoets", "autoets", "seasonal_naive"]
MODELS: tuple[ForecastModel, ...] = ("mstl", "mstl_autoets", "autoets", "seasonal_naive")
DEFAULT_MODEL: ForecastModel = "mstl"

#: Special days by kind (`holiday`, `eve`, `partial`); plain dates are all `holiday`.
HolidayCalendar = Mapping[date, str] | Collection[date]


@dataclass(frozen=True, slots=True)
class ArrivalForecast:
    """Expected calls per interval from `start`, and how holidays shaped them."""

    model: ForecastModel
    start: datetime
    interval_min: int
    calls: npt.NDArray[np.float64]
    holiday_factors: Mapping[str, float | None]
    holidays_in_horizon: tuple[date, ...]


def forecast_arrivals(
    history: ArrivalSeries,
    horizon: int,
    *,
    model: ForecastModel = DEFAULT_MODEL,
    holidays: HolidayCalendar = (),
    history_weeks: int | None = 12,
) -> ArrivalForecast:
    """Forecast the `horizon` intervals that follow `history`.

    Args:
        history: a validated series (`arrival_series`), at least two weeks long.
        horizon: how many intervals to forecast.
        model: one of `MODELS` (see the module docstring).
        holidays: local dates on which the centre sees holiday traffic, with their kind
            (`holiday_dates`).
        history_weeks: fit on the last this many weeks only (recent level, bounded fit time);
            `None` fits on all of it.

    Raises:
        InvalidInput: horizon not positive or history shorter than two weeks.
    """
    week = 7 * history.per_day
    if horizon < 1:
        raise InvalidInput(
            "the horizon must be at least one interval",
            problems=[ProblemDetail("horizon", f"{horizon} is not positive")],
        )
    if len(history) < 2 * week:
        raise InvalidInput(
            f"the history has {len(history)} intervals; {model} needs two weeks ({2 * week})",
            problems=[ProblemDetail("history", "at least two weeks of intervals are needed")],
        )
    if history_weeks is not None and len(history) > max(history_weeks, 2) * week:
        history = history.slice(len(history) - max(history_weeks, 2) * week, len(history))

    kinds = _by_kind(holidays)
    masks = {
        kind: holiday_mask(history.start, history.interval_min, len(history), days)
        for kind, days in kinds.items()
    }
    y, factors = _without_holidays(history.counts, masks, week)
    calls = np.clip(_fit_predict(model, y, horizon, history.per_day), 0.0, None)
    start = history.start_of(len(history))
    future = np.zeros(horizon, dtype=np.bool_)
    for kind, special in kinds.items():
        ahead = holiday_mask(start, history.interval_min, horizon, special)
        future |= ahead
        factor = factors[kind]
        if factor is not None:
            calls[ahead] *= factor
    days = sorted(
        {
            (start + timedelta(minutes=history.interval_min * int(i))).date()
            for i in np.flatnonzero(future)
        }
    )
    return ArrivalForecast(model, start, history.interval_min, calls, factors, tuple(days))


def wape(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> float:
    """Weighted absolute percentage error: sum |actual - forecast| / sum actual (0.1 = 10 %)."""
    a = np.asarray(actual, dtype=np.float64)
    f = np.asarray(forecast, dtype=np.float64)
    total = a.sum()
    if total <= 0:
        raise InvalidInput("WAPE is undefined when no calls arrived in the period")
    return float(np.abs(a - f).sum() / total)


def holiday_dates(country: str, years: Iterable[int]) -> dict[date, str]:
    """Return the special days of `country` (ISO 3166, e.g. "IL") in `years`, by kind.

    `holiday`: a public holiday; `eve`: the day before one that is not itself special (the eve of
    Yom Kippur, Christmas Eve); `partial`: a day of the calendar's optional category, if it has one.

    Raises:
        InvalidInput: the `holidays` package has no calendar for `country`.
    """
    years = list(years)
    try:
        public = holiday_calendars.country_holidays(country.upper(), years=years)
    except NotImplementedError as exc:
        raise InvalidInput(
            f"no holiday calendar for country {country!r}",
            problems=[ProblemDetail("country", "use an ISO 3166 code such as IL, US or GB")],
        ) from exc
    kinds: dict[date, str] = {}
    if "optional" in public.supported_categories:
        optional = holiday_calendars.country_holidays(
            country.upper(), years=years, categories=("optional",)
        )
        kinds.update(dict.fromkeys(optional.keys(), "partial"))
    kinds.update(dict.fromkeys(public.keys(), "holiday"))
    for day in public:
        kinds.setdefault(day - timedelta(days=1), "eve")
    return kinds


def holiday_mask(
    start: datetime, interval_min: int, n: int, holidays: Collection[date]
) -> npt.NDArray[np.bool_]:
    """Which of `n` intervals from `start` begin on one of `holidays` (local dates)."""
    if not holidays:
        return np.zeros(n, dtype=np.bool_)
    first_minute = start.hour * 60 + start.minute
    day = (first_minute + interval_min * np.arange(n)) // (24 * 60)
    dates = np.datetime64(start.date(), "D") + day.astype("timedelta64[D]")
    return np.isin(dates, np.array(sorted(holidays), dtype="datetime64[D]"))


def _fit_predict(
    model: ForecastModel, y: npt.NDArray[np.float64], horizon: int, per_day: int
) -> npt.NDArray[np.float64]:
    # Imported here: statsforecast (with pandas) takes about a second to import, which every
    # `agentfloor` command and every user of `wfm.erlang` would otherwise pay.
    from statsforecast.models import MSTL, AutoETS, SeasonalNaive, WindowAverage

    week = 7 * per_day
    fitted: MSTL | AutoETS | SeasonalNaive
    if model == "seasonal_naive":
        fitted = SeasonalNaive(season_length=week)
    elif model == "autoets":
        # ETS has a single season; the weekly one (hundreds of intervals) it cannot take.
        fitted = AutoETS(season_length=per_day)
    elif model == "mstl":
        # The level of the deseasonalised series is its mean over the last week: AutoETS chases
        # the last few intervals (alpha near 1) and a spike at the origin lifts the whole week.
        fitted = MSTL(season_length=[per_day, week], trend_forecaster=WindowAverage(week))
    elif model == "mstl_autoets":
        fitted = MSTL(season_length=[per_day, week], trend_forecaster=AutoETS(model="ZZN"))
    else:
        raise InvalidInput(
            f"unknown forecast model {model!r}",
            problems=[ProblemDetail("model", f"choose one of {', '.join(MODELS)}")],
        )
    out = fitted.forecast(y=y, h=horizon)["mean"]
    return np.asarray(out, dtype=np.float64)


def _by_kind(holidays: HolidayCalendar) -> dict[str, frozenset[date]]:
    if isinstance(holidays, Mapping):
        kinds: dict[str, set[date]] = {}
        for day, kind in holidays.items():
            kinds.setdefault(kind, set()).add(day)
        return {kind: frozenset(days) for kind, days in sorted(kinds.items())}
    return {"holiday": frozenset(holidays)} if holidays else {}


def _without_holidays(
    y: npt.NDArray[np.float64], masks: Mapping[str, npt.NDArray[np.bool_]], week: int
) -> tuple[npt.NDArray[np.float64], dict[str, float | None]]:
    """Replace special intervals by the same interval a week before (or after); learn factors."""
    mask = np.zeros(len(y), dtype=np.bool_)
    for kind_mask in masks.values():
        mask |= kind_mask
    cleaned = y.copy()
    n = len(y)
    replaced = np.zeros(n, dtype=np.bool_)
    for shift in (-week, week):
        idx = np.flatnonzero(mask & ~replaced)
        src = idx + shift
        ok = (src >= 0) & (src < n)
        idx, src = idx[ok], src[ok]
        ok = ~mask[src]
        cleaned[idx[ok]] = y[src[ok]]
        replaced[idx[ok]] = True
    factors: dict[str, float | None] = {}
    for kind, kind_mask in masks.items():
        used = kind_mask & replaced
        base = cleaned[used].sum()
        factors[kind] = float(y[used].sum() / base) if used.any() and base > 0 else None
    return cleaned, factors
