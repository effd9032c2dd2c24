"""Auto-accept workers: an offer accepted in the step that makes it, as if accepted at once."""

from __future__ import annotations

import random

import pytest

from agentfloor.routing.engine import RoutingEngine
from agentfloor.routing.model import ReservationState, RoutingEvent, TaskState
from tests.unit.routing.test_engine import (
    T0,
    engine_with,
    kinds,
    make_queue,
    make_task,
    make_worker,
)


def accept_at_once(
    engine: RoutingEngine, events: list[RoutingEvent], workers: set[str]
) -> list[RoutingEvent]:
    """What a caller does without auto-accept: accept each offer to `workers` when it is made.

    Returns the events in the order auto-accept gives them: each acceptance right after its offer
    (a `tick` stamps an offer with the due time of the timer that caused it).
    """
    out: list[RoutingEvent] = []
    for event in events:
        out.append(event)
        if event.type == "reservation.created" and event.worker_id in workers:
            assert event.reservation_id is not None
            out += engine.accept(event.reservation_id, event.at)
    return out


def test_an_offer_to_an_auto_accept_worker_is_accepted_in_the_same_step() -> None:
    engine = engine_with(make_worker("w1"))
    engine.set_auto_accept("w1")
    events = engine.submit(make_task("t1", at=T0 + 5), T0 + 5)
    assert kinds(events) == [
        "task.queued",
        "reservation.created",
        "reservation.accepted",
        "task.assigned",
    ]
    assert {e.at for e in events} == {T0 + 5}
    assert events[3].data == {"wait_s": 0.0}
    reservation = engine.reservation(events[1].reservation_id or "")
    assert reservation is not None
    assert (reservation.state, reservation.updated_at) == (ReservationState.ACCEPTED, T0 + 5)
    task = engine.task("t1")
    assert task is not None and (task.state, task.worker_id) == (TaskState.ASSIGNED, "w1")
    assert engine.next_deadline() is None  # no timeout timer armed


def test_auto_accept_gives_the_events_of_an_offer_accepted_at_once() -> None:
    auto = engine_with(make_worker("w1"), make_worker("w2"))
    auto.set_auto_accept("w1")
    manual = engine_with(make_worker("w1"), make_worker("w2"))
    for i, at in enumerate((T0, T0 + 1, T0 + 2)):
        got = auto.submit(make_task(f"t{i}", at=at), at)
        want = accept_at_once(manual, manual.submit(make_task(f"t{i}", at=at), at), {"w1"})
        assert got == want
    # w2 was offered t1 and must still accept it; t2 waits for a free worker
    assert [e.worker_id for e in auto.complete("t0", T0 + 9)] == ["w1", "w1", "w1", "w1"]
    assert auto.task("t2").state == TaskState.ASSIGNED  # type: ignore[union-attr]


def test_an_auto_accept_worker_never_exceeds_its_capacity() -> None:
    engine = engine_with(make_worker("w1", capacity={"voice": 1, "chat": 2}))
    engine.set_auto_accept("w1")
    for i in range(3):
        engine.submit(make_task(f"v{i}", at=T0 + i), T0 + i)
        engine.submit(make_task(f"c{i}", at=T0 + i, channel="chat"), T0 + i)
    states = {t: engine.task(t).state for t in ("v0", "v1", "c0", "c1", "c2")}  # type: ignore[union-attr]
    assert states == {
        "v0": TaskState.ASSIGNED,
        "v1": TaskState.PENDING,
        "c0": TaskState.ASSIGNED,
        "c1": TaskState.ASSIGNED,
        "c2": TaskState.PENDING,
    }
    events = engine.complete("v0", T0 + 60)
    assert kinds(events) == [
        "task.completed",
        "reservation.created",
        "reservation.accepted",
        "task.assigned",
    ]
    assert events[3].task_id == "v1" and events[3].data == {"wait_s": 59.0}


def test_an_auto_accepted_offer_never_times_out() -> None:
    engine = engine_with(make_worker("w1"))
    engine.set_auto_accept("w1")
    engine.submit(make_task("t1"), T0)
    assert engine.tick(T0 + 3600) == []
    assert engine.task("t1").state == TaskState.ASSIGNED  # type: ignore[union-attr]


def test_auto_accept_can_be_set_before_the_worker_joins_and_turned_off() -> None:
    engine = engine_with()
    engine.set_auto_accept("w1")
    engine.submit(make_task("t1"), T0)
    assert kinds(engine.put_worker(make_worker("w1"), T0 + 1))[-1] == "task.assigned"
    engine.set_auto_accept("w1", enabled=False)
    engine.complete("t1", T0 + 2)
    events = engine.submit(make_task("t2"), T0 + 3)
    assert kinds(events) == ["task.queued", "reservation.created"]
    assert engine.next_deadline() == T0 + 13  # an ordinary offer, with its timeout


@pytest.mark.parametrize("seed", range(40), ids=lambda s: f"seed{s}")
def test_random_runs_match_offers_accepted_at_once(seed: int) -> None:
    """Any sequence of calls: auto-accept gives what accepting at once gives, event for event."""
    rng = random.Random(seed)
    auto_workers = {"w0", "w2"}
    workers = [
        make_worker("w0", capacity={"voice": 1, "chat": 2}),
        make_worker("w1", capacity={"voice": 1}),
        make_worker("w2", capacity={"chat": 3}, skills=("billing", "sales")),
        make_worker("w3", capacity={"voice": 1, "chat": 1}, skills=("sales",)),
    ]
    engines = []
    for _ in range(2):
        engine = engine_with()
        engine.put_queue(make_queue("s", '"sales" IN worker.skills', wrapup_s=5.0), T0)
        engines.append(engine)
    auto, manual = engines
    for worker_id in sorted(auto_workers):
        auto.set_auto_accept(worker_id)
    now = T0
    for worker in workers:
        assert auto.put_worker(worker, now) == manual.put_worker(worker, now)
    submitted = 0
    seen: set[str] = set()  # event types, to and not to auto-accept workers
    for _ in range(120):
        now += rng.choice((0.0, 0.5, 1.0, 4.0, 12.0))
        got = auto.tick(now)
        assert got == accept_at_once(manual, manual.tick(now), auto_workers)
        op = rng.random()
        tasks = [f"t{i}" for i in range(submitted)]
        records = {t: auto.task(t) for t in tasks}
        by_state = {
            state: [t for t, r in records.items() if r is not None and r.state == state]
            for state in TaskState
        }
        if op < 0.4:
            task = make_task(
                f"t{submitted}",
                at=now,
                queue_id=rng.choice(("q", "s")),
                channel=rng.choice(("voice", "chat")),
            )
            submitted += 1
            calls = [e.submit(task, now) for e in engines]
        elif op < 0.65 and by_state[TaskState.ASSIGNED]:
            task_id = rng.choice(by_state[TaskState.ASSIGNED])
            calls = [e.complete(task_id, now) for e in engines]
        elif op < 0.75 and by_state[TaskState.RESERVED]:
            task_id = rng.choice(by_state[TaskState.RESERVED])
            record = auto.task(task_id)
            assert record is not None and record.worker_id is None
            # a pending offer: only to workers without auto-accept
            reservation_id = next(
                r
                for r in (f"res_{n}" for n in range(1, 1000))
                if (res := auto.reservation(r)) is not None
                and res.task_id == task_id
                and res.state == ReservationState.PENDING
            )
            holder = auto.reservation(reservation_id).worker_id  # type: ignore[union-attr]
            assert holder not in auto_workers
            if rng.random() < 0.5:
                calls = [e.accept(reservation_id, now) for e in engines]
            else:
                calls = [e.reject(reservation_id, now, activity="available") for e in engines]
        elif op < 0.85 and (by_state[TaskState.PENDING] or by_state[TaskState.RESERVED]):
            task_id = rng.choice(by_state[TaskState.PENDING] + by_state[TaskState.RESERVED])
            abandoned = rng.random() < 0.5
            calls = [e.cancel(task_id, now, abandoned=abandoned) for e in engines]
        else:
            worker_id = rng.choice([w.id for w in workers])
            activity = rng.choice(("available", "available", "break"))
            calls = [e.set_activity(worker_id, activity, now) for e in engines]
        got, want = calls
        seen.update(f"{e.type}:{e.worker_id in auto_workers}" for e in got)
        assert got == accept_at_once(manual, want, auto_workers)
        for task_id in tasks:
            assert auto.task(task_id) == manual.task(task_id)
        for worker in workers:
            assert auto.worker(worker.id) == manual.worker(worker.id)
        assert auto.next_deadline() == manual.next_deadline()
    assert {"reservation.created:True", "reservation.created:False"} <= seen
