"""The router's own events, as the runtime and the simulator feed them, give the right KPIs."""

from __future__ import annotations

import pytest

from agentfloor.analytics import LogEntry, kpi_report
from agentfloor.routing.engine import RoutingEngine
from agentfloor.routing.model import (
    Queue,
    RoutingConfig,
    RoutingEvent,
    Task,
    TaskState,
    Worker,
    WorkerKind,
)

T0 = 1_767_225_600.0


class Ids:
    def __init__(self) -> None:
        self.n = 0

    def new(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}_{self.n}"


def task(tid: str, at: float) -> Task:
    return Task(tid, "ten", TaskState.PENDING, at, at, "voice", queue_id="q")


def test_engine_events_become_entries_and_kpis_without_extra_data() -> None:
    engine = RoutingEngine("ten", Ids(), RoutingConfig(reservation_timeout_s=60))
    log: list[RoutingEvent] = []
    log += engine.put_queue(Queue("q", "ten", "q", 0.0, wrapup_s=30), T0)
    worker = Worker("w1", "ten", "w1", WorkerKind.HUMAN, "offline", T0, 0.0, capacity={"voice": 1})
    log += engine.put_worker(worker, T0)
    log += engine.set_activity("w1", "available", T0)
    log += engine.submit(task("t1", T0), T0)  # offered to w1 at once
    offer = next(e.reservation_id for e in log if e.type == "reservation.created")
    assert offer is not None
    log += engine.accept(offer, T0 + 12)
    log += engine.submit(task("t2", T0 + 20), T0 + 20)  # waits: w1 is busy
    log += engine.cancel("t2", T0 + 23, abandoned=True)  # short abandon (3 s)
    log += engine.complete("t1", T0 + 72)  # 60 s talk, then 30 s wrap-up
    log += engine.tick(T0 + 102)
    entries = [LogEntry.from_routing(e) for e in log]

    report = kpi_report(entries, start=T0, end=T0 + 3600, by=["channel"])
    result = report.total
    assert (result.offered, result.answered, result.answered_in_sl) == (2, 1, 1)
    assert (result.abandoned, result.short_abandoned) == (1, 1)
    assert result.service_level == 1.0  # the short abandon is excluded
    assert result.asa_s == 12.0
    assert result.aht_s == pytest.approx(90.0)  # 60 talk + 30 wrap-up
    assert result.busy_s == pytest.approx(90.0)  # answer to the end of wrap-up
    assert result.staffed_s == 3600.0 and result.occupancy == pytest.approx(90 / 3600)
    assert [row.labels for row in report.rows] == [("voice",), (None,)]  # worker time: no channel
