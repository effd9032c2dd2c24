"""The matching index: the best free worker for a task, the best waiting task for a worker.

Both without scanning everyone. Hand-written because no library does an ACD: the job is a
handful of sorted indexes kept in step with every change, and the rules (eligibility, capacity,
strategy, re-offer cool-downs) are ours. Per queue, and per channel:

- `waiting`: the queue's pending tasks as `(order_key, seq, task_id)` in a `SortedList`, so the
  head is the next to offer (priority with aging, FIFO within a priority); it may hold 100k tasks.
  A task that finds a free worker as soon as it is queued is offered without being listed;
- `free`: the queue's eligible workers that could take one more task of that channel now (in an
  available activity, below their capacity), sorted by the queue's selection key
  (`routing.selection`), so the head is the best worker; it may also hold stale entries of
  workers that have since filled that channel (see below). It changes on every offer and
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
of the queues it is eligible for.

Keeping `free` in step is the hot path (every offer and every completion; a worker is in about
as many lists as it has queues, and each list change costs cache misses more than
instructions). So a worker keeps its queues grouped by key shape (`KeyKind`) as tuples of
`QueueLine`s, with its most-skilled levels looked up once when it joins a queue, and remembers
the state it is listed under (free channels, idle since, tasks held), from which its keys are
rebuilt: one tuple per shape rather than one per queue, and only the lists whose key changed are
touched. An offer that fills a channel does not search every list for the worker: those
entries go stale at once (the channel leaves the worker's free set, which `best_worker` checks
at the head) and are dropped when they reach the head of a list or when the worker's key next
changes, whichever comes first, so a list never holds two entries of a worker. An offer
therefore touches only least-occupied queues (their key counts the tasks in hand); a
completion moves the worker to the back of every queue (idle since now), nearly an append in
longest-idle ones.

The index holds few long-lived container objects, because the cyclic garbage collector's pauses
grow with their number: per worker its slot and its group tuples (the view of its attributes
that expressions read is built when a task expression needs it); per task one `TaskSlot`, whose
public `Task` record is built only when read (`TaskSlot.record`), and one `Offer` per offer.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from sortedcontainers import SortedList

from agentfloor.routing.expressions import Expression
from agentfloor.routing.model import CHANNELS, Queue, Reservation, Task, TaskState, Worker
from agentfloor.routing.routes import Route, direct_route
from agentfloor.routing.selection import KeyKind, key_kind, skill_level

__all__ = [
    "MatchIndex",
    "QueueLine",
    "TaskSlot",
    "WorkerSlot",
    "evolve",
    "task_view",
    "worker_view",
]

_NO_TASK: Mapping[str, Any] = MappingProxyType({})
# Sets of channels as bit masks, and the one tuple of each set (so listings allocate none).
_BIT = {channel: 1 << i for i, channel in enumerate(CHANNELS)}
_CHANNELS_OF = tuple(
    tuple(channel for channel, bit in _BIT.items() if mask & bit) for mask in range(1 << len(_BIT))
)
WaitEntry = tuple[float, int, str]  # (order_key, seq, task id)
R = TypeVar("R", Task, Reservation)  # the records the router copies with changes
_FIELDS: dict[type, tuple[str, ...]] = {}
_set = object.__setattr__


def evolve(record: R, **changes: Any) -> R:
    """Return a copy of a frozen, slotted record with `changes` applied.

    `dataclasses.replace` does the same but introspects the fields and runs `__init__` on every
    call; this copies the slots directly, about twice as fast. The records have no
    `__post_init__`, so nothing is skipped; a misspelt field raises AttributeError (slotted
    classes have no `__dict__`).
    """
    cls = type(record)
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(record))
    new = object.__new__(cls)
    for name in names:
        _set(new, name, getattr(record, name))
    for name, value in changes.items():
        _set(new, name, value)
    return new


def worker_view(worker: Worker) -> dict[str, Any]:
    """Return what `worker.*` reads: the attributes, plus the built-ins id, name and kind."""
    return {**worker.attributes, "id": worker.id, "name": worker.name, "kind": str(worker.kind)}


def task_view(task: Task) -> dict[str, Any]:
    """Return what `task.*` reads: the attributes, plus the built-ins channel and priority."""
    return {**task.attributes, "channel": task.channel, "priority": task.priority}


class WorkerSlot:
    """A worker as the router tracks it: the record, what it holds, where it is listed free.

    It is listed in the `free[channel]` list of every queue it is a candidate for, for each
    channel of `listed_free` (`free_mask` as bits), under the key its queue's strategy gives
    `listed_idle` and `listed_held` (see `routing.selection`). Channels it filled up since it
    was listed keep their (stale) entries until they come to the head of a list or the key
    changes: `placed` (`placed_by_load` for least-occupied queues) are the channels, as bits,
    that may have one.
    """

    __slots__ = (
        "by_idle",
        "by_load",
        "by_skill",
        "free_mask",
        "held",
        "holding",
        "last_end",
        "listed_free",
        "listed_held",
        "listed_idle",
        "load",
        "offers",
        "placed",
        "placed_by_load",
        "record",
        "seq",
        "skill_keys",
        "view",
    )

    def __init__(self, record: Worker, seq: int, holding: dict[str, str]) -> None:
        self.record = record
        self.seq = seq
        self.view: dict[str, Any] | None = None  # what `worker.*` reads, built when needed
        self.holding = holding  # task id -> channel, for every task it holds
        self.load: dict[str, int] = {}  # channel -> tasks held (reserved, assigned, wrapping)
        for channel in holding.values():
            self.load[channel] = self.load.get(channel, 0) + 1
        self.held = len(holding)  # tasks held, all channels
        self.last_end = -math.inf  # end of its last task (after wrap-up)
        self.offers: dict[str, None] = {}  # pending reservation ids, in offer order
        # the queues it is a candidate for, by key shape; for most-skilled ones, -level each
        self.by_idle: tuple[QueueLine, ...] = ()
        self.by_skill: tuple[QueueLine, ...] = ()
        self.skill_keys: tuple[float, ...] = ()
        self.by_load: tuple[QueueLine, ...] = ()
        self.listed_free: tuple[str, ...] = ()
        self.free_mask = 0
        self.listed_idle = 0.0
        self.listed_held = 0
        self.placed = 0
        self.placed_by_load = 0

    def viewed(self) -> dict[str, Any]:
        """Return what `worker.*` reads (kept once built: it is read per task from then on)."""
        view = self.view
        if view is None:
            view = self.view = worker_view(self.record)
        return view

    def lines(self) -> tuple[QueueLine, ...]:
        """Return the queues it is a candidate for."""
        return self.by_idle + self.by_skill + self.by_load

    def has_room(self, channel: str) -> bool:
        """Whether it holds fewer tasks of `channel` than its capacity for it."""
        return self.load.get(channel, 0) < self.record.capacity.get(channel, 0)


class TaskSlot:
    """A task as the router tracks it: its routing state, route and place.

    The fields the router changes live here as plain attributes; the public, frozen `Task`
    record is built from `source` (the task as submitted or restored) when `record` is read, and
    kept until the next change sets `cached` back to None. Most changes are never read as a
    record in between, so the hot path copies no records.
    """

    __slots__ = (
        "base",
        "cached",
        "callback",
        "channel",
        "cooldown",
        "created_at",
        "end_reason",
        "ended_at",
        "entry",
        "holder",
        "id",
        "order_key",
        "pos",
        "queue_id",
        "reservation_id",
        "reservations",
        "route",
        "seq",
        "source",
        "state",
        "talk_s",
        "target_index",
        "target_since",
        "updated_at",
        "view",
        "worker_id",
    )

    def __init__(
        self,
        source: Task,
        route: Route,
        pos: int,
        seq: int,
        base: float,
        state: TaskState,
        updated_at: float,
        queue_id: str | None,
        target_index: int,
        target_since: float | None,
        order_key: float | None,
        worker_id: str | None = None,
        ended_at: float | None = None,
        end_reason: str | None = None,
    ) -> None:
        self.source = source  # id, tenant, channel, priority, attributes...: never change
        self.id = source.id
        self.channel = source.channel
        self.created_at = source.created_at
        self.callback = source.callback
        self.state = state
        self.updated_at = updated_at
        self.queue_id = queue_id
        self.worker_id = worker_id
        self.target_index = target_index
        self.target_since = target_since
        self.order_key = order_key
        self.ended_at = ended_at
        self.end_reason = end_reason
        self.cached: Task | None = None  # the record, until the next change
        self.route = route
        self.pos = pos  # index into `route` (target_index may differ after a restore)
        self.seq = seq
        self.base = base  # the order-key base it was issued for (see OrderKeys)
        self.view: dict[str, Any] | None = None  # built on first use: most tasks never need it
        self.entry: WaitEntry | None = None  # where it is in its queue's waiting list
        self.reservation_id: str | None = None  # the pending offer
        self.reservations: tuple[str, ...] = ()  # every offer made of it, for `forget`
        self.holder: str | None = None  # worker holding it (reserved, assigned, wrapping)
        self.cooldown: dict[str, float] | None = None  # worker id -> not re-offered before
        self.talk_s: float | None = None  # accepted -> completed, for the completion event

    @classmethod
    def restored(cls, task: Task, route: Route, pos: int, seq: int) -> TaskSlot:
        """Return a slot for a persisted task, its record as it was."""
        slot = cls(
            task,
            route,
            pos,
            seq,
            0.0,
            task.state,
            task.updated_at,
            task.queue_id,
            task.target_index,
            task.target_since,
            task.order_key,
            task.worker_id,
            task.ended_at,
            task.end_reason,
        )
        slot.cached = task
        return slot

    @property
    def record(self) -> Task:
        """The task as it is now (a frozen record, built on first read after a change)."""
        record = self.cached
        if record is None:
            record = self.cached = evolve(
                self.source,
                state=self.state,
                updated_at=self.updated_at,
                queue_id=self.queue_id,
                worker_id=self.worker_id,
                target_index=self.target_index,
                target_since=self.target_since,
                order_key=self.order_key,
                callback=self.callback,
                ended_at=self.ended_at,
                end_reason=self.end_reason,
            )
        return record

    def moved(self, state: TaskState, at: float) -> None:
        """Record a change of state at `at`."""
        self.state = state
        self.updated_at = at
        self.cached = None


def _view(task: TaskSlot) -> dict[str, Any]:
    if task.view is None:
        task.view = task_view(task.source)  # channel, priority, attributes never change
    return task.view


class QueueLine:
    """A queue with its eligible workers, waiting tasks and free workers per channel."""

    __slots__ = (
        "candidates",
        "expression",
        "free",
        "kind",
        "offered",
        "queue",
        "route",
        "task_dependent",
        "waiting",
    )

    def __init__(self, queue: Queue, expression: Expression) -> None:
        self.queue = queue
        self.expression = expression
        self.task_dependent = expression.uses_task
        self.kind = key_kind(queue)
        self.route: Route = direct_route(queue.id)  # of a task submitted straight to it
        self.candidates: set[str] = set()
        # channel -> selection keys of the free workers, sorted (see `routing.selection`)
        self.free: dict[str, list[tuple[Any, ...]]] = {channel: [] for channel in CHANNELS}
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


def _insert(lines: tuple[QueueLine, ...], channels: tuple[str, ...], key: tuple[Any, ...]) -> None:
    """List `key` in the free lists of `channels` of `lines` (it is in none of them)."""
    for channel in channels:
        for line in lines:
            insort(line.free[channel], key)


def _append(lines: tuple[QueueLine, ...], channels: tuple[str, ...], key: tuple[Any, ...]) -> None:
    """`_insert`, for a key that most likely sorts last (idle since now: longest-idle keys)."""
    for channel in channels:
        for line in lines:
            out = line.free[channel]
            if not out or out[-1] < key:
                out.append(key)
            else:
                insort(out, key)


def _ensure(
    lines: tuple[QueueLine, ...], channels: tuple[str, ...], key: tuple[Any, ...], placed: int
) -> None:
    """List `key` for `channels`; for a channel in `placed` (bits) it may still be there."""
    for channel in channels:
        if not placed & _BIT[channel]:
            _insert(lines, (channel,), key)
            continue
        for line in lines:
            out = line.free[channel]
            i = bisect_left(out, key)
            if i == len(out) or out[i] != key:
                out.insert(i, key)


def _discard(lines: tuple[QueueLine, ...], channels: tuple[str, ...], key: tuple[Any, ...]) -> None:
    """Take `key` out of the free lists of `channels` of `lines`, where it still is."""
    for channel in channels:
        for line in lines:
            out = line.free[channel]
            i = bisect_left(out, key)  # keys are unique: they end in seq and id
            if i < len(out) and out[i] == key:
                del out[i]


class MatchIndex:
    """Workers, queues and tasks of one tenant, with the indexes that make matching fast."""

    def __init__(self, activities: Mapping[str, bool]) -> None:
        self.activities: Mapping[str, bool] = activities  # activity -> receives tasks
        self.queues: dict[str, QueueLine] = {}
        self.workers: dict[str, WorkerSlot] = {}
        self.tasks: dict[str, TaskSlot] = {}
        # worker id -> task id -> channel, for tasks held by a worker not (or no longer)
        # registered, so that (re-)adding it counts what it still holds
        self.orphans: dict[str, dict[str, str]] = {}
        self.waiting_total = 0  # tasks listed in any waiting list
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
        slot = WorkerSlot(record, self.next_seq(), self.orphans.pop(record.id, {}))
        self.workers[record.id] = slot
        view = worker_view(record)  # not kept: most workers are never matched by a task expression
        self._set_lines(slot, [q for q in self.queues.values() if q.admits(view)])
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
        if changed:  # levels may have changed most-skilled keys too
            slot.view, view = None, worker_view(record)
            self._set_lines(slot, [q for q in self.queues.values() if q.admits(view)])
        self.refresh(slot)

    def remove_worker(self, slot: WorkerSlot) -> None:
        """Forget a worker (what it holds stays counted, in `orphans`)."""
        self._set_lines(slot, [])
        if slot.holding:
            self.orphans[slot.record.id] = slot.holding
        del self.workers[slot.record.id]

    def _set_lines(self, slot: WorkerSlot, lines: Iterable[QueueLine]) -> None:
        """Make the worker a candidate of exactly `lines`, unlisted (the caller refreshes)."""
        self._unlist(slot)
        wid = slot.record.id
        for line in slot.lines():
            line.candidates.discard(wid)
        by_idle: list[QueueLine] = []
        by_skill: list[QueueLine] = []
        skill_keys: list[float] = []
        by_load: list[QueueLine] = []
        attributes = slot.record.attributes
        for line in lines:
            line.candidates.add(wid)
            if line.kind == KeyKind.LEAST_OCCUPIED:
                by_load.append(line)
            elif line.kind == KeyKind.MOST_SKILLED:
                by_skill.append(line)
                skill_keys.append(-skill_level(attributes, line.queue.skill))
            else:
                by_idle.append(line)
        slot.by_idle, slot.by_skill, slot.by_load = tuple(by_idle), tuple(by_skill), tuple(by_load)
        slot.skill_keys = tuple(skill_keys)

    def _unlist(self, slot: WorkerSlot) -> None:
        """Take the worker out of every free list it is in."""
        idle, held, seq, wid = slot.listed_idle, slot.listed_held, slot.seq, slot.record.id
        placed = _CHANNELS_OF[slot.placed]
        if placed:
            _discard(slot.by_idle, placed, (idle, seq, wid))
            for line, neg in zip(slot.by_skill, slot.skill_keys, strict=True):
                _discard((line,), placed, (neg, idle, seq, wid))
        if slot.placed_by_load:
            _discard(slot.by_load, _CHANNELS_OF[slot.placed_by_load], (held, idle, seq, wid))
        slot.listed_free = ()
        slot.free_mask = slot.placed = slot.placed_by_load = 0

    # --- queues ----------------------------------------------------------------------------------

    def put_queue(self, queue: Queue, expression: Expression) -> QueueLine:
        """Add or replace a queue, keeping its waiting tasks; recompute who is eligible."""
        line = self.queues.get(queue.id)
        if line is not None:
            self._drop_line(line)  # which empties its free lists
            line.queue, line.expression = queue, expression
            line.task_dependent, line.kind = expression.uses_task, key_kind(queue)
            line.route = direct_route(queue.id)
        else:
            line = self.queues[queue.id] = QueueLine(queue, expression)
        for slot in self.workers.values():
            if line.admits(slot.view or worker_view(slot.record)):
                self._set_lines(slot, [*slot.lines(), line])
                self.refresh(slot)
        return line

    def remove_queue(self, line: QueueLine) -> None:
        """Forget a queue (the caller checked nothing waits in it)."""
        self._drop_line(line)
        del self.queues[line.queue.id]

    def _drop_line(self, line: QueueLine) -> None:
        """Make every candidate of the queue no longer one (listed in their other queues)."""
        for wid in list(line.candidates):
            slot = self.workers[wid]
            self._set_lines(slot, [q for q in slot.lines() if q is not line])
            self.refresh(slot)

    # --- what workers hold and what waits ---------------------------------------------------------

    def take(self, worker: WorkerSlot, task: TaskSlot) -> None:
        """Make a registered worker hold the task: one less free slot.

        Leaves the free listings for the caller to `refresh` before anything else matches:
        until then the worker may be listed free while it is not.
        """
        channel = task.channel
        worker.holding[task.id] = channel
        load = worker.load
        load[channel] = load.get(channel, 0) + 1
        worker.held += 1
        task.holder = worker.record.id

    def hold(self, worker_id: str, task: TaskSlot) -> None:
        """Make the worker hold the task (restored work), whether or not it is registered."""
        slot = self.workers.get(worker_id)
        if slot is None:
            self.orphans.setdefault(worker_id, {})[task.id] = task.channel
            task.holder = worker_id
            return
        self.take(slot, task)
        self.refresh(slot)

    def release(self, task: TaskSlot, *, ended_at: float | None = None) -> WorkerSlot | None:
        """Free the task's holder; `ended_at` marks the end of its work (idle since).

        Leaves the free listings for the caller to `refresh` (a worker listed less free than it
        is is safe: it only misses offers until the caller refreshes, typically after offering
        it more work). Returns the worker, if registered.
        """
        worker_id, task.holder = task.holder, None
        if worker_id is None:
            return None
        slot = self.workers.get(worker_id)
        if slot is None:
            held = self.orphans.get(worker_id)
            if held is not None:
                held.pop(task.id, None)
                if not held:
                    del self.orphans[worker_id]
            return None
        if slot.holding.pop(task.id, None) is not None:
            slot.load[task.channel] -= 1
            slot.held -= 1
        if ended_at is not None and ended_at > slot.last_end:
            slot.last_end = ended_at
        return slot

    def add_waiting(self, task: TaskSlot) -> None:
        """List a pending task in its queue."""
        assert task.order_key is not None and task.queue_id is not None  # set when queued
        entry = (task.order_key, task.seq, task.id)
        line = self.queues[task.queue_id]
        waiting = line.waiting.get(task.channel)
        if waiting is None:
            waiting = line.waiting[task.channel] = SortedList()
        waiting.add(entry)
        task.entry = entry
        self.waiting_total += 1

    def remove_waiting(self, task: TaskSlot) -> None:
        """Take a task out of its queue's waiting list."""
        assert task.entry is not None and task.queue_id is not None
        waiting = self.queues[task.queue_id].waiting
        entries = waiting[task.channel]
        entries.remove(task.entry)
        if not entries:  # so that `best_task` skips an empty queue with one dict test
            del waiting[task.channel]
        task.entry = None
        self.waiting_total -= 1

    # --- matching --------------------------------------------------------------------------------

    def refresh(self, slot: WorkerSlot) -> None:
        """Bring the worker's free listings in step with its activity, load and idle time.

        Called after every change to a worker (the hot path of every offer and completion), so
        it returns at once when nothing that listings depend on changed and touches only the
        lists whose keys change. A channel that fills up (an offer) is not searched for in
        every list: its entries go stale at once (the channel leaves `listed_free`) and are
        dropped when they come to the head of a list (`best_worker`), or here when the key
        changes, whichever is first. Least-occupied keys hold the load, so an offer re-keys
        those queues only.
        """
        record = slot.record
        mask = 0
        if self.activities.get(record.activity, False):
            load = slot.load
            for channel, cap in record.capacity.items():
                if load.get(channel, 0) < cap:
                    mask |= _BIT[channel]
        since, end = record.activity_since, slot.last_end
        idle = since if since > end else end
        held = slot.held
        old_mask, old_idle, old_held = slot.free_mask, slot.listed_idle, slot.listed_held
        moved = idle != old_idle
        if not moved and mask == old_mask and (held == old_held or not slot.by_load):
            slot.listed_held = held  # no key listed depends on it
            return
        free = slot.listed_free = _CHANNELS_OF[mask]
        slot.free_mask, slot.listed_idle, slot.listed_held = mask, idle, held
        seq, wid = slot.seq, record.id
        gained = mask & ~old_mask
        placed = slot.placed
        if moved:  # every key changes: out with the old entries, in with the new
            was = _CHANNELS_OF[placed]
            if slot.by_idle:
                _discard(slot.by_idle, was, (old_idle, seq, wid))
                _append(slot.by_idle, free, (idle, seq, wid))
            if slot.by_skill:  # (a zip costs more than the test when there is none)
                for line, neg in zip(slot.by_skill, slot.skill_keys, strict=True):
                    _discard((line,), was, (neg, old_idle, seq, wid))
                    _insert((line,), free, (neg, idle, seq, wid))
            slot.placed = mask
        elif gained:  # same keys; a gained channel's stale entry may still be in place
            channels = _CHANNELS_OF[gained]
            if slot.by_idle:
                _ensure(slot.by_idle, channels, (idle, seq, wid), placed)
            if slot.by_skill:
                for line, neg in zip(slot.by_skill, slot.skill_keys, strict=True):
                    _ensure((line,), channels, (neg, idle, seq, wid), placed)
            slot.placed = placed | gained
        if slot.by_load:
            placed = slot.placed_by_load
            if moved or held != old_held:
                _discard(slot.by_load, _CHANNELS_OF[placed], (old_held, old_idle, seq, wid))
                _insert(slot.by_load, free, (held, idle, seq, wid))
                slot.placed_by_load = mask
            elif gained:
                _ensure(slot.by_load, _CHANNELS_OF[gained], (held, idle, seq, wid), placed)
                slot.placed_by_load = placed | gained

    def fits(self, slot: WorkerSlot, task: TaskSlot, line: QueueLine, now: float) -> bool:
        """Per-(task, worker) rules: expressions reading the task, and re-offer cool-downs."""
        if task.cooldown is not None and task.cooldown.get(slot.record.id, -math.inf) > now:
            return False
        if line.task_dependent and not line.expression.matches(slot.viewed(), _view(task)):
            return False
        expression = task.route[task.pos].worker_expression
        return expression is None or expression.matches(slot.viewed(), _view(task))

    def best_worker(self, task: TaskSlot, now: float) -> WorkerSlot | None:
        """Return the first free worker of the task's queue, in strategy order, who may take it."""
        assert task.queue_id is not None
        line, channel = self.queues[task.queue_id], task.channel
        free = line.free.get(channel)
        if not free:
            return None
        workers = self.workers
        while True:  # drop stale entries at the head (see `refresh`)
            slot = workers.get(free[0][-1])
            if slot is not None and channel in slot.listed_free:
                break
            del free[0]
            if not free:
                return None
        if (
            task.cooldown is None
            and not line.task_dependent
            and task.route[task.pos].worker_expression is None
        ):
            return slot
        for key in free:
            slot = workers.get(key[-1])
            if (
                slot is not None
                and channel in slot.listed_free
                and self.fits(slot, task, line, now)
            ):
                return slot
        return None

    def best_task(self, slot: WorkerSlot, now: float) -> TaskSlot | None:
        """Return the waiting task with the lowest order key, across the worker's queues."""
        if not self.waiting_total:  # the common case when workers outnumber tasks
            return None
        best: WaitEntry | None = None
        capacity, load, tasks = slot.record.capacity, slot.load, self.tasks
        for lines in (slot.by_idle, slot.by_skill, slot.by_load):
            for line in lines:
                if not line.waiting:
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
