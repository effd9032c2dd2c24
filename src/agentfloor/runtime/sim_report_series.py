"""The per-interval series of one simulated run: service level, abandonment, occupancy, queue.

`interval_series` measures a run's log (`sim.log_entries`) per scenario interval: the rates with
`analytics.kpi_report`, the one KPI definition, and the queue length (time-average tasks
waiting, which analytics has no KPI for) with `queue_length_by_interval`. `sim_report` calls it
in each replication's process and averages the series across replications.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence

from agentfloor.analytics import MAX_ROWS as MAX_REPORT_ROWS
from agentfloor.analytics import Dimension, Kpis, LogEntry, kpi_report
from agentfloor.sim import Scenario, kpi_params

__all__ = ["MAX_ODD_INTERVALS", "SERIES", "interval_series", "queue_length_by_interval"]

#: The per-interval series a report plots, in order: `analytics.Kpis` fields, except
#: `queue_length` (measured by `queue_length_by_interval`).
SERIES = ("service_level", "abandonment_rate", "occupancy", "queue_length")
#: Intervals of a length that does not divide a day are measured one report each, up to this many.
MAX_ODD_INTERVALS = 500
# a UTC midnight to move a run's log to (2001-01-01), so analytics' buckets are its intervals
_UTC_MIDNIGHT_S = 978_307_200.0

# what takes a task out of the queue (`task.callback_requested` keeps its place: still waiting)
_LEAVES_QUEUE = frozenset({"task.assigned", "task.abandoned", "task.canceled"})


def queue_length_by_interval(
    entries: Iterable[LogEntry], start_s: float, interval_s: float, intervals: int
) -> list[float]:
    """Return the time-average number of tasks waiting in each interval.

    A task waits from its `task.queued` until `task.assigned`, `task.abandoned` or
    `task.canceled` (a task queued again, e.g. after a transfer, waits again); a task still
    waiting at the end waits to the end of the last interval. Interval k is
    `[start_s + k * interval_s, start_s + (k + 1) * interval_s)`; its value is the waiting
    task-seconds inside it over `interval_s`.
    """
    end_s = start_s + intervals * interval_s
    waiting_since: dict[str, float] = {}
    spans: list[tuple[float, float]] = []
    for entry in entries:
        if entry.task_id is None:
            continue
        if entry.type == "task.queued":
            waiting_since.setdefault(entry.task_id, entry.at)
        elif entry.type in _LEAVES_QUEUE and entry.task_id in waiting_since:
            spans.append((waiting_since.pop(entry.task_id), entry.at))
    spans += [(since, end_s) for since in waiting_since.values()]
    totals = [0.0] * intervals
    for begin, end in spans:
        begin, end = max(begin, start_s), min(end, end_s)
        if end <= begin:
            continue
        first = int((begin - start_s) // interval_s)
        last = min(int((end - start_s) // interval_s), intervals - 1)
        for k in range(first, last + 1):
            lo = start_s + k * interval_s
            totals[k] += max(0.0, min(end, lo + interval_s) - max(begin, lo))
    return [t / interval_s for t in totals]


def interval_series(scenario: Scenario, entries: Sequence[LogEntry]) -> dict[str, list[float]]:
    """Return the run's `SERIES` per scenario interval (NaN where a rate has nothing to divide).

    The rates come from one `analytics.kpi_report` grouped by interval. Its buckets are cut on
    the local clock, the scenario's are fixed lengths from its start (which may be 08:05, or
    cross a DST change), so the log is moved in time to start at a UTC midnight and reported in
    UTC: then every whole-minute interval dividing a day is exactly a bucket (KPIs depend on
    durations only). Other interval lengths get one report per interval (up to
    `MAX_ODD_INTERVALS` of them; past that, or past `analytics.MAX_ROWS`, the rates stay NaN).
    """
    start_s, step, n = scenario.start_s, scenario.interval_s, scenario.intervals
    out = {name: [math.nan] * n for name in SERIES}
    out["queue_length"] = queue_length_by_interval(entries, start_s, step, n)
    minutes = step / 60
    if minutes.is_integer() and 1440 % int(minutes) == 0 and n <= MAX_REPORT_ROWS:
        shift = _UTC_MIDNIGHT_S - start_s
        moved = [dataclasses.replace(e, at=e.at + shift) for e in entries]
        report = kpi_report(
            moved,
            start=_UTC_MIDNIGHT_S,
            end=_UTC_MIDNIGHT_S + n * step,
            params=kpi_params(scenario),
            by=[Dimension.INTERVAL],
            interval_min=int(minutes),
            timezone="UTC",
        )
        for row in report.rows:
            if row.start is not None:
                _put(out, round((row.start - _UTC_MIDNIGHT_S) / step), row.kpis)
    elif n <= MAX_ODD_INTERVALS:
        for k, kpis in enumerate(_reports_one_by_one(scenario, entries)):
            _put(out, k, kpis)
    return out


def _reports_one_by_one(scenario: Scenario, entries: Sequence[LogEntry]) -> list[Kpis]:
    """Return each scenario interval's KPIs by one report per interval (the slow, plain way)."""
    start_s, step, params = scenario.start_s, scenario.interval_s, kpi_params(scenario)
    return [
        kpi_report(entries, start=lo, end=lo + step, params=params).total
        for lo in (start_s + k * step for k in range(scenario.intervals))
    ]


def _put(out: dict[str, list[float]], k: int, kpis: Kpis) -> None:
    if not 0 <= k < len(out["queue_length"]):
        return
    for name in SERIES:
        if name != "queue_length":
            value = getattr(kpis, name)
            out[name][k] = math.nan if value is None else float(value)
