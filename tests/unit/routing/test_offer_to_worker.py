"""A task submitted straight to a queue that names its worker (`offer_to_worker`)."""

from __future__ import annotations

from agentfloor.routing.model import TaskState
from agentfloor.routing.routes import (
    CONSULT_OF,
    CONSULTED_BY,
    OFFER_TO_WORKER,
    direct_route,
    direct_route_of,
)
from tests.unit.routing.test_engine import (
    T0,
    engine_with,
    kinds,
    make_task,
    make_worker,
    offer_of,
    offers,
    waiting_ids,
)


def test_the_direct_route_of_a_named_worker_matches_that_worker_only() -> None:
    [target] = direct_route("q", worker_id='wrk_"odd\\id')
    assert target.queue_id == "q" and target.worker_expression is not None
    assert target.worker_expression.matches({"id": 'wrk_"odd\\id'}, {})
    assert not target.worker_expression.matches({"id": "wrk_other"}, {})
    assert direct_route_of("q", {}) is None
    assert direct_route_of("q", {OFFER_TO_WORKER: ""}) is None
    assert direct_route_of("q", {OFFER_TO_WORKER: 7}) is None


def test_a_task_naming_a_worker_is_offered_to_them_only() -> None:
    engine = engine_with(make_worker("w1", since=1.0), make_worker("w2", since=2.0))
    events = engine.submit(make_task("t1", attributes={OFFER_TO_WORKER: "w2"}), T0)
    assert offers(events) == [("t1", "w2")]  # w1 is free longer, but not the one named


def test_a_task_naming_a_busy_worker_waits_for_them_while_others_are_free() -> None:
    engine = engine_with(make_worker("w1"), make_worker("w2"))
    busy = offer_of(engine.submit(make_task("t0", attributes={OFFER_TO_WORKER: "w2"}), T0), "t0")
    engine.accept(busy, T0 + 1)
    events = engine.submit(make_task("t1", attributes={OFFER_TO_WORKER: "w2"}), T0 + 2)
    assert kinds(events) == ["task.queued"]
    assert waiting_ids(engine) == ["t1"]
    # another task of the queue still goes to the free w1
    assert offers(engine.submit(make_task("t2"), T0 + 3)) == [("t2", "w1")]
    events = engine.complete("t0", T0 + 4)
    assert offers(events) == [("t1", "w2")]


def test_a_task_naming_an_offline_worker_waits_until_they_are_available() -> None:
    engine = engine_with(make_worker("w1"), make_worker("w2", activity="offline"))
    assert offers(engine.submit(make_task("t1", attributes={OFFER_TO_WORKER: "w2"}), T0)) == []
    assert offers(engine.set_activity("w2", "available", T0 + 1)) == [("t1", "w2")]


def test_a_restored_task_still_waits_for_its_named_worker() -> None:
    engine = engine_with(make_worker("w2", activity="offline"))
    engine.submit(make_task("t1", attributes={OFFER_TO_WORKER: "w2"}), T0)
    task = engine.task("t1")
    assert task is not None and task.state == TaskState.PENDING
    restored = engine_with(make_worker("w1"), make_worker("w2", activity="offline"))
    restored.restore_task(task, None)
    assert offers(restored.tick(T0 + 10)) == []  # w1 is free but not named
    assert offers(restored.set_activity("w2", "available", T0 + 11)) == [("t1", "w2")]


def test_a_consult_task_says_whose_task_it_consults_for_when_queued() -> None:
    engine = engine_with(make_worker("w1"))
    [queued, *_] = engine.submit(make_task("t1", attributes={CONSULT_OF: "t0"}), T0)
    assert queued.type == "task.queued" and queued.data[CONSULT_OF] == "t0"
    [plain, *_] = engine.submit(make_task("t2"), T0 + 1)
    assert CONSULT_OF not in plain.data


def test_a_consult_to_a_queue_is_never_offered_to_the_worker_who_asks() -> None:
    engine = engine_with(make_worker("w1", since=1.0), make_worker("w2", since=2.0))
    attributes = {CONSULT_OF: "t0", CONSULTED_BY: "w1"}
    assert offers(engine.submit(make_task("t1", attributes=attributes), T0)) == [("t1", "w2")]
