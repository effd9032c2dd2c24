"""The matching index: the best free worker for a task, the best waiting task for a worker.

Both without scanning everyone. Hand-written because no library does an ACD: the job is a
handful of sorted indexes kept in step with every change, and the rules (eligibility, capacity,
strategy, re-offer cool-downs) are ours. Per queue, and per channel:

- `waiting`: the queue's pending tasks as `(order_key, seq, task_id)` in a `SortedList`, so the
  head is the next to offer (priority with aging, FIFO within a priority); it may hold 100k tasks;
- `free`: the queue's eligible workers that could take one more task of that channel now (in an
  available activity, below their capacity), sorted by the queue's selection key
  (`routing.selection`), so the head is the best worker. It changes on every offer and
  completion (a completion moves the worker to the back of each queue it serves), so it is a
  plain list kept sorted with C-level `bisect`/`insort`/`del`: under a microsecond per change at
  the size of a queue's staff (tens to thousands), cheaper than `SortedList`'s Python-level
  bookkeeping; its O(n) memmove only tells past tens of thousands of workers in one queue.

Eligibility is computed when a worker or queue changes, not per task: a queue whose expression
reads only `worker.*` (the common case) keeps the set of workers it matches. A queue whose
expression also reads `task.*` treats every worker as a candidate and evaluates the expression
per (task, worker) when matching. A workflow target's `worker_expression` always narrows per
(task, worker), at offer time.

A task arriving takes the head of `free[its channel]` of its queue (one expression test per
worker skipped by a per-task rule). A worker freeing up compares the heads of `waiting[channel]`
of the queues it is eligible for. Each change to a worker re-lists it in its queues: O(queues of
the worker x channels x log n).
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left, insort
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


def _unlist(keys: list[tuple[Any, ...]], key: tuple[Any, ...]) -> None:
    del keys[bisect_left(keys, key)]  # keys are unique: they end in the worker's seq and id


class WorkerSlot:
    """A worker as the router tracks it: the record, what it holds, where it is listed free."""

    __slots__ = (
        "entries",
        "held",
        "last_end",
        "listed",
        "load",
        "offers",
        "queues",
        "record",
        "seq",
        "view",
    )

    def __init__(self, record: Worker, seq: int) -> None:
        self.record = record
        self.seq = seq
        self.view = worker_view(record)
        self.queues: set[str] = set()  # queues it is a candidate for
        self.load: dict[str, int] = {}  # channel -> tasks held (reserved, assigned, wrapping)
        self.held = 0  # tasks held, all channels
        self.last_end = -math.inf  # end of its last task (after wrap-up)
        self.offers: dict[str, None] = {}  # pending reservation ids, in offer order
        # queue id -> (channels it is listed free for, the key it is listed under) in that queue
        self.entries: dict[str, tuple[tuple[str, ...], tuple[Any, ...]]] = {}
        # (free channels, idle since, held) when last listed: refresh skips when unchanged
        self.listed: tuple[tuple[str, ...], float, int] | None = None

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
        self.view: dict[str, Any] | None = None  # built on first use: most tasks never need it
        self.entry: WaitEntry | None = None  # where it is in its queue's waiting list
        self.reservation_id: str | None = None  # the pending offer
        self.holder: str | None = None  # worker holding it (reserved, assigned, wrapping)
        self.cooldown: dict[str, float] | None = None  # worker id -> not re-offered before
        self.talk_s: float | None = None  # accepted -> completed, for the completion event


def _view(task: TaskSlot) -> dict[str, Any]:
    if task.view is None:
        task.view = task_view(task.record)  # channel, priority, attributes never change
    return task.view


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
        self.free: dict[str, list[tuple[Any, ...]]] = {}  # channel -> keys, sorted
        self.offered: set[str] = set()  # task ids reserved from this queue
        self.waiting: dict[str, SortedList] = {}  # channel -> WaitEntry, lowest first; never empty

    def admits(self, view: Mapping[str, Any]) -> bool:
        """Whether a worker is a candidate (for a task-dependent expression: everyone)."""
        return self.task_dependent or self.expression.matches(view, _NO_TASK)

    def waiting_count(self) -> int:
        """How many tasks wait here (all channels)."""
        return sum(len(entries) for entries in self.waiting.values())

    def waiting_entries(self) -> Iterator[WaitEntry]:
        """Iterate over waiting tasks in offer order, all channels merged."""
        return heapq.merge(*self.waiting.values())


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
        changed = (old.attributes, old.name, old.kind) != (
            record.attributes,
            record.name,
            record.kind,
        )
        if changed:
            slot.view = worker_view(record)
            self._set_queues(slot, {qid for qid, q in self.queues.items() if q.admits(slot.view)})
        self.refresh(slot, force=changed)  # levels may have changed most-skilled keys

    def remove_worker(self, slot: WorkerSlot) -> None:
        """Forget a worker (what it holds stays in `held`)."""
        self._set_queues(slot, set())
        del self.workers[slot.record.id]

    def _set_queues(self, slot: WorkerSlot, queues: set[str]) -> None:
        wid = slot.record.id
        for qid in slot.queues - queues:
            line = self.queues[qid]
            line.candidates.discard(wid)
            listed = slot.entries.pop(qid, None)
            if listed is not None:
                for channel in listed[0]:
                    _unlist(line.free[channel], listed[1])
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
                self.refresh(slot, force=True)
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

    def hold(self, worker_id: str, task: TaskSlot, *, relist: bool = True) -> None:
        """Make the worker hold the task (offered, assigned, wrapping): one less free slot.

        `relist=False` leaves the free listings for the caller to `refresh` before anything
        else matches: until then the worker may be listed free while it is not.
        """
        channel = task.record.channel
        self.held.setdefault(worker_id, {})[task.record.id] = channel
        task.holder = worker_id
        slot = self.workers.get(worker_id)
        if slot is not None:
            slot.load[channel] = slot.load.get(channel, 0) + 1
            slot.held += 1
            if relist:
                self.refresh(slot)

    def release(
        self, task: TaskSlot, *, ended_at: float | None = None, relist: bool = True
    ) -> WorkerSlot | None:
        """Free the task's holder; `ended_at` marks the end of its work (idle since).

        `relist=False` defers the `refresh` (a worker listed less free than it is is safe: it
        only misses offers until the caller refreshes, typically after offering it more work).
        """
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
            if relist:
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
        waiting = self.queues[task.record.queue_id].waiting
        entries = waiting[task.record.channel]
        entries.remove(task.entry)
        if not entries:  # so that `best_task` skips an empty queue with one dict test
            del waiting[task.record.channel]
        task.entry = None

    # --- matching --------------------------------------------------------------------------------

    def refresh(self, slot: WorkerSlot, *, force: bool = False) -> None:
        """Bring the worker's free listings in step with its activity, load and idle time.

        Called after every change to a worker (the hot path of every offer and completion), so
        it returns at once when nothing that listings depend on changed, computes each strategy's
        key once for all the queues sharing it, and touches only the listings that differ.
        `force` re-lists after the worker's queues, attributes or a queue's strategy changed.
        """
        record = slot.record
        if self.activities.get(record.activity, False):
            load = slot.load
            free = tuple([ch for ch, cap in record.capacity.items() if load.get(ch, 0) < cap])
            since, end = record.activity_since, slot.last_end
            idle = since if since > end else end
        else:
            free, idle = (), 0.0
        state = (free, idle, slot.held)
        if state == slot.listed and not force:
            return
        slot.listed = state
        entries, queues = slot.entries, self.queues
        keys: dict[SelectionKey, tuple[Any, ...]] = {}
        for qid in slot.queues:
            current = entries.get(qid)
            if not free:
                if current is None:
                    continue
                key: tuple[Any, ...] = ()
            else:
                line = queues[qid]
                key_of = line.key
                found = keys.get(key_of)
                if found is None:
                    found = keys[key_of] = key_of(
                        idle, slot.held, record.attributes, slot.seq, record.id
                    )
                key = found
                if current is not None and current[1] == key and current[0] == free:
                    continue
            lists = queues[qid].free
            if current is not None:
                old_free, old_key = current
                for channel in old_free:
                    if old_key != key or channel not in free:
                        out = lists[channel]
                        del out[bisect_left(out, old_key)]  # keys are unique (end in ids)
            for channel in free:
                if current is None or current[1] != key or channel not in current[0]:
                    into = lists.get(channel)
                    if into is None:
                        into = lists[channel] = []
                    insort(into, key)
            if free:
                entries[qid] = (free, key)
            else:
                del entries[qid]

    def fits(self, slot: WorkerSlot, task: TaskSlot, line: QueueLine, now: float) -> bool:
        """Per-(task, worker) rules: expressions reading the task, and re-offer cool-downs."""
        if task.cooldown is not None and task.cooldown.get(slot.record.id, -math.inf) > now:
            return False
        if line.task_dependent and not line.expression.matches(slot.view, _view(task)):
            return False
        expression = task.route[task.pos].worker_expression
        return expression is None or expression.matches(slot.view, _view(task))

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
            if not line.waiting:  # the common case when workers outnumber tasks
                continue
            for channel, cap in capacity.items():
                waiting = line.waiting.get(channel)
                if waiting is None or load.get(channel, 0) >= cap:
                    continue
                for entry in waiting:
                    if best is not None and entry >= best:
                        break
                    if self.fits(slot, tasks[entry[2]], line, now):
                        best = entry
                        break
        return None if best is None else tasks[best[2]]
