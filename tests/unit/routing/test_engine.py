from __future__ import annotations

import random
from typing import Any

import pytest

from agentfloor.core.errors import Conflict, InvalidInput, NotFound
from agentfloor.routing.engine import RoutingEngine
from agentfloor.routing.errors import (
    ExpressionError,
    NotYourTask,
    ReservationClosed,
    TaskClosed,
    UnknownActivity,
    UnknownQueue,
)
from agentfloor.routing.model import (
    Queue,
    Reservation,
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

T0 = 1_767_225_600.0  # virtual time: 2026-01-01T00:00:00Z


class CountingIds:
    """Readable, deterministic ids: res_1, res_2..."""

    def __init__(self) -> None:
        self.n = 0

    def new(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}_{self.n}"


def make_engine(**config: Any) -> RoutingEngine:
    config.setdefault("reservation_timeout_s", 10.0)
    return RoutingEngine("ten_1", CountingIds(), RoutingConfig(**config))


def make_queue(qid: str = "q", expression: str = "", **overrides: Any) -> Queue:
    fields: dict[str, Any] = {
        "id": qid,
        "tenant_id": "ten_1",
        "name": qid,
        "created_at": 0.0,
        "target_expression": expression,
    }
    fields.update(overrides)
    return Queue(**fields)


def make_worker(
    wid: str,
    *,
    skills: tuple[str, ...] = ("billing",),
    activity: str = "available",
    since: float = 0.0,
    capacity: dict[str, int] | None = None,
    **attributes: Any,
) -> Worker:
    return Worker(
        id=wid,
        tenant_id="ten_1",
        name=wid,
        kind=WorkerKind.HUMAN,
        activity=activity,
        activity_since=since,
        created_at=0.0,
        attributes={"skills": list(skills), **attributes},
        capacity={"voice": 1, "chat": 2} if capacity is None else capacity,
    )


def make_task(tid: str, *, queue_id: str | None = "q", at: float = T0, **overrides: Any) -> Task:
    fields: dict[str, Any] = {
        "id": tid,
        "tenant_id": "ten_1",
        "state": TaskState.PENDING,
        "created_at": at,
        "updated_at": at,
        "channel": "voice",
        "queue_id": queue_id,
    }
    fields.update(overrides)
    return Task(**fields)


def kinds(events: list[RoutingEvent]) -> list[str]:
    return [e.type for e in events]


def offers(events: list[RoutingEvent]) -> list[tuple[str | None, str | None]]:
    """(task, worker) of every offer, in order."""
    return [(e.task_id, e.worker_id) for e in events if e.type == "reservation.created"]


def offer_of(events: list[RoutingEvent], task_id: str) -> str:
    found = [
        e.reservation_id
        for e in events
        if e.type == "reservation.created" and e.task_id == task_id and e.reservation_id
    ]
    assert found, f"{task_id} was not offered in {kinds(events)}"
    return str(found[-1])


def waiting_ids(engine: RoutingEngine, queue_id: str = "q") -> list[str]:
    return [t.id for t in engine.waiting(queue_id)]


def engine_with(*workers: Worker, queue: Queue | None = None, **config: Any) -> RoutingEngine:
    engine = make_engine(**config)
    engine.put_queue(queue or make_queue(expression='"billing" IN worker.skills'), T0)
    for worker in workers:
        engine.put_worker(worker, T0)
    return engine


# --- eligibility -------------------------------------------------------------------------------


def test_task_goes_only_to_a_worker_the_queue_expression_matches() -> None:
    engine = engine_with(make_worker("w_sales", skills=("sales",)), make_worker("w_bill"))
    events = engine.submit(make_task("t1"), T0)
    assert kinds(events) == ["task.queued", "reservation.created"]
    assert offers(events) == [("t1", "w_bill")]
    created = events[1]
    assert created.queue_id == "q"
    assert created.data["expires_at"] == T0 + 10
    assert engine.task("t1").state == TaskState.RESERVED  # type: ignore[union-attr]


def test_nobody_eligible_the_task_waits_and_an_edited_worker_gets_it() -> None:
    engine = engine_with(make_worker("w1", skills=("sales",)))
    assert offers(engine.submit(make_task("t1"), T0)) == []
    assert waiting_ids(engine) == ["t1"]
    events = engine.put_worker(make_worker("w1", skills=("sales", "billing")), T0 + 5)
    assert offers(events) == [("t1", "w1")]


def test_a_worker_who_loses_the_skill_gets_no_more_tasks() -> None:
    engine = engine_with(make_worker("w1"))
    engine.put_worker(make_worker("w1", skills=()), T0)
    assert offers(engine.submit(make_task("t1"), T0)) == []


def test_editing_the_queue_expression_recomputes_who_is_eligible() -> None:
    engine = engine_with(make_worker("w1", skills=("sales",)))
    engine.submit(make_task("t1"), T0)
    events = engine.put_queue(make_queue(expression='"sales" IN worker.skills'), T0 + 1)
    assert offers(events) == [("t1", "w1")]


def test_a_queue_expression_reading_the_task_is_evaluated_per_task() -> None:
    queue = make_queue(expression="task.language IN worker.languages")
    engine = engine_with(
        make_worker("w_en", languages=["en"]), make_worker("w_fr", languages=["fr"]), queue=queue
    )
    fr = engine.submit(make_task("t_fr", attributes={"language": "fr"}), T0)
    en = engine.submit(make_task("t_en", attributes={"language": "en"}), T0)
    de = engine.submit(make_task("t_de", attributes={"language": "de"}), T0)
    assert offers(fr) == [("t_fr", "w_fr")]
    assert offers(en) == [("t_en", "w_en")]
    assert offers(de) == []


def test_the_worker_sees_id_name_and_kind_and_the_task_its_channel_and_priority() -> None:
    queue = make_queue(expression='worker.kind == "human" AND task.channel == "chat"')
    engine = engine_with(make_worker("w1"), queue=queue)
    assert offers(engine.submit(make_task("t_voice"), T0)) == []
    assert offers(engine.submit(make_task("t_chat", channel="chat"), T0)) == [("t_chat", "w1")]


# --- routable workers and capacity ---------------------------------------------------------------


def test_only_workers_in_an_available_activity_get_tasks() -> None:
    engine = engine_with(make_worker("w1", activity="break"))
    assert offers(engine.submit(make_task("t1"), T0)) == []
    events = engine.set_activity("w1", "available", T0 + 3)
    assert kinds(events) == ["worker.activity_changed", "reservation.created"]
    assert events[0].data == {
        "activity": "available",
        "previous": "break",
        "available": True,
        "reason": None,
    }
    assert engine.worker("w1").activity_since == T0 + 3  # type: ignore[union-attr]


def test_a_worker_on_a_call_gets_no_second_call_but_chats_up_to_capacity() -> None:
    engine = engine_with(make_worker("w1", capacity={"voice": 1, "chat": 2}))
    got = []
    for tid, channel in [("v1", "voice"), ("v2", "voice"), ("c1", "chat"), ("c2", "chat")]:
        got += offers(engine.submit(make_task(tid, channel=channel), T0))
    got += offers(engine.submit(make_task("c3", channel="chat"), T0))
    assert got == [("v1", "w1"), ("c1", "w1"), ("c2", "w1")]
    assert waiting_ids(engine) == ["v2", "c3"]


def test_a_channel_missing_from_capacity_means_none_of_it() -> None:
    engine = engine_with(make_worker("w1", capacity={"chat": 3}))
    assert offers(engine.submit(make_task("v1"), T0)) == []


def test_capacity_is_held_through_assignment_and_freed_on_completion() -> None:
    engine = engine_with(make_worker("w1"))
    rid = offer_of(engine.submit(make_task("v1"), T0), "v1")
    engine.submit(make_task("v2"), T0 + 1)
    engine.accept(rid, T0 + 2)
    assert waiting_ids(engine) == ["v2"]
    events = engine.complete("v1", T0 + 60)
    assert kinds(events) == ["task.completed", "reservation.created"]
    assert offers(events) == [("v2", "w1")]


# --- queue order ---------------------------------------------------------------------------------


def test_queue_order_is_priority_then_first_in_first_out() -> None:
    engine = engine_with()
    engine.submit(make_task("low_1"), T0)
    engine.submit(make_task("high_1", priority=5), T0 + 1)
    engine.submit(make_task("low_2"), T0 + 2)
    engine.submit(make_task("high_2", priority=5), T0 + 3)
    assert waiting_ids(engine) == ["high_1", "high_2", "low_1", "low_2"]
    engine.put_worker(make_worker("w1", capacity={"voice": 1}), T0 + 4)
    assert engine.task("high_1").state == TaskState.RESERVED  # type: ignore[union-attr]


def test_tasks_queued_at_the_same_moment_keep_their_order_with_distinct_keys() -> None:
    engine = engine_with()
    for i in range(5):
        engine.submit(make_task(f"t{i}"), T0)
    tasks = engine.waiting("q")
    assert [t.id for t in tasks] == [f"t{i}" for i in range(5)]
    keys = [t.order_key for t in tasks if t.order_key is not None]
    assert keys == sorted(keys) and len(set(keys)) == 5
    assert keys[0] == T0


def test_aging_lets_a_long_waiting_task_overtake_a_newer_higher_priority_one() -> None:
    engine = engine_with(priority_step_s=60.0)
    engine.submit(make_task("old"), T0)  # key T0
    engine.submit(make_task("urgent", priority=1), T0 + 90)  # key T0 + 30
    engine.submit(make_task("fresh_urgent", priority=1), T0 + 30)  # key T0 - 30
    assert waiting_ids(engine) == ["fresh_urgent", "old", "urgent"]
    assert engine.task("urgent").order_key == T0 + 30  # type: ignore[union-attr]


def test_a_new_task_is_offered_the_lowest_key_across_the_workers_queues() -> None:
    engine = make_engine()
    engine.put_queue(make_queue("a"), T0)
    engine.put_queue(make_queue("b"), T0)
    engine.submit(make_task("a1", queue_id="a"), T0 + 2)
    engine.submit(make_task("b1", queue_id="b", priority=1), T0 + 3)
    engine.submit(make_task("b2", queue_id="b"), T0 + 1)
    events = engine.put_worker(make_worker("w1", capacity={"voice": 1}), T0 + 4)
    assert offers(events) == [("b1", "w1")]
    engine.reject(offer_of(events, "b1"), T0 + 5, activity="break")
    events = engine.set_activity("w1", "available", T0 + 6)
    assert offers(events) == [("b2", "w1")]


# --- selection strategies ------------------------------------------------------------------------


def test_longest_idle_picks_who_has_been_free_longest() -> None:
    engine = engine_with(
        make_worker("w_recent", since=50.0),
        make_worker("w_oldest", since=10.0),
        make_worker("w_middle", since=30.0),
    )
    got = []
    for i in range(3):
        got += offers(engine.submit(make_task(f"t{i}"), T0))
    assert got == [("t0", "w_oldest"), ("t1", "w_middle"), ("t2", "w_recent")]


def test_longest_idle_counts_from_the_end_of_the_last_task() -> None:
    engine = engine_with(make_worker("w1", since=10.0), make_worker("w2", since=20.0))
    rid = offer_of(engine.submit(make_task("t0"), T0), "t0")  # w1: idle longest
    engine.accept(rid, T0)
    engine.complete("t0", T0 + 100)  # w1 idle since T0 + 100, w2 since 20
    assert offers(engine.submit(make_task("t1"), T0 + 200)) == [("t1", "w2")]


def test_most_skilled_picks_the_highest_level_then_the_longest_idle() -> None:
    queue = make_queue(strategy=SelectionStrategy.MOST_SKILLED, skill="billing")
    engine = engine_with(
        make_worker("w_novice", since=1.0, levels={"billing": 1}),
        make_worker("w_expert_new", since=9.0, levels={"billing": 5}),
        make_worker("w_expert_old", since=5.0, levels={"billing": 5}),
        make_worker("w_unrated", since=0.0),
        queue=queue,
    )
    got = []
    for i in range(4):
        got += offers(engine.submit(make_task(f"t{i}"), T0))
    assert [w for _, w in got] == ["w_expert_old", "w_expert_new", "w_novice", "w_unrated"]


def test_least_occupied_spreads_chats_over_workers() -> None:
    queue = make_queue(strategy=SelectionStrategy.LEAST_OCCUPIED)
    cap = {"chat": 3}
    engine = engine_with(
        make_worker("w1", since=1.0, capacity=cap),
        make_worker("w2", since=2.0, capacity=cap),
        queue=queue,
    )
    got = []
    for i in range(4):
        got += offers(engine.submit(make_task(f"c{i}", channel="chat"), T0))
    assert [w for _, w in got] == ["w1", "w2", "w1", "w2"]


def test_longest_idle_fills_a_multi_chat_worker_first() -> None:
    cap = {"chat": 2}
    engine = engine_with(
        make_worker("w1", since=1.0, capacity=cap), make_worker("w2", since=2.0, capacity=cap)
    )
    got = []
    for i in range(3):
        got += offers(engine.submit(make_task(f"c{i}", channel="chat"), T0))
    assert [w for _, w in got] == ["w1", "w1", "w2"]


def test_most_skilled_needs_a_skill() -> None:
    engine = make_engine()
    with pytest.raises(InvalidInput, match="skill"):
        engine.put_queue(make_queue(strategy=SelectionStrategy.MOST_SKILLED), T0)


# --- reservations --------------------------------------------------------------------------------


def test_accept_assigns_the_task_to_the_worker() -> None:
    engine = engine_with(make_worker("w1"))
    rid = offer_of(engine.submit(make_task("t1", at=T0 - 4), T0), "t1")
    events = engine.accept(rid, T0 + 2, worker_id="w1")
    assert kinds(events) == ["reservation.accepted", "task.assigned"]
    assert events[1].data["wait_s"] == 6
    assert (events[1].task_id, events[1].worker_id, events[1].queue_id) == ("t1", "w1", "q")
    task = engine.task("t1")
    assert task is not None and (task.state, task.worker_id) == (TaskState.ASSIGNED, "w1")
    reservation = engine.reservation(rid)
    assert reservation is not None and reservation.state == ReservationState.ACCEPTED


def test_accepting_twice_after_a_timeout_or_for_someone_else_fails_clearly() -> None:
    engine = engine_with(make_worker("w1"), make_worker("w2", since=5.0))
    rid = offer_of(engine.submit(make_task("t1"), T0), "t1")
    with pytest.raises(NotYourTask):
        engine.accept(rid, T0 + 1, worker_id="w2")
    with pytest.raises(NotFound):
        engine.accept("res_nope", T0 + 1)
    engine.accept(rid, T0 + 1)
    with pytest.raises(ReservationClosed, match="accepted"):
        engine.accept(rid, T0 + 2)
    with pytest.raises(ReservationClosed):
        engine.reject(rid, T0 + 2)

    late = offer_of(engine.submit(make_task("t2"), T0 + 3), "t2")  # expires T0 + 13
    with pytest.raises(ReservationClosed, match="timed_out"):
        engine.accept(late, T0 + 13)  # not ticked yet: still refused
    assert engine.reservation(late).state == ReservationState.PENDING  # type: ignore[union-attr]
    engine.tick(T0 + 13)
    with pytest.raises(ReservationClosed, match="timed_out"):
        engine.accept(late, T0 + 14)


def test_reject_puts_the_task_back_at_its_place_and_others_get_it() -> None:
    engine = engine_with(make_worker("w1", since=1.0))
    rid = offer_of(engine.submit(make_task("t1"), T0), "t1")
    engine.submit(make_task("t2"), T0 + 1)
    key = engine.task("t1").order_key  # type: ignore[union-attr]
    events = engine.reject(rid, T0 + 2, worker_id="w1")
    assert kinds(events)[:2] == ["reservation.rejected", "task.queued"]
    assert events[1].data == {"order_key": key, "requeued": True, "reason": "rejected"}
    # w1 is not bounced straight back to t1: it gets the next task; t1 keeps its place
    assert offers(events) == [("t2", "w1")]
    assert waiting_ids(engine) == ["t1"]
    assert engine.task("t1").order_key == key  # type: ignore[union-attr]
    assert engine.reservation(rid).state == ReservationState.REJECTED  # type: ignore[union-attr]
    events = engine.put_worker(make_worker("w2", since=9.0), T0 + 3)
    assert offers(events) == [("t1", "w2")]


def test_a_rejecter_is_offered_the_task_again_after_the_cool_down() -> None:
    engine = engine_with(make_worker("w1"))
    rid = offer_of(engine.submit(make_task("t1"), T0), "t1")
    events = engine.reject(rid, T0 + 1)
    assert offers(events) == []
    assert engine.next_deadline() == T0 + 11
    events = engine.tick(T0 + 11)
    assert offers(events) == [("t1", "w1")]
    assert events[0].at == T0 + 11


def test_reject_with_an_activity_moves_the_worker() -> None:
    engine = engine_with(make_worker("w1"))
    rid = offer_of(engine.submit(make_task("t1"), T0), "t1")
    with pytest.raises(UnknownActivity):
        engine.reject(rid, T0 + 1, activity="lunch")
    assert engine.reservation(rid).state == ReservationState.PENDING  # type: ignore[union-attr]
    events = engine.reject(rid, T0 + 1, activity="break")
    assert kinds(events) == ["reservation.rejected", "task.queued", "worker.activity_changed"]
    assert engine.worker("w1").activity == "break"  # type: ignore[union-attr]


def test_a_timed_out_offer_moves_the_worker_to_missed_and_the_task_on() -> None:
    engine = engine_with(make_worker("w1", since=1.0), make_worker("w2", since=2.0))
    engine.set_activity("w2", "break", T0)
    rid = offer_of(engine.submit(make_task("t1"), T0), "t1")
    engine.set_activity("w2", "available", T0 + 1)
    assert engine.next_deadline() == T0 + 10
    events = engine.tick(T0 + 25)
    assert kinds(events) == [
        "reservation.timed_out",
        "task.queued",
        "reservation.created",
        "worker.activity_changed",
    ]
    assert all(e.at == T0 + 10 for e in events)
    assert offers(events) == [("t1", "w2")]
    assert events[2].data["expires_at"] == T0 + 35  # a late tick never makes expired offers
    assert engine.reservation(rid).state == ReservationState.TIMED_OUT  # type: ignore[union-attr]
    assert engine.worker("w1").activity == "missed"  # type: ignore[union-attr]


def test_without_a_missed_activity_the_worker_stays_available_but_cools_down() -> None:
    engine = engine_with(make_worker("w1"), missed_activity=None)
    engine.submit(make_task("t1"), T0)
    events = engine.tick(T0 + 10)
    assert kinds(events) == ["reservation.timed_out", "task.queued"]
    assert engine.worker("w1").activity == "available"  # type: ignore[union-attr]
    assert offers(engine.tick(T0 + 20)) == [("t1", "w1")]


def test_going_unavailable_cancels_pending_offers_and_re_queues_them() -> None:
    engine = engine_with(make_worker("w1", since=1.0), make_worker("w2", since=2.0))
    engine.set_activity("w2", "offline", T0)
    rid = offer_of(engine.submit(make_task("t1"), T0), "t1")
    engine.set_activity("w2", "available", T0 + 1)
    events = engine.set_activity("w1", "break", T0 + 2)
    assert kinds(events) == [
        "worker.activity_changed",
        "reservation.canceled",
        "task.queued",
        "reservation.created",
    ]
    assert events[1].data == {"reason": "worker_unavailable"}
    assert offers(events) == [("t1", "w2")]
    assert engine.reservation(rid).state == ReservationState.CANCELED  # type: ignore[union-attr]


def test_removing_a_worker_re_queues_its_offers_and_keeps_its_calls() -> None:
    engine = engine_with(make_worker("w1", capacity={"voice": 1, "chat": 1}))
    rid = offer_of(engine.submit(make_task("v1"), T0), "v1")
    engine.accept(rid, T0 + 1)
    offer_of(engine.submit(make_task("c1", channel="chat"), T0 + 2), "c1")
    events = engine.remove_worker("w1", T0 + 3)
    assert kinds(events) == ["reservation.canceled", "task.queued"]
    assert events[0].data == {"reason": "worker_removed"}
    assert engine.worker("w1") is None
    assert engine.task("v1").state == TaskState.ASSIGNED  # type: ignore[union-attr]
    # back again: the call it still holds counts against its voice capacity
    engine.submit(make_task("v2"), T0 + 4)
    events = engine.put_worker(make_worker("w1", capacity={"voice": 1, "chat": 1}), T0 + 5)
    assert offers(events) == [("c1", "w1")]
    assert offers(engine.complete("v1", T0 + 6, worker_id="w1")) == [("v2", "w1")]


def test_unknown_ids_and_activities_are_clear_errors() -> None:
    engine = engine_with(make_worker("w1"))
    with pytest.raises(UnknownActivity, match="lunch"):
        engine.set_activity("w1", "lunch", T0)
    with pytest.raises(UnknownActivity):
        engine.put_worker(make_worker("w2", activity="lunch"), T0)
    with pytest.raises(NotFound):
        engine.set_activity("w_nope", "available", T0)
    with pytest.raises(NotFound):
        engine.remove_worker("w_nope", T0)
    with pytest.raises(NotFound):
        engine.cancel("t_nope", T0)
    with pytest.raises(NotFound):
        engine.complete("t_nope", T0)
    with pytest.raises(NotFound):
        engine.waiting("q_nope")
    with pytest.raises(UnknownQueue):
        engine.submit(make_task("t1", queue_id="q_nope"), T0)
    with pytest.raises(InvalidInput, match="queue_id"):
        engine.submit(make_task("t1", queue_id=None), T0)
    with pytest.raises(InvalidInput, match="fax"):
        engine.submit(make_task("t1", channel="fax"), T0)
    with pytest.raises(InvalidInput, match="capacity"):
        engine.put_worker(make_worker("w3", capacity={"voice": 101}), T0)
    engine.submit(make_task("t1"), T0)
    with pytest.raises(Conflict, match="already"):
        engine.submit(make_task("t1"), T0)


# --- completion and wrap-up ----------------------------------------------------------------------


def test_complete_only_an_assigned_task_of_that_worker() -> None:
    engine = engine_with(make_worker("w1"), make_worker("w2", capacity={"chat": 1}))
    rid = offer_of(engine.submit(make_task("t1"), T0), "t1")
    with pytest.raises(TaskClosed, match="reserved"):
        engine.complete("t1", T0 + 1)
    engine.accept(rid, T0 + 1)
    with pytest.raises(NotYourTask, match="w1"):
        engine.complete("t1", T0 + 2, worker_id="w2")
    events = engine.complete("t1", T0 + 31, worker_id="w1")
    assert kinds(events) == ["task.completed"]
    assert events[0].data == {"handle_s": 30, "talk_s": 30, "wrapup_s": 0.0}
    task = engine.task("t1")
    assert task is not None and task.state == TaskState.COMPLETED
    assert (task.ended_at, task.end_reason) == (T0 + 31, "completed")
    with pytest.raises(TaskClosed, match="completed"):
        engine.complete("t1", T0 + 32)


def test_wrap_up_holds_the_capacity_until_it_ends() -> None:
    engine = engine_with(make_worker("w1"), queue=make_queue(expression="", wrapup_s=20.0))
    rid = offer_of(engine.submit(make_task("t1"), T0), "t1")
    engine.accept(rid, T0 + 1)
    engine.submit(make_task("t2"), T0 + 2)
    events = engine.complete("t1", T0 + 61)
    assert kinds(events) == ["task.wrapping"]
    assert events[0].data == {"talk_s": 60, "wrapup_s": 20.0, "until": T0 + 81}
    assert engine.task("t1").state == TaskState.WRAPPING  # type: ignore[union-attr]
    assert engine.tick(T0 + 80) == []
    assert engine.next_deadline() == T0 + 81
    events = engine.tick(T0 + 81)
    assert kinds(events) == ["task.completed", "reservation.created"]
    assert events[0].data == {"handle_s": 80, "talk_s": 60, "wrapup_s": 20}
    assert offers(events) == [("t2", "w1")]


# --- escalation and workflows --------------------------------------------------------------------


def two_queue_engine(*workers: Worker, **config: Any) -> RoutingEngine:
    engine = make_engine(**config)
    engine.put_queue(make_queue("tier1", '"tier1" IN worker.skills'), T0)
    engine.put_queue(make_queue("tier2", '"tier2" IN worker.skills'), T0)
    for worker in workers:
        engine.put_worker(worker, T0)
    return engine


def escalating_workflow(*, priority: int | None = None) -> Workflow:
    return Workflow(
        id="wf",
        tenant_id="ten_1",
        name="support",
        filters=(
            Filter(
                "vip",
                "task.vip == true",
                (Target("tier2", priority=10),),
            ),
            Filter(
                "everyone",
                'task.language == "en"',
                (
                    Target("tier1", timeout_s=30.0),
                    Target("tier2", priority=priority),
                ),
            ),
        ),
        created_at=0.0,
        updated_at=0.0,
    )


def test_filters_pick_the_targets_in_order_and_no_match_is_a_clear_error() -> None:
    engine = two_queue_engine()
    engine.put_workflow(escalating_workflow())
    engine.submit(make_task("vip", queue_id=None, workflow_id="wf", attributes={"vip": True}), T0)
    engine.submit(
        make_task("en", queue_id=None, workflow_id="wf", attributes={"language": "en"}), T0
    )
    vip = engine.task("vip")
    assert vip is not None and (vip.queue_id, vip.order_key) == ("tier2", T0 - 10 * 86_400)
    assert engine.task("en").queue_id == "tier1"  # type: ignore[union-attr]
    with pytest.raises(InvalidInput, match="no filter"):
        engine.submit(make_task("fr", queue_id=None, workflow_id="wf"), T0)
    with pytest.raises(NotFound, match="wf_nope"):
        engine.submit(make_task("x", queue_id=None, workflow_id="wf_nope"), T0)


def test_a_default_target_takes_what_no_filter_matches() -> None:
    engine = two_queue_engine()
    workflow = escalating_workflow()
    engine.put_workflow(
        Workflow(
            id=workflow.id,
            tenant_id="ten_1",
            name="support",
            filters=workflow.filters,
            created_at=0.0,
            updated_at=0.0,
            default_target=Target("tier1"),
        )
    )
    engine.submit(make_task("fr", queue_id=None, workflow_id="wf"), T0)
    assert engine.task("fr").queue_id == "tier1"  # type: ignore[union-attr]


def test_a_waiting_task_escalates_after_the_timeout_keeping_its_place() -> None:
    engine = two_queue_engine()
    engine.put_workflow(escalating_workflow())
    attrs = {"language": "en"}
    engine.submit(make_task("old", queue_id="tier2"), T0 + 10)
    engine.submit(make_task("t1", queue_id=None, workflow_id="wf", attributes=attrs), T0)
    assert engine.next_deadline() == T0 + 30
    events = engine.tick(T0 + 40)
    assert kinds(events) == ["task.escalated"]
    escalated = events[0]
    assert (escalated.at, escalated.queue_id) == (T0 + 30, "tier2")
    assert escalated.data["from_queue_id"] == "tier1"
    task = engine.task("t1")
    assert task is not None
    assert (task.target_index, task.target_since, task.order_key) == (1, T0 + 30, T0)
    assert waiting_ids(engine, "tier2") == ["t1", "old"]  # it waited longer
    assert engine.next_deadline() is None  # the last target keeps it
    events = engine.put_worker(make_worker("w2", skills=("tier2",)), T0 + 50)
    assert offers(events) == [("t1", "w2")]


def test_a_target_priority_shifts_the_order_key_by_the_difference() -> None:
    engine = two_queue_engine(priority_step_s=60.0)
    engine.put_workflow(escalating_workflow(priority=2))
    engine.submit(
        make_task("t1", queue_id=None, workflow_id="wf", attributes={"language": "en"}), T0
    )
    engine.tick(T0 + 30)
    assert engine.task("t1").order_key == T0 - 120  # type: ignore[union-attr]


def test_a_reserved_task_escalates_only_when_its_offer_fails() -> None:
    engine = two_queue_engine(make_worker("w1", skills=("tier1",)), reservation_timeout_s=60.0)
    engine.put_workflow(escalating_workflow())
    english = {"language": "en"}
    events = engine.submit(
        make_task("t1", queue_id=None, workflow_id="wf", attributes=english), T0 + 25
    )
    rid = offer_of(events, "t1")
    assert engine.tick(T0 + 56) == []  # escalation was due at T0 + 55, but it is offered
    events = engine.reject(rid, T0 + 57)
    assert kinds(events) == ["reservation.rejected", "task.escalated"]
    assert engine.task("t1").queue_id == "tier2"  # type: ignore[union-attr]

    events = engine.submit(
        make_task("t2", queue_id=None, workflow_id="wf", attributes=english), T0 + 60
    )
    engine.accept(offer_of(events, "t2"), T0 + 61)
    assert engine.tick(T0 + 200) == []  # an accepted task does not escalate
    assert engine.task("t2").queue_id == "tier1"  # type: ignore[union-attr]


def test_workflows_are_validated_when_put() -> None:
    engine = two_queue_engine()
    bad_queue = Workflow("wf", "ten_1", "w", (Filter("f", "", (Target("nope"),)),), 0.0, 0.0)
    with pytest.raises(UnknownQueue) as info:
        engine.put_workflow(bad_queue)
    assert info.value.problems[0].loc == "filters[0].targets[0].queue_id"
    bad_expr = Workflow(
        "wf", "ten_1", "w", (Filter("f", "task.x ==", (Target("tier1"),)),), 0.0, 0.0
    )
    with pytest.raises(ExpressionError) as error:
        engine.put_workflow(bad_expr)
    assert error.value.problems[0].loc == "filters[0].expression"
    worker_read = Workflow(
        "wf", "ten_1", "w", (Filter("f", "worker.x == 1", (Target("tier1"),)),), 0.0, 0.0
    )
    with pytest.raises(InvalidInput, match="worker"):
        engine.put_workflow(worker_read)
    no_target = Workflow("wf", "ten_1", "w", (Filter("f", "", ()),), 0.0, 0.0)
    with pytest.raises(InvalidInput, match="no targets"):
        engine.put_workflow(no_target)
    with pytest.raises(NotFound):
        engine.remove_workflow("wf")


def test_a_target_worker_expression_narrows_the_workers_per_task() -> None:
    engine = make_engine()
    engine.put_queue(make_queue("q"), T0)
    workflow = Workflow(
        "wf",
        "ten_1",
        "lang",
        (Filter("all", "", (Target("q", worker_expression="task.language IN worker.languages"),)),),
        0.0,
        0.0,
    )
    engine.put_workflow(workflow)
    engine.put_worker(make_worker("w_en", since=1.0, languages=["en"]), T0)
    engine.put_worker(make_worker("w_de", since=2.0, languages=["de"]), T0)
    de = make_task("t_de", queue_id=None, workflow_id="wf", attributes={"language": "de"})
    assert offers(engine.submit(de, T0)) == [("t_de", "w_de")]
    fr = make_task("t_fr", queue_id=None, workflow_id="wf", attributes={"language": "fr"})
    assert offers(engine.submit(fr, T0)) == []
    engine.remove_workflow("wf")  # routed tasks keep their targets
    assert offers(engine.put_worker(make_worker("w_fr", languages=["fr"]), T0 + 1)) == [
        ("t_fr", "w_fr")
    ]


# --- abandonment and callbacks -------------------------------------------------------------------


def test_abandoning_a_waiting_task_records_its_wait() -> None:
    engine = engine_with()
    engine.submit(make_task("t1", at=T0 - 5), T0)
    events = engine.cancel("t1", T0 + 40, abandoned=True)
    assert kinds(events) == ["task.abandoned"]
    assert events[0].data == {"wait_s": 45}
    assert events[0].queue_id == "q"
    task = engine.task("t1")
    assert task is not None and (task.state, task.end_reason) == (TaskState.ABANDONED, "abandoned")
    assert waiting_ids(engine) == []


def test_canceling_an_offered_task_frees_the_worker_for_the_next() -> None:
    engine = engine_with(make_worker("w1"))
    rid = offer_of(engine.submit(make_task("t1"), T0), "t1")
    engine.submit(make_task("t2"), T0 + 1)
    events = engine.cancel("t1", T0 + 2)
    assert kinds(events) == ["reservation.canceled", "task.canceled", "reservation.created"]
    assert offers(events) == [("t2", "w1")]
    assert engine.reservation(rid).state == ReservationState.CANCELED  # type: ignore[union-attr]
    with pytest.raises(TaskClosed, match="canceled"):
        engine.cancel("t1", T0 + 3)


def test_an_assigned_task_cannot_be_canceled() -> None:
    engine = engine_with(make_worker("w1"))
    engine.accept(offer_of(engine.submit(make_task("t1"), T0), "t1"), T0)
    with pytest.raises(TaskClosed, match="assigned"):
        engine.cancel("t1", T0 + 1, abandoned=True)


def test_a_callback_keeps_the_callers_place() -> None:
    engine = engine_with()
    engine.submit(make_task("t1"), T0)
    engine.submit(make_task("t2"), T0 + 1)
    events = engine.request_callback("t1", T0 + 2)
    assert kinds(events) == ["task.callback_requested"]
    assert engine.task("t1").callback is True  # type: ignore[union-attr]
    assert waiting_ids(engine) == ["t1", "t2"]
    assert engine.request_callback("t1", T0 + 3) == []


# --- queues, settings, stats, timers -------------------------------------------------------------


def test_queue_stats_count_waiting_offered_and_workers() -> None:
    engine = engine_with(
        make_worker("w1", since=1.0),
        make_worker("w2", since=2.0),
        make_worker("w3", activity="break"),
        make_worker("w_other", skills=()),
    )
    engine.submit(make_task("t1", at=T0 - 30), T0)
    engine.submit(make_task("t2"), T0)
    engine.submit(make_task("t3", at=T0 - 10), T0)
    stats = engine.queue_stats("q", T0 + 5)
    assert (stats.waiting, stats.reserved, stats.longest_wait_s) == (1, 2, 35)
    assert (stats.workers_eligible, stats.workers_available, stats.workers_busy) == (3, 0, 2)


def test_a_queue_cannot_be_removed_while_used() -> None:
    engine = two_queue_engine()
    engine.submit(make_task("t1", queue_id="tier1"), T0)
    with pytest.raises(Conflict, match="1 tasks waiting"):
        engine.remove_queue("tier1", T0)
    engine.put_workflow(escalating_workflow())
    with pytest.raises(Conflict, match="wf"):
        engine.remove_queue("tier2", T0)
    engine.cancel("t1", T0)
    engine.remove_workflow("wf")
    assert engine.remove_queue("tier1", T0) == []
    with pytest.raises(NotFound):
        engine.queue_stats("tier1", T0)


def test_settings_are_validated_and_activities_in_use_stay() -> None:
    engine = engine_with(make_worker("w1", activity="break"))
    with pytest.raises(InvalidInput, match="missed_activity"):
        engine.configure(RoutingConfig(missed_activity="nap"), T0)
    with pytest.raises(InvalidInput, match="reservation_timeout_s"):
        engine.configure(RoutingConfig(reservation_timeout_s=0), T0)
    with pytest.raises(Conflict, match="break"):
        engine.configure(RoutingConfig(activities={"available": True, "missed": False}), T0)


def test_settings_that_make_an_activity_available_route_to_it() -> None:
    engine = engine_with(make_worker("w1", activity="break"))
    engine.submit(make_task("t1"), T0)
    activities = {
        "available": True,
        "break": True,
        "offline": False,
        "missed": False,
        "busy": False,
    }
    events = engine.configure(RoutingConfig(activities=activities), T0 + 1)
    assert offers(events) == [("t1", "w1")]
    events = engine.configure(RoutingConfig(), T0 + 2)  # break unavailable again: offer withdrawn
    assert kinds(events) == ["reservation.canceled", "task.queued"]


def test_tick_fires_timers_in_time_order_stamped_at_their_due_time() -> None:
    engine = engine_with(make_worker("w1"), make_worker("w2"), missed_activity=None)
    engine.submit(make_task("t1"), T0)  # offer to w1 expires T0 + 10
    engine.submit(make_task("t2"), T0 + 4)  # offer to w2 expires T0 + 14
    events = engine.tick(T0 + 100)
    timed_out = [(e.task_id, e.at) for e in events if e.type == "reservation.timed_out"]
    assert timed_out[:2] == [("t1", T0 + 10), ("t2", T0 + 14)]
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_forget_drops_finished_tasks_only() -> None:
    engine = engine_with(make_worker("w1"))
    rid = offer_of(engine.submit(make_task("t1"), T0), "t1")
    with pytest.raises(TaskClosed):
        engine.forget("t1")
    engine.cancel("t1", T0 + 1)
    engine.forget("t1")
    engine.forget("t1")
    assert engine.task("t1") is None and engine.reservation(rid) is None


# --- restart -------------------------------------------------------------------------------------


def snapshot(engine: RoutingEngine, task_ids: list[str]) -> list[tuple[Task, Reservation | None]]:
    out = []
    for tid in task_ids:
        task = engine.task(tid)
        assert task is not None
        pending = [
            r
            for r in (engine.reservation(f"res_{i}") for i in range(1, 200))
            if r is not None and r.task_id == tid and r.state == ReservationState.PENDING
        ]
        out.append((task, pending[0] if pending else None))
    return out


def test_a_restored_engine_has_the_same_queues_offers_and_timers() -> None:
    workers = [make_worker("w1", since=1.0), make_worker("w2", since=2.0, activity="break")]
    engine = engine_with(*workers)
    ids = [f"t{i}" for i in range(6)]
    for i, tid in enumerate(ids):
        engine.submit(make_task(tid, priority=i % 2), T0 + i // 2)
    before = waiting_ids(engine)
    offered = snapshot(engine, ids)
    [(reserved_task, reservation)] = [(t, r) for t, r in offered if r is not None]

    restored = engine_with(*[w for w in (engine.worker(x.id) for x in workers) if w is not None])
    shuffled = list(offered)
    random.Random(7).shuffle(shuffled)
    for task, pending in shuffled:
        restored.restore_task(task, pending)
    assert waiting_ids(restored) == before
    assert restored.task(reserved_task.id) == reserved_task
    assert restored.next_deadline() is not None
    assert restored.tick(T0 + 3) == []  # nobody free to rebalance to
    assert restored.next_deadline() == reservation.expires_at
    events = restored.tick(reservation.expires_at)
    assert kinds(events)[:2] == ["reservation.timed_out", "task.queued"]
    # back at its original place: t1, t3, t5 have priority 1
    assert waiting_ids(restored) == ["t1", "t3", "t5", "t0", "t2", "t4"]
    assert reserved_task.id == "t0"


def test_restored_waiting_tasks_are_offered_at_the_next_tick() -> None:
    engine = engine_with()
    engine.submit(make_task("t1"), T0)
    engine.submit(make_task("t2", priority=3), T0 + 1)
    tasks = [engine.task("t1"), engine.task("t2")]
    restored = engine_with(make_worker("w1"))
    for task in tasks:
        assert task is not None
        restored.restore_task(task, None)
    assert restored.next_deadline() == T0 + 1  # due at once
    events = restored.tick(T0 + 100)
    assert offers(events) == [("t2", "w1")]
    assert events[0].at == T0 + 100
    assert restored.next_deadline() == T0 + 110


def test_a_restored_assigned_task_holds_capacity_and_wrap_up_resumes() -> None:
    engine = engine_with(make_worker("w1"), queue=make_queue(wrapup_s=30.0))
    engine.accept(offer_of(engine.submit(make_task("t1"), T0), "t1"), T0 + 1)
    engine.complete("t1", T0 + 10)
    wrapping = engine.task("t1")
    assert wrapping is not None and wrapping.state == TaskState.WRAPPING
    restored = engine_with(make_worker("w1"), queue=make_queue(wrapup_s=30.0))
    restored.restore_task(wrapping, None)
    restored.submit(make_task("t2"), T0 + 11)
    assert waiting_ids(restored) == ["t2"]
    events = restored.tick(T0 + 40)
    assert kinds(events) == ["task.completed", "reservation.created"]
    assert events[0].data["wrapup_s"] == 30


def test_an_offer_to_a_worker_who_is_gone_is_restored_as_waiting() -> None:
    engine = engine_with(make_worker("w1"))
    rid = offer_of(engine.submit(make_task("t1"), T0), "t1")
    task, reservation = engine.task("t1"), engine.reservation(rid)
    assert task is not None and task.state == TaskState.RESERVED
    restored = engine_with()  # w1 was deleted meanwhile
    restored.restore_task(task, reservation)
    restored_task = restored.task("t1")
    assert restored_task is not None and restored_task.state == TaskState.PENDING
    assert waiting_ids(restored) == ["t1"]
    assert restored.reservation(rid) is None


def test_restoring_a_task_twice_or_into_a_missing_queue_fails() -> None:
    engine = engine_with()
    engine.submit(make_task("t1"), T0)
    task = engine.task("t1")
    assert task is not None
    with pytest.raises(Conflict):
        engine.restore_task(task, None)
    with pytest.raises(UnknownQueue):
        make_engine().restore_task(task, None)
