"""Router invariants over random sequences of calls (hypothesis stateful testing).

The machine drives one engine with workers coming and going, tasks submitted straight to queues or
through an escalating workflow, offers accepted, rejected and left to time out, completions with
wrap-up, cancellations and time passing. It keeps a shadow of what the events said (activities,
load per worker and channel, rejections, when each worker became idle) and checks, at every
offer, that the worker was eligible, available and had room and was the first of those in the
queue's strategy order, and after every step that every task is in exactly one place, queues are
in order-key order, capacity holds and no waiting task could have gone to a free worker.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from agentfloor.core.errors import NotFound
from agentfloor.routing.engine import RoutingEngine
from agentfloor.routing.errors import NotYourTask, ReservationClosed, TaskClosed
from agentfloor.routing.expressions import parse_expression
from agentfloor.routing.model import (
    DEFAULT_ACTIVITIES,
    Queue,
    ReservationState,
    RoutingConfig,
    RoutingEvent,
    SelectionStrategy,
    Task,
    TaskState,
    Worker,
    WorkerKind,
)
from agentfloor.routing.workflow import Filter, Target, Workflow

T0 = 1_767_225_600.0
TIMEOUT_S = 10.0
WORKERS = ("w0", "w1", "w2", "w3", "w4")
# Capacity is fixed per worker id, so "never above capacity" holds at every moment.
CAPACITY = {
    "w0": {"voice": 1},
    "w1": {"voice": 1, "chat": 2},
    "w2": {"chat": 3},
    "w3": {"voice": 1, "chat": 1},
    "w4": {"voice": 1, "chat": 3},
}
QUEUES = {
    "q_a": '"a" IN worker.skills',
    "q_b": '"b" IN worker.skills AND worker.levels.b >= 2',
    "q_lang": "task.language IN worker.languages",  # reads the task: evaluated per task
}
ALT_Q_A = '"b" IN worker.skills OR worker.levels.b == 3'
WORKFLOW = Workflow(
    id="wf",
    tenant_id="ten_1",
    name="escalating",
    filters=(
        Filter(
            "french",
            'task.language == "fr"',
            (
                Target("q_lang", timeout_s=5.0),
                Target("q_a", worker_expression='"fr" IN worker.languages', priority=2),
            ),
        ),
        Filter(
            "urgent",
            "task.priority >= 2",
            (
                Target("q_b", worker_expression='"en" IN worker.languages', timeout_s=10.0),
                Target("q_a", timeout_s=10.0),
                Target("q_lang"),
            ),
        ),
    ),
    created_at=0.0,
    updated_at=0.0,
    default_target=Target("q_b"),
)
SKILLS = st.sets(st.sampled_from(["a", "b"]))
LEVELS = st.integers(0, 3)
LANGUAGES = st.sets(st.sampled_from(["en", "fr"]))
OPEN = (TaskState.PENDING, TaskState.RESERVED)
HELD = (TaskState.ASSIGNED, TaskState.WRAPPING)


class CountingIds:
    def __init__(self) -> None:
        self.n = 0

    def new(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}_{self.n}"


def worker_view(wid: str, attributes: dict[str, Any]) -> dict[str, Any]:
    return {**attributes, "id": wid, "name": wid, "kind": "human"}


def task_view(task: Task) -> dict[str, Any]:
    return {**task.attributes, "channel": task.channel, "priority": task.priority}


class RouterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.ids = CountingIds()
        self.engine = RoutingEngine("ten_1", self.ids, RoutingConfig())
        self.config = RoutingConfig()
        self.queues: dict[str, Queue] = {}
        self.queue_expr = dict(QUEUES)
        self.tasks: dict[str, float] = {}  # task id -> submitted at
        self.first_key: dict[str, float] = {}
        self.forgotten: set[str] = set()
        self.reservations: list[str] = []
        self.attributes: dict[str, dict[str, Any]] = {}  # present workers
        self.activity: dict[str, str] = {}
        self.load: Counter[tuple[str, str]] = Counter()  # (worker, channel) -> held, per events
        self.refused: dict[tuple[str, str], float] = {}  # (task, worker) -> last reject/timeout
        self.offers = 0
        # for the selection order: idle since = max(activity since, end of the last task); ties
        # go to the worker registered first (a re-added or restarted worker counts anew)
        self.since: dict[str, float] = {}
        self.last_end: dict[str, float] = {}
        self.seq: dict[str, int] = {}
        self.next_seq = 0
        self.pinned_since: dict[str, float] = {}  # put_worker sets activity_since from the record

    @initialize(
        missed=st.sampled_from([None, "missed"]),
        step_s=st.sampled_from([5.0, 86_400.0]),
        wrapup_s=st.sampled_from([0.0, 4.0]),
        strategies=st.lists(st.sampled_from(list(SelectionStrategy)), min_size=3, max_size=3),
        staff=st.lists(
            st.tuples(SKILLS, LEVELS, LANGUAGES), min_size=len(WORKERS), max_size=len(WORKERS)
        ),
    )
    def setup(
        self,
        missed: str | None,
        step_s: float,
        wrapup_s: float,
        strategies: list[SelectionStrategy],
        staff: list[tuple[set[str], int, set[str]]],
    ) -> None:
        config = RoutingConfig(
            missed_activity=missed, reservation_timeout_s=TIMEOUT_S, priority_step_s=step_s
        )
        self.step_s, self.config = step_s, config
        self.engine.configure(config, self.now)
        for (qid, expression), strategy in zip(QUEUES.items(), strategies, strict=True):
            queue = Queue(qid, "ten_1", qid, 0.0, expression, "", strategy, "b", wrapup_s)
            self.queues[qid] = queue
            self.engine.put_queue(queue, self.now)
        self.engine.put_workflow(WORKFLOW)
        for wid, (skills, level, languages) in zip(WORKERS, staff, strict=True):
            self.put_worker(wid, skills, level, languages, "available", 0)

    # --- shadow of the event stream, checked at every offer ---------------------------------

    def absorb(self, events: list[RoutingEvent]) -> None:
        last = -float("inf")
        for event in events:
            assert event.at >= last, "events are in time order"
            last = event.at
            if event.type == "worker.activity_changed":
                assert event.worker_id is not None
                self.activity[event.worker_id] = event.data["activity"]
                self.since[event.worker_id] = self.pinned_since.get(event.worker_id, event.at)
                continue
            if event.task_id is None:
                continue
            task = self.engine.task(event.task_id)
            assert task is not None
            if event.type == "reservation.created":
                self.check_offer(event, task)
            elif event.type in ("reservation.rejected", "reservation.timed_out"):
                assert event.worker_id is not None
                self.load[event.worker_id, task.channel] -= 1
                self.refused[task.id, event.worker_id] = event.at
            elif event.type in ("reservation.canceled", "task.completed"):
                assert event.worker_id is not None
                self.load[event.worker_id, task.channel] -= 1
                if event.type == "task.completed" and event.worker_id in self.attributes:
                    wid = event.worker_id
                    self.last_end[wid] = max(self.last_end[wid], event.at)

    def check_offer(self, event: RoutingEvent, task: Task) -> None:
        wid, qid = event.worker_id, event.queue_id
        assert wid is not None and qid is not None and event.reservation_id is not None
        assert event.data["expires_at"] > event.at
        assert wid in self.attributes, f"offered to {wid}, who is not a worker"
        assert DEFAULT_ACTIVITIES[self.activity[wid]], f"offered to {wid} in {self.activity[wid]}"
        assert self.load[wid, task.channel] < CAPACITY[wid].get(task.channel, 0), "over capacity"
        assert self.eligible(wid, task, qid), f"{wid} is not eligible for {task.id} in {qid}"
        refused = self.refused.get((task.id, wid))
        assert refused is None or refused + TIMEOUT_S <= event.at, "re-offered during cool-down"
        # A worker whose cool-down for the task ends at this very instant may not have been
        # reconsidered yet (its timer may come after the one that made this offer).
        free = [w for w in self.attributes if w == wid or self.could_take(w, task, qid, event.at)]
        best = min(free, key=lambda w: self.selection_key(w, qid))
        assert wid == best, f"{task.id} in {qid} went to {wid}, not to {best} ({free})"
        self.load[wid, task.channel] += 1
        self.reservations.append(event.reservation_id)
        self.offers += 1

    def could_take(self, wid: str, task: Task, qid: str, at: float) -> bool:
        """Whether the worker is free and eligible for the task, its cool-down over before `at`."""
        refused = self.refused.get((task.id, wid))
        return (
            DEFAULT_ACTIVITIES[self.activity[wid]]
            and self.load[wid, task.channel] < CAPACITY[wid].get(task.channel, 0)
            and (refused is None or refused + TIMEOUT_S < at)
            and self.eligible(wid, task, qid)
        )

    def selection_key(self, wid: str, qid: str) -> tuple[float, ...]:
        """The strategy's order (routing.selection): lower first."""
        idle = max(self.since[wid], self.last_end[wid])
        strategy = self.queues[qid].strategy
        if strategy == SelectionStrategy.LEAST_OCCUPIED:
            held = sum(n for (w, _), n in self.load.items() if w == wid)
            return (held, idle, self.seq[wid])
        if strategy == SelectionStrategy.MOST_SKILLED:
            return (-self.attributes[wid]["levels"]["b"], idle, self.seq[wid])
        return (idle, self.seq[wid])

    def eligible(self, wid: str, task: Task, qid: str) -> bool:
        worker, view = worker_view(wid, self.attributes[wid]), task_view(task)
        if not parse_expression(self.queue_expr[qid]).matches(worker, view):
            return False
        expression = self.target_expression(task, qid)
        return not expression or parse_expression(expression).matches(worker, view)

    def target_expression(self, task: Task, qid: str) -> str:
        if task.workflow_id is None:
            return ""
        for item in WORKFLOW.filters:
            if parse_expression(item.expression).matches({}, task_view(task)):
                return next(t.worker_expression for t in item.targets if t.queue_id == qid)
        return ""

    def call(self, result: list[RoutingEvent]) -> None:
        self.absorb(result)

    # --- rules ----------------------------------------------------------------------------------

    @rule(
        wid=st.sampled_from(WORKERS),
        skills=SKILLS,
        level=LEVELS,
        languages=LANGUAGES,
        activity=st.sampled_from(["available", "available", "break", "missed"]),
        since=st.integers(0, 50),
    )
    def put_worker(
        self, wid: str, skills: set[str], level: int, languages: set[str], activity: str, since: int
    ) -> None:
        attributes = {
            "skills": sorted(skills),
            "levels": {"b": level},
            "languages": sorted(languages),
        }
        worker = Worker(
            wid,
            "ten_1",
            wid,
            WorkerKind.HUMAN,
            activity,
            T0 + since,
            0.0,
            attributes,
            CAPACITY[wid],
        )
        if wid not in self.attributes:  # new (or back after removal): no change event
            self.activity[wid] = activity
            self.next_seq += 1
            self.seq[wid], self.last_end[wid] = self.next_seq, -math.inf
        self.attributes[wid] = attributes
        self.since[wid] = self.pinned_since[wid] = worker.activity_since
        self.call(self.engine.put_worker(worker, self.now))
        self.pinned_since.clear()
        self.activity[wid] = activity

    @rule(
        wid=st.sampled_from(WORKERS),
        activity=st.sampled_from(["available", "available", "break", "offline"]),
    )
    def set_activity(self, wid: str, activity: str) -> None:
        if wid not in self.attributes:
            with pytest.raises(NotFound):
                self.engine.set_activity(wid, activity, self.now)
            return
        self.call(self.engine.set_activity(wid, activity, self.now))

    @rule(wid=st.sampled_from(WORKERS))
    def remove_worker(self, wid: str) -> None:
        if wid not in self.attributes:
            return
        del self.attributes[wid]
        self.call(self.engine.remove_worker(wid, self.now))

    @rule(
        channel=st.sampled_from(["voice", "chat"]),
        priority=st.integers(0, 2),
        language=st.sampled_from(["en", "fr", "de"]),
        where=st.sampled_from(["q_a", "q_b", "q_lang", "wf", "wf"]),
        count=st.integers(1, 3),
    )
    def submit(self, channel: str, priority: int, language: str, where: str, count: int) -> None:
        for _ in range(count):
            self.submit_one(channel, priority, language, where)

    def submit_one(self, channel: str, priority: int, language: str, where: str) -> None:
        tid = f"t{len(self.tasks)}"
        by_workflow = where == "wf"
        task = Task(
            id=tid,
            tenant_id="ten_1",
            state=TaskState.PENDING,
            created_at=self.now,
            updated_at=self.now,
            channel=channel,
            priority=priority,
            queue_id=None if by_workflow else where,
            attributes={"language": language},
            workflow_id="wf" if by_workflow else None,
        )
        self.tasks[tid] = self.now
        events = self.engine.submit(task, self.now)
        queued = self.engine.task(tid)
        assert queued is not None and queued.order_key is not None
        self.first_key[tid] = queued.order_key
        self.call(events)

    def pending_reservations(self) -> list[str]:
        return [
            rid
            for rid in self.reservations
            if (r := self.engine.reservation(rid)) is not None
            and r.state == ReservationState.PENDING
        ]

    @precondition(lambda self: bool(self.pending_reservations()))
    @rule(data=st.data(), as_someone_else=st.booleans())
    def accept(self, data: st.DataObject, as_someone_else: bool) -> None:
        rid = data.draw(st.sampled_from(self.pending_reservations()))
        reservation = self.engine.reservation(rid)
        assert reservation is not None
        if as_someone_else:
            other = next(w for w in WORKERS if w != reservation.worker_id)
            with pytest.raises(NotYourTask):
                self.engine.accept(rid, self.now, worker_id=other)
            return
        self.call(self.engine.accept(rid, self.now, worker_id=reservation.worker_id))
        with pytest.raises(ReservationClosed):
            self.engine.accept(rid, self.now)

    @precondition(lambda self: bool(self.pending_reservations()))
    @rule()
    def accept_oldest_offer(self) -> None:
        rid = self.pending_reservations()[0]
        self.call(self.engine.accept(rid, self.now))

    @precondition(lambda self: bool(self.pending_reservations()))
    @rule(data=st.data(), activity=st.sampled_from([None, None, "available", "break"]))
    def reject(self, data: st.DataObject, activity: str | None) -> None:
        rid = data.draw(st.sampled_from(self.pending_reservations()))
        self.call(self.engine.reject(rid, self.now, activity=activity))

    def tasks_in(self, *states: TaskState) -> list[str]:
        return [
            tid
            for tid in self.tasks
            if (t := self.engine.task(tid)) is not None and t.state in states
        ]

    @precondition(lambda self: bool(self.tasks_in(TaskState.ASSIGNED)))
    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        tid = data.draw(st.sampled_from(self.tasks_in(TaskState.ASSIGNED)))
        task = self.engine.task(tid)
        assert task is not None
        other = next(w for w in WORKERS if w != task.worker_id)
        with pytest.raises(NotYourTask):
            self.engine.complete(tid, self.now, worker_id=other)
        self.call(self.engine.complete(tid, self.now, worker_id=task.worker_id))

    @precondition(lambda self: bool(set(self.tasks) - self.forgotten))
    @rule(data=st.data(), abandoned=st.booleans())
    def cancel(self, data: st.DataObject, abandoned: bool) -> None:
        tid = data.draw(st.sampled_from(sorted(set(self.tasks) - self.forgotten)))
        task = self.engine.task(tid)
        assert task is not None
        if task.state not in OPEN:
            with pytest.raises(TaskClosed):
                self.engine.cancel(tid, self.now, abandoned=abandoned)
            return
        events = self.engine.cancel(tid, self.now, abandoned=abandoned)
        ended = [e for e in events if e.type in ("task.abandoned", "task.canceled")]
        assert [e.data["wait_s"] for e in ended] == [self.now - self.tasks[tid]]
        self.call(events)

    @precondition(lambda self: bool(self.tasks_in(*OPEN)))
    @rule(data=st.data())
    def request_callback(self, data: st.DataObject) -> None:
        tid = data.draw(st.sampled_from(self.tasks_in(*OPEN)))
        self.call(self.engine.request_callback(tid, self.now))

    @rule(data=st.data())
    def forget(self, data: st.DataObject) -> None:
        done = self.tasks_in(TaskState.COMPLETED, TaskState.CANCELED, TaskState.ABANDONED)
        if done:
            tid = data.draw(st.sampled_from(done))
            self.engine.forget(tid)
            self.forgotten.add(tid)

    @rule()
    def swap_queue_expression(self) -> None:
        expression = ALT_Q_A if self.queue_expr["q_a"] == QUEUES["q_a"] else QUEUES["q_a"]
        self.queue_expr["q_a"] = expression
        self.queues["q_a"] = dataclasses.replace(self.queues["q_a"], target_expression=expression)
        self.call(self.engine.put_queue(self.queues["q_a"], self.now))

    @rule(data=st.data())
    def restart(self, data: st.DataObject) -> None:
        """Rebuild the router from its records, tasks in any order, as the runtime does."""
        old = self.engine
        pending = {}
        for rid in self.pending_reservations():
            reservation = old.reservation(rid)
            assert reservation is not None
            pending[reservation.task_id] = reservation
        alive = sorted(set(self.tasks) - self.forgotten)
        before = {qid: [t.id for t in old.waiting(qid)] for qid in QUEUES}
        self.engine = RoutingEngine("ten_1", self.ids, self.config)
        for queue in self.queues.values():
            self.engine.put_queue(queue, self.now)
        self.engine.put_workflow(WORKFLOW)
        for wid in sorted(self.attributes):
            worker = old.worker(wid)
            assert worker is not None
            assert self.engine.put_worker(worker, self.now) == []
            self.next_seq += 1  # a new router: registered anew, nothing ended yet
            self.seq[wid], self.last_end[wid] = self.next_seq, -math.inf
        for tid in data.draw(st.permutations(alive)):
            task = old.task(tid)
            assert task is not None
            self.engine.restore_task(task, pending.get(tid))
        assert {qid: [t.id for t in self.engine.waiting(qid)] for qid in QUEUES} == before
        self.refused.clear()  # cool-downs are not persisted
        self.call(self.engine.tick(self.now))

    @rule(seconds=st.integers(0, 15))
    def advance(self, seconds: int) -> None:
        self.now += seconds
        deadline = self.engine.next_deadline()
        events = self.engine.tick(self.now)
        assert (deadline is not None and deadline <= self.now) or events == []
        self.call(events)
        after = self.engine.next_deadline()
        assert after is None or after > self.now

    # --- invariants -----------------------------------------------------------------------------

    @invariant()
    def every_task_is_in_exactly_one_place(self) -> None:
        waiting: Counter[str] = Counter()
        for qid in QUEUES:
            for queued in self.engine.waiting(qid):
                assert queued.queue_id == qid and queued.state == TaskState.PENDING
                waiting[queued.id] += 1
        pending: Counter[str] = Counter()
        for rid in self.pending_reservations():
            reservation = self.engine.reservation(rid)
            assert reservation is not None
            pending[reservation.task_id] += 1
        assert set(waiting) | set(pending) <= set(self.tasks), "unknown task in the router"
        for tid in self.tasks:
            task = self.engine.task(tid)
            if tid in self.forgotten:
                assert task is None and waiting[tid] == pending[tid] == 0
                continue
            assert task is not None, f"{tid} was lost"
            place = (waiting[tid], pending[tid])
            if task.state == TaskState.PENDING:
                assert place == (1, 0), f"waiting task {tid} listed {place}"
            elif task.state == TaskState.RESERVED:
                assert place == (0, 1), f"reserved task {tid} listed {place}"
            else:
                assert place == (0, 0), f"{task.state} task {tid} listed {place}"
                assert task.state not in HELD or task.worker_id is not None

    @invariant()
    def capacity_holds_and_matches_the_events(self) -> None:
        held: Counter[tuple[str, str]] = Counter()
        for rid in self.pending_reservations():
            reservation = self.engine.reservation(rid)
            assert reservation is not None
            task = self.engine.task(reservation.task_id)
            assert task is not None
            held[reservation.worker_id, task.channel] += 1
        for tid in self.tasks_in(*HELD):
            task = self.engine.task(tid)
            assert task is not None and task.worker_id is not None
            held[task.worker_id, task.channel] += 1
        assert +held == +self.load
        for (wid, channel), n in held.items():
            assert n <= CAPACITY[wid].get(channel, 0), f"{wid} holds {n} {channel} tasks"

    @invariant()
    def pending_offers_are_held_by_available_workers(self) -> None:
        for rid in self.pending_reservations():
            reservation = self.engine.reservation(rid)
            assert reservation is not None
            worker = self.engine.worker(reservation.worker_id)
            assert worker is not None, f"{rid} is pending for a removed worker"
            assert DEFAULT_ACTIVITIES[worker.activity], f"{rid} pending while {worker.activity}"
            assert reservation.expires_at > self.now, f"{rid} is pending past its expiry"

    @invariant()
    def queues_are_in_priority_and_arrival_order(self) -> None:
        for qid in QUEUES:
            keys = [t.order_key for t in self.engine.waiting(qid)]
            assert all(k is not None for k in keys)
            assert keys == sorted(keys), f"{qid} is out of order"  # type: ignore[type-var]
            assert len(set(keys)) == len(keys), "order keys are distinct"
        for tid in self.tasks_in(*OPEN):
            task = self.engine.task(tid)
            assert task is not None and task.order_key is not None
            if task.workflow_id is None:  # never escalates: the key it got at submit, for good
                assert task.order_key == self.first_key[tid]
                expected = self.tasks[tid] - task.priority * self.step_s
                # ties are nudged apart by float steps (~2.4e-7 s each at today's epoch)
                assert abs(task.order_key - expected) < 1e-3

    @invariant()
    def no_waiting_task_could_go_to_a_free_worker(self) -> None:
        for tid in self.tasks_in(TaskState.PENDING):
            task = self.engine.task(tid)
            assert task is not None and task.queue_id is not None
            for wid in self.attributes:
                worker = self.engine.worker(wid)
                assert worker is not None and worker.activity == self.activity[wid]
                refused = self.refused.get((tid, wid))
                free = (
                    DEFAULT_ACTIVITIES[worker.activity]
                    and self.load[wid, task.channel] < CAPACITY[wid].get(task.channel, 0)
                    and (refused is None or refused + TIMEOUT_S <= self.now)
                )
                assert not (free and self.eligible(wid, task, task.queue_id)), (
                    f"{tid} waits in {task.queue_id} while {wid} could take it"
                )


# Default example counts; no deadline: a 50-step run on a slow CI machine must not flake.
RouterMachine.TestCase.settings = settings(deadline=None)
test_router_invariants = RouterMachine.TestCase
