"""The one KPI function: entries in, KPIs out, for a range, grouped, in the tenant's timezone.

`kpi_report` folds the log once, works out what crosses contacts (repeats, follow-ups, sales)
over the whole log, then groups: a task by when it was offered, a contact by when it started
(both must fall in `[start, end)`), worker time cut at the range and bucket edges. Groups are any
combination of `Dimension`s; the report also carries the total over the whole range, which is
what the live queue statistics and the simulator read (`kpis` returns just that). A task or
contact with no value for a dimension (no worker: abandoned; no queue: contained by the AI) goes
in a row whose label is None. Worker time has no queue or channel (a worker is staffed for all of
them at once), so by queue or channel it sits in the None row.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from agentfloor.analytics.buckets import Buckets
from agentfloor.analytics.contacts import contact_context
from agentfloor.analytics.facts import ContactFacts, TaskFacts, fold
from agentfloor.analytics.kpis import Kpis, WorkerTime, compute_kpis
from agentfloor.analytics.model import Dimension, KpiParams, LogEntry
from agentfloor.analytics.worktime import worker_time
from agentfloor.core.errors import InvalidInput, ProblemDetail

__all__ = ["MAX_ROWS", "KpiReport", "KpiRow", "kpi_report", "kpis", "report_csv"]

MAX_ROWS = 20_000  # time buckets x other groups; past this a report is a data export instead

_TIME_DIMENSIONS = (Dimension.INTERVAL, Dimension.DAY)

Key = tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One group: its labels (one per dimension of the report, in order) and its KPIs.

    `start` is the UTC start (epoch seconds) of its interval or day when the report groups by
    time, else None. Time labels are local ISO 8601 with the UTC offset.
    """

    labels: Key
    start: float | None
    kpis: Kpis


@dataclass(frozen=True, slots=True)
class KpiReport:
    """A range's KPIs, grouped, with every parameter that defined them."""

    start: float
    end: float
    timezone: str
    interval_min: int
    by: tuple[Dimension, ...]
    params: KpiParams
    total: Kpis
    rows: tuple[KpiRow, ...] = field(default=())


def _check(start: float, end: float, by: Sequence[Dimension], interval_min: int) -> None:
    problems: list[ProblemDetail] = []
    if not (math.isfinite(start) and math.isfinite(end)) or end <= start:
        problems.append(ProblemDetail("to", "the range must end after it starts"))
    if len(set(by)) != len(by):
        problems.append(ProblemDetail("by", "a dimension is given twice"))
    if Dimension.INTERVAL in by and Dimension.DAY in by:
        problems.append(ProblemDetail("by", "group by interval or by day, not both"))
    if not problems and Dimension.INTERVAL in by and (end - start) / (interval_min * 60) > MAX_ROWS:
        problems.append(
            ProblemDetail(
                "interval",
                f"{interval_min}-minute intervals over this range make more than {MAX_ROWS} rows;"
                " use a longer interval or a shorter range",
            )
        )
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), problems=problems)


class _Grouper:
    """Gives tasks, contacts and worker-time pieces their row key."""

    def __init__(self, by: Sequence[Dimension], buckets: Buckets, start: float, end: float) -> None:
        self.by = tuple(by)
        time_dims = [d for d in self.by if d in _TIME_DIMENSIONS]
        self.grid = (
            buckets.grid(start, end, days=time_dims[0] is Dimension.DAY) if time_dims else None
        )
        self.starts: dict[str, float] = {}  # time label -> bucket start, for sorting
        if self.grid is not None:
            for bucket in self.grid.buckets:
                self.starts.setdefault(bucket.label, bucket.start)

    def _label(self, at: float) -> str | None:
        assert self.grid is not None
        bucket = self.grid.find(at)
        return None if bucket is None else bucket.label

    def _key(
        self, at: float, queue_id: str | None, channel: str | None, worker_id: str | None
    ) -> Key:
        out: list[str | None] = []
        for d in self.by:
            if d is Dimension.QUEUE:
                out.append(queue_id)
            elif d is Dimension.CHANNEL:
                out.append(channel)
            elif d is Dimension.WORKER:
                out.append(worker_id)
            else:
                out.append(self._label(at))
        return tuple(out)

    def task(self, task: TaskFacts) -> Key:
        return self._key(task.offered_at, task.queue_id, task.channel, task.worker_id)

    def contact(self, contact: ContactFacts) -> Key:
        return self._key(contact.started_at, contact.queue_id, contact.channel, contact.worker_id)

    def split(
        self, worker_id: str, start: float, end: float
    ) -> Iterator[tuple[Hashable, float, float]]:
        """Cut a worker's span at bucket edges and give each piece its key."""
        if self.grid is None:
            yield self._key(start, None, None, worker_id), start, end
            return
        for piece in self.grid.split(start, end):
            key = tuple(
                piece.label
                if d in _TIME_DIMENSIONS
                else worker_id
                if d is Dimension.WORKER
                else None
                for d in self.by
            )
            yield key, piece.start, piece.end

    def sort_key(self, key: Key) -> tuple[tuple[int, float, str], ...]:
        out = []
        for dimension, label in zip(self.by, key, strict=True):
            if label is None:
                out.append((1, 0.0, ""))
            elif dimension in _TIME_DIMENSIONS:
                out.append((0, self.starts.get(label, 0.0), label))
            else:
                out.append((0, 0.0, label))
        return tuple(out)


def kpi_report(
    entries: Iterable[LogEntry],
    *,
    start: float,
    end: float,
    params: KpiParams | None = None,
    by: Sequence[Dimension | str] = (),
    interval_min: int = 30,
    timezone: str = "UTC",
    now: float | None = None,
) -> KpiReport:
    """Return the KPIs of tasks offered and contacts started in `[start, end)`, grouped by `by`.

    Give the entries of the whole range, plus enough before it for tasks still open at `start`
    (worker activity) and after it for repeat contacts and sales (first-contact resolution and
    conversion look ahead); entries outside the range feed only those. `now`, for a range that
    is not over yet: a worker still in an activity or on a task counts up to `now`, not `end`.

    Raises:
        InvalidInput: the range ends before it starts, a dimension is unknown or repeated,
            the interval does not divide a day, or the report would exceed `MAX_ROWS`.
    """
    params = params or KpiParams()
    try:
        dims = tuple(Dimension(d) for d in by)
    except ValueError as exc:
        names = ", ".join(d.value for d in Dimension)
        raise InvalidInput(
            f"unknown grouping in {list(by)!r}; use {names}",
            problems=[ProblemDetail("by", f"use {names}")],
        ) from exc
    buckets = Buckets(timezone, interval_min)
    _check(start, end, dims, interval_min)
    facts = fold(entries)
    context = contact_context(facts, params)
    tasks = [t for t in facts.tasks if start <= t.offered_at < end]
    contacts = [c for c in facts.contacts if start <= c.started_at < end]
    grouper = _Grouper(dims, buckets, start, end)
    times = worker_time(facts, params, start, end, grouper.split, now=now)
    # Worker-time keys never carry a queue or channel, so the groups split time without overlap
    # and the total is their sum (one pass instead of two).
    total_time = WorkerTime(
        sum(t.busy_s for t in times.values()),
        sum(t.staffed_s for t in times.values()),
        sum(t.logged_in_s for t in times.values()),
    )
    total = compute_kpis(tasks, contacts, total_time, context, params)
    if not dims:
        return KpiReport(start, end, timezone, interval_min, dims, params, total)
    task_groups: dict[Key, list[TaskFacts]] = defaultdict(list)
    contact_groups: dict[Key, list[ContactFacts]] = defaultdict(list)
    for task in tasks:
        task_groups[grouper.task(task)].append(task)
    for contact in contacts:
        contact_groups[grouper.contact(contact)].append(contact)
    keys: set[Key] = set(task_groups) | set(contact_groups)
    keys |= {k for k in times if isinstance(k, tuple)}  # every key the grouper made is a tuple
    if len(keys) > MAX_ROWS:
        raise InvalidInput(
            f"the report would have {len(keys)} rows, more than {MAX_ROWS}; group by less",
            problems=[ProblemDetail("by", "too many groups")],
        )
    rows = []
    for key in sorted(keys, key=grouper.sort_key):
        kpi = compute_kpis(
            task_groups.get(key, ()),
            contact_groups.get(key, ()),
            times.get(key, WorkerTime()),
            context,
            params,
        )
        rows.append(KpiRow(key, _row_start(dims, key, grouper), kpi))
    return KpiReport(start, end, timezone, interval_min, dims, params, total, tuple(rows))


def _row_start(dims: Sequence[Dimension], key: Key, grouper: _Grouper) -> float | None:
    for dimension, label in zip(dims, key, strict=True):
        if dimension in _TIME_DIMENSIONS and label is not None:
            return grouper.starts.get(label)
    return None


def kpis(
    entries: Iterable[LogEntry],
    *,
    start: float,
    end: float,
    params: KpiParams | None = None,
    now: float | None = None,
) -> Kpis:
    """Return the KPIs over `[start, end)` ungrouped: `kpi_report(...).total`."""
    return kpi_report(entries, start=start, end=end, params=params, now=now).total


def report_csv(report: KpiReport) -> str:
    """Return the report as CSV: one column per dimension, then every KPI; a total row last."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    dims = [d.value for d in report.by]
    writer.writerow([*dims, *Kpis.names()])
    for row in report.rows:
        writer.writerow([*("" if v is None else v for v in row.labels), *_cells(row.kpis)])
    writer.writerow([*(["total"] + [""] * (len(dims) - 1) if dims else []), *_cells(report.total)])
    return out.getvalue()


def _cells(kpi: Kpis) -> list[str]:
    values = kpi.as_dict().values()
    return [
        "" if v is None else repr(round(v, 6)) if isinstance(v, float) else str(v) for v in values
    ]
