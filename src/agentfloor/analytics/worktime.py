"""Worker time per report group: busy, staffed and logged-in seconds, as unions of spans.

A worker's spans are clipped to the report range and cut at the group's time buckets; then, per
group and worker, the lengths of three unions are summed: busy (holding any task), staffed (busy
or in a ready activity) and logged in (busy or in any activity but the offline ones). Unions, not
sums, because a worker with three chats at once is busy once, and a worker who holds a task
while their activity says `break` (finishing a call) is still at work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable

from agentfloor.analytics.facts import Facts, WorkerSpan
from agentfloor.analytics.kpis import WorkerTime
from agentfloor.analytics.model import KpiParams

__all__ = ["union_s", "worker_time"]

# (worker id, start, end) -> [(group key, start, end)]: where a clipped span falls.
Splitter = Callable[[str, float, float], Iterable[tuple[Hashable, float, float]]]


def union_s(spans: Iterable[tuple[float, float]]) -> float:
    """Return the length of the union of `[start, end)` spans."""
    total, reach = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


def worker_time(
    facts: Facts,
    params: KpiParams,
    start: float,
    end: float,
    split: Splitter,
    *,
    now: float | None = None,
) -> dict[Hashable, WorkerTime]:
    """Return each group's worker time within `[start, end)`; open spans stop at `now`."""
    open_end = end if now is None else min(end, now)
    busy: dict[tuple[Hashable, str], list[tuple[float, float]]] = defaultdict(list)
    ready: dict[tuple[Hashable, str], list[tuple[float, float]]] = defaultdict(list)
    logged: dict[tuple[Hashable, str], list[tuple[float, float]]] = defaultdict(list)

    def place(
        span: WorkerSpan, *targets: dict[tuple[Hashable, str], list[tuple[float, float]]]
    ) -> None:
        lo = start if span.start is None else max(start, span.start)
        hi = open_end if span.end is None else min(end, span.end)
        if hi <= lo:
            return
        for key, a, b in split(span.worker_id, lo, hi):
            for target in targets:
                target[(key, span.worker_id)].append((a, b))

    for span in facts.busy:
        place(span, busy, ready, logged)
    for span in facts.activities:
        activity = span.activity or ""
        if activity in params.available_activities:
            place(span, ready, logged)
        elif activity not in params.offline_activities:
            place(span, logged)
    result: dict[Hashable, WorkerTime] = {}
    sums: dict[Hashable, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for (key, _worker), spans in logged.items():
        sums[key][2] += union_s(spans)
    for (key, _worker), spans in ready.items():
        sums[key][1] += union_s(spans)
    for (key, _worker), spans in busy.items():
        sums[key][0] += union_s(spans)
    for key, (busy_s, staffed_s, logged_s) in sums.items():
        result[key] = WorkerTime(busy_s, staffed_s, logged_s)
    return result
