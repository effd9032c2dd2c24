"""Grouped reports: by interval, day, queue, channel, worker, in the tenant's timezone; CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentfloor.analytics import Dimension, LogEntry, kpi_report, report_csv
from agentfloor.core.errors import InvalidInput
from tests.unit.analytics.log import T0, activity, call, queued


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp()


def test_days_follow_the_tenants_midnight_not_utc() -> None:
    # 04:30Z on 2 January is 23:30 on 1 January in New York (EST, UTC-5)
    log = [
        *call("a", utc(2026, 1, 2, 4, 30), wait_s=5),
        *call("b", utc(2026, 1, 2, 5, 30), wait_s=5),
    ]
    start, end = utc(2026, 1, 1, 5), utc(2026, 1, 3, 5)
    report = kpi_report(log, start=start, end=end, by=["day"], timezone="America/New_York")
    assert [(r.labels, r.kpis.offered) for r in report.rows] == [
        (("2026-01-01",), 1),
        (("2026-01-02",), 1),
    ]
    assert report.rows[0].start == utc(2026, 1, 1, 5)  # local midnight


def test_a_spring_forward_day_is_23_hours_of_worker_time() -> None:
    # London: clocks go 01:00 GMT -> 02:00 BST on 29 March 2026
    log = [
        activity("w1", utc(2026, 3, 28, 12), "available", "offline"),
        activity("w1", utc(2026, 3, 30, 12), "offline", "available"),  # 13:00 BST
        *call("late", utc(2026, 3, 29, 23, 30), wait_s=5),  # 00:30 BST on the 30th
    ]
    report = kpi_report(
        log, start=utc(2026, 3, 28), end=utc(2026, 3, 31), by=["day"], timezone="Europe/London"
    )
    hours = {r.labels[0]: r.kpis.staffed_s / 3600 for r in report.rows}
    assert hours == {"2026-03-28": 12, "2026-03-29": 23, "2026-03-30": 13}
    offered = {r.labels[0]: r.kpis.offered for r in report.rows}
    assert offered["2026-03-30"] == 1 and offered["2026-03-29"] == 0


def test_the_repeated_hour_of_a_fall_back_night_gives_two_intervals() -> None:
    # London: 02:00 BST -> 01:00 GMT on 25 October 2026; 01:10 happens twice
    log = [queued("bst", utc(2026, 10, 25, 0, 10)), queued("gmt", utc(2026, 10, 25, 1, 10))]
    report = kpi_report(
        log,
        start=utc(2026, 10, 25, 0),
        end=utc(2026, 10, 25, 2),
        by=[Dimension.INTERVAL],
        interval_min=60,
        timezone="Europe/London",
    )
    assert [(r.labels[0], r.kpis.offered) for r in report.rows] == [
        ("2026-10-25T01:00:00+01:00", 1),
        ("2026-10-25T01:00:00+00:00", 1),
    ]


def test_group_by_queue_and_channel_with_a_row_for_tasks_without_a_worker() -> None:
    log = [
        *call("a", T0, wait_s=5, queue="billing", channel="voice"),
        *call("b", T0 + 10, wait_s=5, queue="billing", channel="chat"),
        *call("c", T0 + 20, wait_s=5, queue="sales", channel="voice"),
        LogEntry("task.queued", T0 + 30, "d", None, "sales", {"channel": "voice"}),
    ]
    report = kpi_report(log, start=T0, end=T0 + 3600, by=["queue", "channel"])
    assert [(r.labels, r.kpis.offered) for r in report.rows] == [
        (("billing", "chat"), 1),
        (("billing", "voice"), 1),
        (("sales", "voice"), 2),
    ]
    by_worker = kpi_report(log, start=T0, end=T0 + 3600, by=["worker"])
    assert [(r.labels, r.kpis.offered) for r in by_worker.rows] == [(("w1",), 3), ((None,), 1)]
    assert report.total.offered == 4


def test_the_channel_can_be_given_on_the_entry_when_the_data_lacks_it() -> None:
    log = [LogEntry("task.queued", T0, "a", None, "q", {}, channel="sms")]
    report = kpi_report(log, start=T0, end=T0 + 60, by=["channel"])
    assert report.rows[0].labels == ("sms",)


def test_an_empty_log_gives_no_rows_and_an_empty_total() -> None:
    report = kpi_report([], start=T0, end=T0 + 3600, by=["interval"])
    assert report.rows == () and report.total.offered == 0


def test_csv_has_one_column_per_dimension_then_every_kpi_and_a_total_row() -> None:
    log = [*call("a", T0, wait_s=5, queue="billing"), *call("b", T0, wait_s=50, queue="sales")]
    report = kpi_report(log, start=T0, end=T0 + 3600, by=["queue"])
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert [(r["queue"], r["offered"], r["service_level"]) for r in rows] == [
        ("billing", "1", "1.0"),
        ("sales", "1", "0.0"),
        ("total", "2", "0.5"),
    ]
    assert rows[0]["nps"] == ""  # no responses: empty, not zero


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": T0}, "must end after it starts"),
        ({"by": ["hour"]}, "unknown grouping"),
        ({"by": ["queue", "queue"]}, "given twice"),
        ({"by": ["interval", "day"]}, "not both"),
        ({"interval_min": 7}, "divide a day"),
        ({"timezone": "Mars/Olympus"}, "unknown timezone"),
        ({"by": ["interval"], "interval_min": 5, "end": T0 + 100 * 86_400}, "more than 20000"),
    ],
    ids=["empty-range", "unknown-group", "repeated", "interval-and-day", "interval", "tz", "rows"],
)
def test_bad_report_requests_say_what_is_wrong(kwargs: dict[str, Any], message: str) -> None:
    args = {"start": T0, "end": T0 + 3600, **kwargs}
    with pytest.raises(InvalidInput, match=message):
        kpi_report([], **args)


@st.composite
def logs(draw: st.DrawFn) -> list[LogEntry]:
    """Random calls and activity changes over two days around a London DST change."""
    base = utc(2026, 3, 28)
    entries: list[LogEntry] = []
    for n in range(draw(st.integers(0, 30))):
        at = base + draw(st.floats(0, 2 * 86_400))
        queue = draw(st.sampled_from(["a", "b"]))
        if draw(st.booleans()):
            entries += call(f"t{n}", at, wait_s=draw(st.floats(0, 60)), talk_s=90, queue=queue)
        else:
            entries.append(queued(f"t{n}", at, queue=queue))
    for n in range(draw(st.integers(0, 6))):
        at = base + draw(st.floats(0, 2 * 86_400))
        now, before = draw(st.sampled_from([("available", "offline"), ("offline", "available")]))
        entries.append(activity(f"w{n % 2}", at, now, before))
    return entries


@settings(max_examples=60, deadline=None)
@given(log=logs(), by=st.sampled_from(["interval", "day", "queue", "worker"]))
def test_rows_add_up_to_the_total(log: list[LogEntry], by: str) -> None:
    start, end = utc(2026, 3, 28, 6), utc(2026, 3, 29, 18)
    report = kpi_report(
        log, start=start, end=end, by=[by], interval_min=60, timezone="Europe/London"
    )
    for name in ("offered", "answered", "abandoned", "completed", "contacts"):
        assert sum(getattr(r.kpis, name) for r in report.rows) == getattr(report.total, name)
    for name in ("busy_s", "staffed_s", "logged_in_s"):
        parts = sum(getattr(r.kpis, name) for r in report.rows)
        assert parts == pytest.approx(getattr(report.total, name))
        assert getattr(report.total, name) <= 2 * (end - start) + 1e-6  # two workers at most
    assert report.total.busy_s <= report.total.staffed_s + 1e-6
