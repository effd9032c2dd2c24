"""Handle-time forecasts: call-weighted AHT of the same interval of the week."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm.handle_time import forecast_handle_time
from agentfloor.wfm.series import ArrivalSeries

START = datetime(1999, 1, 3)
WEEK = 168  # hourly intervals


def two_weeks(calls: float = 10.0) -> ArrivalSeries:
    return ArrivalSeries(START, 60, np.full(2 * WEEK, calls))


def test_aht_is_the_call_weighted_mean_of_the_same_interval_of_the_week() -> None:
    history = two_weeks()
    history.counts[5], history.counts[WEEK + 5] = 30.0, 10.0
    handle = history.counts * 200.0
    handle[5] = 30 * 100.0  # week 1: AHT 100 s on 30 calls; week 2: 200 s on 10 calls
    aht = forecast_handle_time(history, handle, WEEK + 6)
    assert aht[5] == pytest.approx((3000 + 2000) / 40)  # 125 s, not the plain mean 150 s
    assert aht[0] == pytest.approx(200.0) and aht[WEEK + 5] == aht[5]


def test_an_interval_that_never_had_calls_gets_the_overall_aht() -> None:
    history = two_weeks()
    history.counts[7] = history.counts[WEEK + 7] = 0.0
    handle = history.counts * 180.0
    assert forecast_handle_time(history, handle, 10)[7] == pytest.approx(180.0)


def test_only_the_last_weeks_count() -> None:
    history = two_weeks()
    handle = history.counts * np.r_[np.full(WEEK, 500.0), np.full(WEEK, 200.0)]
    assert forecast_handle_time(history, handle, 3, weeks=1) == pytest.approx([200.0] * 3)


@pytest.mark.parametrize(
    ("index", "value"),
    [(4, -1.0), (9, float("nan"))],
    ids=["negative", "nan"],
)
def test_impossible_handle_times_are_errors_naming_the_row(index: int, value: float) -> None:
    history = two_weeks()
    handle = history.counts * 200.0
    handle[index] = value
    with pytest.raises(InvalidInput) as caught:
        forecast_handle_time(history, handle, 24)
    assert caught.value.problems[0].loc == f"rows[{index}].handle_s"


def test_handle_time_without_calls_and_a_length_mismatch_are_errors() -> None:
    history = two_weeks()
    history.counts[3] = 0.0
    with pytest.raises(InvalidInput, match="impossible"):
        forecast_handle_time(history, np.full(2 * WEEK, 100.0), 24)
    with pytest.raises(InvalidInput, match="handle times for"):
        forecast_handle_time(history, [1.0], 24)
    with pytest.raises(InvalidInput, match="no calls"):
        forecast_handle_time(two_weeks(0.0), np.zeros(2 * WEEK), 24)
