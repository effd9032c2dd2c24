"""The matching index: the best free worker for a task, the best waiting task for a worker.

Both without scanning everyone.
Hand-written because no library does an ACD: the job is a handful of sorted indexes kept in step
with every change, and the rules (eligibility, capacity, strategy, re-offer cool-downs) are ours.
Per queue, and per channel:

- `waiting`: the queue's pending tasks as `(order_key, seq, task_id)` in a `SortedList`, so the
  head is the next to offer (priority with aging, FIFO within a priority);
- `free`: the queue's eligible workers that could take one more task of that channel now (in an
  available activity, below their capacity), sorted by the queue's selection key
  (`routing.selection`), so the head is the best worker.

Eligibility is computed when a worker or queue changes, not per task: a queue whose expression
reads only `worker.*` (the common case) keeps the set of workers it matches. A queue whose
expression also reads `task.*` treats every worker as a candidate and evaluates the expression
per (task, worker) when matching. A workflow target's `worker_expression` always narrows per
(task, worker), at offer time.

A task arriving looks at the head of `free[its channel]` of its queue: O(log n), plus one
expression test per skipped worker. A worker freeing up looks at the head of `waiting[channel]`
of each queue it is eligible for: O(queues of the worker x channels x log n).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from sortedcontainers import SortedList

from agentfloor.routing.expressions import Expression
from agentfloor.routing.model import Queue, Task, Worker
from agentfloor.routing.routes import Route
from agentfloor.routing.selection import SelectionKey, key_function

__all__ = [
    "MatchIndex",
    "OrderKeys",
    "QueueLine",
    "TaskSlot",
    "WorkerSlot",
    "task_view",
    "worker_view",
]

_NO_TASK: Mapping[str, Any] = MappingProxyType({})
WaitEntry = tuple[float, int, str]  # (order_key, seq, task id)


def worker_view(worker: Worker) -> dict[str, Any]:
    """Return what `worker.*` reads: the attributes, plus the built-ins id, name and kind."""
    return {**worker.attributes, "id": worker.id, "name": worker.name, "kind": str(worker.kind)}


def task_view(task: Task) -> dict[str, Any]:
    """Return what `task.*` reads: the attributes, plus the built-ins channel and priority."""
    return {**task.attributes, "channel": task.channel, "priority": task.priority}


class WorkerSlot:
    """A worker as the router tracks it: the record, what it holds, where it is listed free."""

    __slots__ = ("entries", "held", "last_end", "load", "offers", "queues", "record", "seq", "view")

    def __init__(self, record: Worker, seq: int) -> None:
        self.record = record
        self.seq = seq
        self.view = worker_view(record)
        self.queues: set[str] = set()  # queues it is a candidate for
        self.load: dict[str, int] = {}  # channel -> tasks held (reserved, assigned, wrapping)
        self.held = 0  # tasks held, all channels
        self.last_end = -math.inf  # end of its last task (after wrap-up)
        self.offers: dict[str, None] = {}  # pending reservation ids, in offer order
        # queue id -> channel -> the key it is listed under in that queue's free list
        self.entries: dict[str, dict[str, tuple[Any, ...]]] = {}

    def has_room(self, channel: str) -> bool:
        """Whether it holds fewer tasks of `channel` than its capacity for it."""
        return self.load.get(channel, 0) < self.record.capacity.get(channel, 0)


class TaskSlot:
    """A task as the router tracks it: the record plus its route and place."""

    __slots__ = (
        "base",
        "cooldown",
        "entry",
        "holder",
        "pos",
        "record",
        "reservation_id",
        "route",
        "seq",
        "talk_s",
        "view",
    )

    def __init__(self, record: Task, route: Route, pos: int, seq: int, base: float) -> None:
        self.record = record
        self.route = route
        self.pos = pos  # index into `route` (record.target_index may differ after a restore)
        self.seq = seq
        self.base = base  # the order-key base it was issued for (see OrderKeys)
        self.view = task_view(record)
        self.entry: WaitEntry | None = None  # where it is in its queue's waiting list
        self.reservation_id: str | None = None  # the pending offer
        self.holder: str | None = None  # worker holding it (reserved, assigned, wrapping)
        self.cooldown: dict[str, float] | None = None  # worker id -> not re-offered before
        self.talk_s: float | None = None  # accepted -> completed, for the completion event


class QueueLine:
    """A queue with its eligible workers, waiting tasks and free workers per channel."""

    __slots__ = (
        "candidates",
        "expression",
        "free",
        "key",
        "offered",
        "queue",
        "task_dependent",
        "waiting",
    )

    def __init__(self, queue: Queue, expression: Expression) -> None:
        self.queue = queue
        self.expression = expression
        self.task_dependent = expression.uses_task
        self.key: SelectionKey = key_function(queue)
        self.candidates: set[str] = set()
        self.free: dict[str, SortedList] = {}
        self.offered: set[str] = set()  # task ids reserved from this queue
        self.waiting: dict[str, SortedList] = {}  # channel -> WaitEntry, lowest first

    def admits(self, view: Mapping[str, Any]) -> bool:
        """Whether a worker is a candidate (for a task-dependent expression: everyone)."""
        return self.task_dependent or self.expression.matches(view, _NO_TASK)

    def waiting_count(self) -> int:
        """How many tasks wait here (all channels)."""
        return sum(len(entries) for entries in self.waiting.values())

    def waiting_entries(self) -> Iterator[WaitEntry]:
        """Iterate over waiting tasks in offer order, all channels merged."""
        return heapq.merge(*self.waiting.values())


class OrderKeys:
    """Hands out order keys that are unique among live tasks.

    A key is `queued_at - priority * priority_step_s`; two tasks queued at the same moment with the
    same priority would tie, and the tie-break (submission order) would be lost on restart. So a
    tie is nudged up by the smallest float step (`math.nextafter`): every live task has a
    distinct key, and the persisted key alone restores the exact order.
    """

    def __init__(self) -> None:
        self._last: dict[float, float] = {}  # base -> the last key issued for it
        self._live: dict[float, int] = {}  # base -> live tasks issued for it
        self._keys: set[float] = set()

    def issue(self, base: float) -> float:
        """Return a new key for `base`: `base` itself unless a live task holds it."""
        last = self._last.get(base)
        key = base if last is None else math.nextafter(last, math.inf)
        while key in self._keys:
            key = math.nextafter(key, math.inf)
        self._last[base] = key
        self._live[base] = self._live.get(base, 0) + 1
        self._keys.add(key)
        return key

    def restore(self, key: float) -> float:
        """Register a persisted key (its own base) and return the base to release it by."""
        self._last[key] = max(self._last.get(key, key), key)
        self._live[key] = self._live.get(key, 0) + 1
        self._keys.add(key)
        return key

    def release(self, base: float, key: float) -> None:
        """Free `key`: its task will not be queued again (assigned or finished)."""
        self._keys.discard(key)
        left = self._live.get(base, 0) - 1
        if left > 0:
            self._live[base] = left
        else:
            self._live.pop(base, None)
            self._last.pop(base, None)


class MatchIndex:
    """Workers, queues and tasks of one tenant, with the indexes that make matching fast."""

    def __init__(self, activities: Mapping[str, bool]) -> None:
        self.activities: Mapping[str, bool] = activities  # activity -> receives tasks
        self.queues: dict[str, QueueLine] = {}
        self.workers: dict[str, WorkerSlot] = {}
        self.tasks: dict[str, TaskSlot] = {}
        # worker id -> task id -> channel, for every task a worker holds; outlives a removed worker
        # so that re-adding it counts what it still holds
        self.held: dict[str, dict[str, str]] = {}
        self._seq = 0

    def next_seq(self) -> int:
        """Return a new sequence number for tie-breaks (workers, tasks)."""
        self._seq += 1
        return self._seq

    def is_routable(self, slot: WorkerSlot) -> bool:
        """Whether the worker's activity receives tasks."""
        return self.activities.get(slot.record.activity, False)

    # --- workers ---------------------------------------------------------------------------------

    def add_worker(self, record: Worker) -> WorkerSlot:
        """Register a worker: its load (tasks it still holds), eligibility and free listings."""
        slot = WorkerSlot(record, self.next_seq())
        for channel in self.held.get(record.id, {}).values():
            slot.load[channel] = slot.load.get(channel, 0) + 1
            slot.held += 1
        self.workers[record.id] = slot
        self._set_queues(slot, {qid for qid, q in self.queues.items() if q.admits(slot.view)})
        self.refresh(slot)
        return slot

    def update_worker(self, slot: WorkerSlot, record: Worker) -> None:
        """Replace the worker record; recompute eligibility when what expressions read changed."""
        old, slot.record = slot.record, record
        if (old.attributes, old.name, old.kind) != (record.attributes, record.name, record.kind):
            slot.view = worker_view(record)
            self._set_queues(slot, {qid for qid, q in self.queues.items() if q.admits(slot.view)})
        self.refresh(slot)

    def remove_worker(self, slot: WorkerSlot) -> None:
        """Forget a worker (what it holds stays in `held`)."""
        self._set_queues(slot, set())
        del self.workers[slot.record.id]

    def _set_queues(self, slot: WorkerSlot, queues: set[str]) -> None:
        wid = slot.record.id
        for qid in slot.queues - queues:
            line = self.queues[qid]
            line.candidates.discard(wid)
            for channel, key in slot.entries.pop(qid, {}).items():
                line.free[channel].remove(key)
        for qid in queues - slot.queues:
            self.queues[qid].candidates.add(wid)
        slot.queues = queues

    # --- queues ----------------------------------------------------------------------------------

    def put_queue(self, queue: Queue, expression: Expression) -> QueueLine:
        """Add or replace a queue, keeping its waiting tasks; recompute who is eligible."""
        line = self.queues.get(queue.id)
        if line is not None:
            for wid in line.candidates:
                slot = self.workers[wid]
                slot.entries.pop(queue.id, None)
                slot.queues.discard(queue.id)
            line.candidates = set()
            line.free = {}
            line.queue, line.expression = queue, expression
            line.task_dependent, line.key = expression.uses_task, key_function(queue)
        else:
            line = self.queues[queue.id] = QueueLine(queue, expression)
        for slot in self.workers.values():
            if line.admits(slot.view):
                slot.queues.add(queue.id)
                line.candidates.add(slot.record.id)
                self.refresh(slot)
        return line

    def remove_queue(self, line: QueueLine) -> None:
        """Forget a queue (the caller checked nothing waits in it)."""
        qid = line.queue.id
        for wid in line.candidates:
            slot = self.workers[wid]
            slot.entries.pop(qid, None)
            slot.queues.discard(qid)
        del self.queues[qid]

    # --- what workers hold and what waits ---------------------------------------------------------

    def hold(self, worker_id: str, task: TaskSlot) -> None:
        """Make the worker hold the task (offered, assigned, wrapping): one less free slot."""
        channel = task.record.channel
        self.held.setdefault(worker_id, {})[task.record.id] = channel
        task.holder = worker_id
        slot = self.workers.get(worker_id)
        if slot is not None:
            slot.load[channel] = slot.load.get(channel, 0) + 1
            slot.held += 1
            self.refresh(slot)

    def release(self, task: TaskSlot, *, ended_at: float | None = None) -> WorkerSlot | None:
        """Free the task's holder; `ended_at` marks the end of its work (idle since)."""
        worker_id, task.holder = task.holder, None
        if worker_id is None:
            return None
        held = self.held.get(worker_id, {})
        held.pop(task.record.id, None)
        if not held:
            self.held.pop(worker_id, None)
        slot = self.workers.get(worker_id)
        if slot is not None:
            slot.load[task.record.channel] -= 1
            slot.held -= 1
            if ended_at is not None:
                slot.last_end = max(slot.last_end, ended_at)
            self.refresh(slot)
        return slot

    def add_waiting(self, task: TaskSlot) -> None:
        """List a pending task in its queue."""
        record = task.record
        assert record.order_key is not None and record.queue_id is not None  # set when queued
        entry = (record.order_key, task.seq, record.id)
        line = self.queues[record.queue_id]
        waiting = line.waiting.get(record.channel)
        if waiting is None:
            waiting = line.waiting[record.channel] = SortedList()
        waiting.add(entry)
        task.entry = entry

    def remove_waiting(self, task: TaskSlot) -> None:
        """Take a task out of its queue's waiting list."""
        assert task.entry is not None and task.record.queue_id is not None
        self.queues[task.record.queue_id].waiting[task.record.channel].remove(task.entry)
        task.entry = None

    # --- matching --------------------------------------------------------------------------------

    def refresh(self, slot: WorkerSlot) -> None:
        """Bring the worker's free listings in step with its activity, load and idle time."""
        record, entries = slot.record, slot.entries
        channels: list[str] = []
        idle = 0.0
        if self.activities.get(record.activity, False):
            load = slot.load
            channels = [ch for ch, cap in record.capacity.items() if load.get(ch, 0) < cap]
            idle = max(record.activity_since, slot.last_end)
        for qid in slot.queues:
            current = entries.get(qid)
            if not channels:
                if current is None:
                    continue
                want: dict[str, tuple[Any, ...]] = {}
            else:
                line = self.queues[qid]
                key = line.key(idle, slot.held, record.attributes, slot.seq, record.id)
                want = dict.fromkeys(channels, key)
                if current == want:
                    continue
            free = self.queues[qid].free
            if current is not None:
                for channel, old in current.items():
                    if want.get(channel) != old:
                        free[channel].remove(old)
            for channel, new in want.items():
                if current is None or current.get(channel) != new:
                    listed = free.get(channel)
                    if listed is None:
                        listed = free[channel] = SortedList()
                    listed.add(new)
            if want:
                entries[qid] = want
            else:
                entries.pop(qid, None)

    def fits(self, slot: WorkerSlot, task: TaskSlot, line: QueueLine, now: float) -> bool:
        """Per-(task, worker) rules: expressions reading the task, and re-offer cool-downs."""
        if task.cooldown is not None and task.cooldown.get(slot.record.id, -math.inf) > now:
            return False
        if line.task_dependent and not line.expression.matches(slot.view, task.view):
            return False
        expression = task.route[task.pos].worker_expression
        return expression is None or expression.matches(slot.view, task.view)

    def best_worker(self, task: TaskSlot, now: float) -> WorkerSlot | None:
        """Return the first free worker of the task's queue, in strategy order, who may take it."""
        record = task.record
        assert record.queue_id is not None
        line = self.queues[record.queue_id]
        free = line.free.get(record.channel)
        if not free:
            return None
        workers = self.workers
        simple = (
            task.cooldown is None
            and not line.task_dependent
            and task.route[task.pos].worker_expression is None
        )
        for key in free:
            slot = workers[key[-1]]
            if simple or self.fits(slot, task, line, now):
                return slot
        return None

    def best_task(self, slot: WorkerSlot, now: float) -> TaskSlot | None:
        """Return the waiting task with the lowest order key, across the worker's queues."""
        best: WaitEntry | None = None
        capacity, load, tasks = slot.record.capacity, slot.load, self.tasks
        for qid in slot.queues:
            line = self.queues[qid]
            if not line.waiting:
                continue
            for channel, cap in capacity.items():
                waiting = line.waiting.get(channel)
                if not waiting or load.get(channel, 0) >= cap:
                    continue
                for entry in waiting:
                    if best is not None and entry >= best:
                        break
                    if self.fits(slot, tasks[entry[2]], line, now):
                        best = entry
                        break
        return None if best is None else tasks[best[2]]
