"""Occupancy and utilisation from worker activity changes and the time workers hold tasks."""

from __future__ import annotations

import pytest

from agentfloor.analytics import KpiParams, LogEntry, kpi_report, kpis
from agentfloor.analytics.worktime import union_s
from tests.unit.analytics.log import T0, activity, answered, completed, queued

H = 3600.0


def shift() -> list[LogEntry]:
    """w1: available T0-1h, break 1h-1h10m, then offline; holds tasks inside and across."""
    return [
        activity("w1", T0, "available", "offline"),
        queued("a", T0 + 600),
        answered("a", T0 + 600, 0),
        queued("b", T0 + 900, channel="chat"),
        answered("b", T0 + 900, 0),
        completed("a", T0 + 1200, talk_s=600),
        completed("b", T0 + 1500, talk_s=600),  # a and b overlap: busy 600-1500 once
        queued("c", T0 + 3500),
        answered("c", T0 + 3500, 0),
        activity("w1", T0 + H, "break", "available"),
        completed("c", T0 + 3700, talk_s=200),  # finishes the call on break: still busy
        activity("w1", T0 + 4200, "offline", "break"),
    ]


def test_occupancy_is_busy_over_staffed_and_utilisation_busy_over_logged_in() -> None:
    result = kpis(shift(), start=T0, end=T0 + 2 * H)
    # busy: 600-1500 (900 s) and 3500-3700 (200 s) = 1100
    # staffed: available 0-3600 united with busy = 0-3700 = 3700
    # logged in: available and break 0-4200 = 4200
    assert (result.busy_s, result.staffed_s, result.logged_in_s) == (1100, 3700, 4200)
    assert result.occupancy == pytest.approx(1100 / 3700)
    assert result.utilisation == pytest.approx(1100 / 4200)


def test_which_activities_count_as_ready_is_a_parameter() -> None:
    params = KpiParams(available_activities=frozenset({"available", "break"}))
    result = kpis(shift(), start=T0, end=T0 + 2 * H, params=params)
    assert result.staffed_s == 4200


def test_worker_time_is_clipped_to_the_range_and_cut_by_interval() -> None:
    report = kpi_report(shift(), start=T0, end=T0 + H, by=["interval"], interval_min=30)
    first, second = report.rows
    # 0-30 min: staffed 1800, busy 600-1500 = 900; 30-60 min: staffed 1800, busy 3500-3600 = 100
    assert (first.kpis.busy_s, first.kpis.staffed_s) == (900, 1800)
    assert (second.kpis.busy_s, second.kpis.staffed_s) == (100, 1800)
    assert report.total.busy_s == 1000


def test_an_activity_before_the_first_change_runs_from_the_range_start() -> None:
    # The first change we see is available -> offline at T0 + 1h: available since before T0.
    result = kpis([activity("w1", T0 + H, "offline", "available")], start=T0, end=T0 + 2 * H)
    assert (result.staffed_s, result.logged_in_s, result.occupancy) == (H, H, 0.0)


def test_by_worker_each_worker_has_their_own_time() -> None:
    log = [*shift(), activity("w2", T0, "available", "offline")]
    report = kpi_report(log, start=T0, end=T0 + 2 * H, by=["worker"])
    by_worker = {row.labels[0]: row.kpis for row in report.rows}
    assert by_worker["w1"].occupancy == pytest.approx(1100 / 3700)
    assert (by_worker["w2"].staffed_s, by_worker["w2"].occupancy) == (2 * H, 0.0)


@pytest.mark.parametrize(
    ("spans", "length"),
    [
        ([], 0.0),
        ([(0, 10), (5, 15)], 15.0),
        ([(0, 10), (10, 20)], 20.0),
        ([(0, 30), (5, 10)], 30.0),
    ],
    ids=["none", "overlap", "touching", "inside"],
)
def test_union_counts_overlapping_time_once(
    spans: list[tuple[float, float]], length: float
) -> None:
    assert union_s(spans) == length
