"""Arrival history checks and aggregation, forecasts, holidays and the backtest on synthetic data.

Hourly intervals keep the weekly season at 168 points, so every MSTL fit takes milliseconds.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm.backtest import BASELINE, backtest_arrivals
from agentfloor.wfm.forecast import (
    MODELS,
    forecast_arrivals,
    holiday_dates,
    holiday_mask,
    wape,
)
from agentfloor.wfm.series import (
    MIN_HISTORY_DAYS,
    ArrivalSeries,
    aggregate_arrivals,
    arrival_series,
)

START = datetime(1999, 1, 3)  # a Sunday, the first working day of an Israeli week


def expected_calls(t: datetime) -> float:
    """A working-week profile: open 08-18, Friday half volume, Saturday closed."""
    if not 8 <= t.hour < 18 or t.weekday() == 5:
        return 0.0
    day = 0.5 if t.weekday() == 4 else 1.0
    return 400.0 * day * math.sin(math.pi * (t.hour - 8 + 0.5) / 10)


def synthetic(
    weeks: int, *, seed: int = 7, holidays: frozenset[date] = frozenset(), interval_min: int = 60
) -> tuple[list[datetime], list[float]]:
    """Poisson arrivals around `expected_calls`; a holiday gets a tenth of the volume."""
    rng = np.random.default_rng(seed)
    n = weeks * 7 * 24 * 60 // interval_min
    starts = [START + timedelta(minutes=interval_min * i) for i in range(n)]
    scale = interval_min / 60
    counts = [
        float(rng.poisson(expected_calls(t) * scale * (0.1 if t.date() in holidays else 1.0)))
        for t in starts
    ]
    return starts, counts


def hourly(weeks: int = 3) -> tuple[list[datetime], list[float]]:
    return synthetic(weeks)


# --- validation -------------------------------------------------------------------------------


def test_a_clean_history_becomes_a_regular_series_without_repairs() -> None:
    starts, counts = hourly()
    series = arrival_series(starts, counts)
    assert series.start == START and series.interval_min == 60 and len(series) == 3 * 168
    assert series.repairs == ()
    assert series.start_of(25) == START + timedelta(hours=25)


def test_negative_and_non_finite_counts_are_errors_naming_the_rows() -> None:
    starts, counts = hourly()
    counts[5], counts[9] = -1.0, math.nan
    with pytest.raises(InvalidInput) as caught:
        arrival_series(starts, counts)
    assert [p.loc for p in caught.value.problems] == ["rows[5].calls", "rows[9].calls"]
    assert "negative" in caught.value.problems[0].message


def test_duplicate_starts_are_errors_not_summed() -> None:
    starts, counts = hourly()
    starts.insert(11, starts[10])
    counts.insert(11, 3.0)
    with pytest.raises(InvalidInput, match="duplicate") as caught:
        arrival_series(starts, counts)
    assert caught.value.problems[0].loc == "rows[11].start"
    assert "rows[10]" in caught.value.problems[0].message


def test_a_start_off_the_interval_grid_is_a_non_uniform_interval_error() -> None:
    starts, counts = hourly()
    starts[20] += timedelta(minutes=7)
    with pytest.raises(InvalidInput, match="non-uniform") as caught:
        arrival_series(starts, counts)
    assert caught.value.problems[0].loc == "rows[20].start"


def test_too_short_a_history_names_the_minimum() -> None:
    starts, counts = synthetic(1)
    with pytest.raises(InvalidInput, match=f"at least {MIN_HISTORY_DAYS} days"):
        arrival_series(starts, counts)


def test_mixed_naive_and_aware_timestamps_are_an_error() -> None:
    starts, counts = hourly()
    starts[0] = starts[0].replace(tzinfo=UTC)
    with pytest.raises(InvalidInput, match="bad arrival counts") as caught:
        arrival_series(starts, counts)
    assert "time zone" in caught.value.problems[0].message


def test_rows_out_of_order_are_sorted() -> None:
    starts, counts = hourly()
    series = arrival_series(starts[::-1], counts[::-1])
    assert series.start == START and list(series.counts) == counts


def test_a_short_gap_is_interpolated_and_reported() -> None:
    starts, counts = hourly()
    counts[10], counts[13] = 10.0, 16.0  # Sunday 10:00 and 13:00, open hours
    del starts[11:13], counts[11:13]
    series = arrival_series(starts, counts)
    assert list(series.counts[10:14]) == [10.0, 12.0, 14.0, 16.0]
    assert series.repairs == ("2 missing interval(s) from 1999-01-03T11:00:00 interpolated",)


def test_a_gap_in_closed_hours_is_filled_with_zeros() -> None:
    starts, counts = hourly()
    del starts[1:6], counts[1:6]  # Sunday 01:00-05:00: closed, zeros either side
    series = arrival_series(starts, counts)
    assert list(series.counts[0:7]) == [0.0] * 7
    assert len(series.repairs) == 1


def test_a_long_gap_is_an_error_unless_missing_means_zero() -> None:
    starts, counts = hourly()
    del starts[30:50], counts[30:50]
    with pytest.raises(InvalidInput, match="gaps") as caught:
        arrival_series(starts, counts)
    assert caught.value.problems[0].message == "20 missing interval(s) from 1999-01-04T06:00:00"
    series = arrival_series(starts, counts, fill="zero")
    assert series.counts[30:50].sum() == 0 and series.repairs[0].endswith("read as no calls")


def test_fill_error_rejects_even_a_one_interval_gap() -> None:
    starts, counts = hourly()
    del starts[40], counts[40]
    with pytest.raises(InvalidInput, match="gaps"):
        arrival_series(starts, counts, fill="error")


# --- aggregation ------------------------------------------------------------------------------


def test_six_minute_intervals_sum_to_thirty_and_sixty_minutes() -> None:
    starts, counts = synthetic(2, interval_min=6)
    series = arrival_series(starts, counts)
    half_hours = aggregate_arrivals(series, 30)
    hours = aggregate_arrivals(series, 60)
    assert half_hours.interval_min == 30 and len(half_hours) == len(series) // 5
    assert half_hours.counts[3] == sum(counts[15:20])
    assert hours.counts.sum() == pytest.approx(sum(counts))
    assert hours.counts[9] == half_hours.counts[18] + half_hours.counts[19]


def test_aggregation_drops_a_partial_first_interval() -> None:
    starts = [START + timedelta(minutes=6 * i) for i in range(3, 3 + 14 * 240)]  # from 00:18
    series = arrival_series(starts, [1.0] * len(starts))
    hours = aggregate_arrivals(series, 60)
    assert hours.start == START + timedelta(hours=1) and set(hours.counts) == {10.0}


def test_aggregation_to_an_interval_that_is_not_a_multiple_is_an_error() -> None:
    series = arrival_series(*synthetic(2, interval_min=15))
    with pytest.raises(InvalidInput, match="cannot aggregate"):
        aggregate_arrivals(series, 20)


# --- forecasts --------------------------------------------------------------------------------


def test_mstl_forecasts_a_seasonal_week_well_and_beats_seasonal_naive() -> None:
    series = arrival_series(*synthetic(5))
    history, actual = series.slice(0, 4 * 168), series.counts[4 * 168 :]
    errors = {m: wape(actual, forecast_arrivals(history, 168, model=m).calls) for m in MODELS}
    oracle = wape(actual, [expected_calls(history.start_of(len(history) + i)) for i in range(168)])
    assert errors["mstl"] < max(0.1, 1.5 * oracle)  # Poisson noise alone costs `oracle`
    assert errors["mstl"] < errors["seasonal_naive"]


def test_forecasts_are_never_negative_and_start_after_the_history() -> None:
    series = arrival_series(*hourly())
    fc = forecast_arrivals(series, 48, model="mstl")
    assert fc.start == START + timedelta(weeks=3) and len(fc.calls) == 48
    assert (fc.calls >= 0).all()


def test_a_bad_horizon_or_model_is_an_error() -> None:
    series = arrival_series(*hourly())
    with pytest.raises(InvalidInput, match="horizon"):
        forecast_arrivals(series, 0)
    with pytest.raises(InvalidInput, match="unknown forecast model"):
        forecast_arrivals(series, 24, model="prophet")  # type: ignore[arg-type]  # on purpose


def test_a_holiday_in_history_teaches_the_factor_applied_to_a_holiday_ahead() -> None:
    past, ahead = date(1999, 1, 19), date(1999, 1, 26)  # Tuesdays, weeks 3 and 4
    series = arrival_series(*synthetic(4, holidays=frozenset({past, ahead})))
    history, actual = series.slice(0, 3 * 168), series.counts[3 * 168 :]
    plain = forecast_arrivals(history, 168)
    fc = forecast_arrivals(history, 168, holidays={past, ahead})
    assert fc.holidays_in_horizon == (ahead,) and plain.holiday_factors == {}
    factor = fc.holiday_factors["holiday"]
    assert factor is not None and 0.0 <= factor < 0.3
    day = slice(2 * 24, 3 * 24)  # Tuesday of the horizon
    assert fc.calls[day].sum() < 0.3 * plain.calls[day].sum()
    assert wape(actual, fc.calls) < wape(actual, plain.calls)


def test_holiday_mask_marks_the_intervals_of_a_holiday_date() -> None:
    mask = holiday_mask(datetime(1999, 9, 19, 22), 60, 30, {date(1999, 9, 20)})
    assert list(np.flatnonzero(mask)) == list(range(2, 26))


def test_a_kind_missing_from_history_is_left_unscaled_and_said_so() -> None:
    eve = date(1999, 1, 25)  # the Monday of the horizon; no eve in the history
    series = arrival_series(*synthetic(3))
    plain = forecast_arrivals(series, 168)
    fc = forecast_arrivals(series, 168, holidays={eve: "eve"})
    assert fc.holiday_factors == {"eve": None} and fc.holidays_in_horizon == (eve,)
    assert list(fc.calls) == list(plain.calls)


def test_holiday_dates_come_from_the_country_calendar_with_eves_and_partial_days() -> None:
    days = holiday_dates("IL", [1999])
    assert days[date(1999, 9, 20)] == "holiday"  # Yom Kippur 5760
    assert days[date(1999, 9, 19)] == "eve"
    assert days[date(1999, 4, 4)] == "partial"  # an intermediate day of Passover
    assert "partial" not in holiday_dates("GB", [1999]).values()  # no optional category
    with pytest.raises(InvalidInput, match="no holiday calendar"):
        holiday_dates("XX", [1999])


def test_wape_is_undefined_without_calls() -> None:
    assert wape([10, 10], [8, 13]) == pytest.approx(0.25)
    with pytest.raises(InvalidInput):
        wape([0, 0], [1, 1])


# --- backtest ---------------------------------------------------------------------------------


def test_backtest_reports_every_model_and_the_baseline_per_origin() -> None:
    series = arrival_series(*synthetic(5, seed=11))
    seen: list[int] = []
    result = backtest_arrivals(
        series,
        horizon=168,
        origins=2,
        models=("mstl", "seasonal_naive"),
        on_origin=lambda done, _total: seen.append(done),
    )
    assert [o.origin for o in result.origins] == [START + timedelta(weeks=w) for w in (3, 4)]
    assert seen == [1, 2]
    assert set(result.wape) == {"mstl", "seasonal_naive", BASELINE}
    assert result.wape["seasonal_naive"] == pytest.approx(result.wape[BASELINE])
    assert result.wape["mstl"] < result.wape[BASELINE]
    first = result.origins[0]
    assert list(first.forecasts[BASELINE]) == list(series.counts[2 * 168 : 3 * 168])


def test_backtest_needs_two_weeks_before_the_first_origin() -> None:
    series = arrival_series(*synthetic(4))
    with pytest.raises(InvalidInput, match="needs"):
        backtest_arrivals(series, horizon=168, origins=3)


def test_series_slice_keeps_time() -> None:
    series = ArrivalSeries(START, 60, np.arange(10.0))
    part = series.slice(2, 5)
    assert part.start == START + timedelta(hours=2) and list(part.counts) == [2.0, 3.0, 4.0]
