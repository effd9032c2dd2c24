"""One engine, two clocks: the simulator's driver and the live router make the same decisions.

The same script (workers log in, tasks arrive on two queues, offers are accepted, rejected or
left to time out, a caller hangs up, another takes a callback, a worker goes on break, tasks
complete with wrap-up) is fed to the live `RouterService` (SQLite or PostgreSQL, virtual clock,
timers fired at `next_deadline()` as the live timer loop does) and to `sim.EngineDriver`. The
routing events (from the live bus and from the driver's log) must be the same sequence of
(time, type, task, worker, queue, activity), with live ids mapped to the script's names.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from agentfloor.access.model import Principal, Role
from agentfloor.adapters.bus import InMemoryEventBus
from agentfloor.adapters.storage import SqlUnitOfWorkFactory, upgrade_to_head
from agentfloor.core.clock import VirtualClock
from agentfloor.core.events import Event
from agentfloor.core.ids import UlidFactory
from agentfloor.routing.engine import RoutingEngine
from agentfloor.routing.model import (
    Queue,
    RoutingConfig,
    RoutingEvent,
    Task,
    TaskState,
    Worker,
    WorkerKind,
)
from agentfloor.runtime import access, catalog
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.router import RouterService
from agentfloor.sim import EngineDriver, SequentialIds

START = 1_772_438_400.0  # 2026-03-02 08:00 UTC
QUEUES = {"support": ('"support" IN worker.skills', 10.0), "sales": ('"sales" IN worker.skills', 0)}
WORKERS = {
    "ann": ({"skills": ["support", "sales"]}, {"voice": 1}),
    "bob": ({"skills": ["support"]}, {"voice": 1, "chat": 2}),
    "cid": ({"skills": ["sales"]}, {"voice": 1}),
}
# (seconds after the start, command, arguments); accept/reject/complete name the task
SCRIPT: list[tuple[float, str, tuple[Any, ...]]] = [
    (0, "activity", ("ann", "available")),
    (1, "activity", ("bob", "available")),
    (2, "activity", ("cid", "available")),
    (10, "submit", ("t1", "support", "voice", 0)),  # ann: idle longest
    (11, "submit", ("t2", "support", "voice", 0)),  # bob
    (12, "submit", ("t3", "sales", "voice", 0)),  # cid
    (13, "accept", ("t1",)),
    (14, "reject", ("t2",)),  # back in its place; not offered to bob again for 30 s
    (15, "accept", ("t3",)),
    (16, "submit", ("t4", "support", "chat", 2)),  # bob's chat line
    (17, "accept", ("t4",)),
    (18, "submit", ("t5", "sales", "voice", 0)),  # nobody free: waits
    (19, "submit", ("t6", "support", "voice", 1)),  # bob's voice line (t2 is cooling down)
    (20, "complete", ("t1",)),  # ann wraps up for 10 s, then is offered t2
    (21, "accept", ("t6",)),
    (22, "abandon", ("t5",)),
    (25, "callback", ("t2",)),
    (40, "activity", ("cid", "break")),  # keeps t3
    (45, "complete", ("t3",)),
    (50, "complete", ("t4",)),
    (55, "complete", ("t6",)),
    # 60: ann lets t2 time out (missed); 65: bob's wrap-up ends and he is offered t2
    (66, "accept", ("t2",)),
    (70, "activity", ("ann", "available")),
    (80, "submit", ("t7", "support", "voice", 0)),  # ann
    (82, "accept", ("t7",)),
    (84, "submit", ("t8", "sales", "voice", 0)),  # waits: ann busy, cid on break
    (90, "activity", ("cid", "available")),  # offered t8
    (92, "activity", ("cid", "break")),  # the offer is withdrawn, t8 back in the queue
    (95, "abandon", ("t8",)),
    (100, "complete", ("t2",)),
    (110, "complete", ("t7",)),
    (150, "activity", ("cid", "available")),
]
ROUTING_TYPES = {
    "task.queued",
    "task.escalated",
    "reservation.created",
    "reservation.accepted",
    "reservation.rejected",
    "reservation.timed_out",
    "reservation.canceled",
    "task.assigned",
    "task.wrapping",
    "task.completed",
    "task.canceled",
    "task.abandoned",
    "task.callback_requested",
    "worker.activity_changed",
}
Decision = tuple[float, str, str | None, str | None, str | None, str | None]


class RecordingBus(InMemoryEventBus):
    """The in-memory bus, keeping every published event in order."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[Event] = []

    def publish(self, event: Event) -> None:
        self.published.append(event)
        super().publish(event)


def run_live(empty_engine: Engine) -> list[Decision]:
    upgrade_to_head(empty_engine)
    clock, bus = VirtualClock(START), RecordingBus()
    ctx = ServiceContext(SqlUnitOfWorkFactory(empty_engine), bus, clock, UlidFactory(clock))
    tenant_id = access.create_tenant(ctx, name="Parity", slug="parity").id
    admin = Principal(tenant_id, "key_test", Role.ADMIN)
    names: dict[str, str] = {}
    for name, (target, wrapup_s) in QUEUES.items():
        queue = catalog.create_queue(
            ctx, admin, name=name, target_expression=target, wrapup_s=wrapup_s
        )
        names[queue.id] = name
    for name, (attributes, capacity) in WORKERS.items():
        worker = catalog.create_worker(
            ctx, admin, name=name, kind=WorkerKind.HUMAN, attributes=attributes, capacity=capacity
        )
        names[worker.id] = name
    ids = {v: k for k, v in names.items()}
    router = RouterService(ctx)
    bus.published.clear()

    def advance(to_s: float) -> None:  # what the live timer loop does: tick at each deadline
        while (due := router.next_deadline()) is not None and due <= to_s:
            clock.advance(max(0.0, due - clock.now()))
            router.tick()
        clock.advance(to_s - clock.now())

    def pending(task: str) -> str:
        with ctx.uow(tenant_id) as uow:
            offers = [r for r in uow.reservations.of_task(task) if r.state.value == "pending"]
        return offers[0].id

    router.engine(tenant_id)  # load the tenant's router at the start
    for offset, command, args in SCRIPT:
        advance(START + offset)
        if command == "activity":
            router.set_activity(tenant_id, ids[args[0]], args[1], actor_key_id=None)
        elif command == "submit":
            task_id, queue, channel, priority = args
            task = Task(
                task_id, tenant_id, TaskState.PENDING, clock.now(), clock.now(), channel,
                priority, queue_id=ids[queue],
            )  # fmt: skip
            router.submit(tenant_id, task, actor_key_id=None)
        elif command == "accept":
            router.accept(tenant_id, pending(args[0]), worker_id=None, actor_key_id=None)
        elif command == "reject":
            router.reject(
                tenant_id, pending(args[0]), worker_id=None, activity=None, actor_key_id=None
            )
        elif command == "complete":
            router.complete(tenant_id, args[0], worker_id=None, actor_key_id=None)
        elif command == "abandon":
            router.cancel(tenant_id, args[0], abandoned=True, actor_key_id=None)
        else:
            router.request_callback(tenant_id, args[0], actor_key_id=None)
    advance(START + 200)
    return [
        (
            e.at - START,
            e.topic,
            e.data.get("task_id"),
            names.get(e.data.get("worker_id") or ""),
            names.get(e.data.get("queue_id") or ""),
            e.data.get("activity"),
        )
        for e in bus.published
        if e.topic in ROUTING_TYPES
    ]


def run_sim() -> list[Decision]:
    engine = RoutingEngine("sim", SequentialIds(), RoutingConfig())  # the live defaults
    driver = EngineDriver(engine, START)
    for name, (target, wrapup_s) in QUEUES.items():
        driver.put_queue(Queue(name, "sim", name, START, target, wrapup_s=wrapup_s))
    for name, (attributes, capacity) in WORKERS.items():
        worker = Worker(
            name, "sim", name, WorkerKind.HUMAN, "offline", START, START, attributes, capacity
        )
        driver.put_worker(worker)
    driver.log.clear()
    for offset, command, args in SCRIPT:
        driver.advance(START + offset)
        if command == "activity":
            driver.set_activity(*args)
        elif command == "submit":
            task_id, queue, channel, priority = args
            now = driver.now
            driver.submit(
                Task(task_id, "sim", TaskState.PENDING, now, now, channel, priority, queue_id=queue)
            )
        elif command == "accept":
            driver.accept(args[0])
        elif command == "reject":
            driver.reject(args[0])
        elif command == "complete":
            driver.complete(args[0])
        elif command == "abandon":
            driver.cancel(args[0], abandoned=True)
        else:
            driver.request_callback(args[0])
    driver.advance(START + 200)
    return [decision(e) for e in driver.log]


def decision(e: RoutingEvent) -> Decision:
    return (e.at - START, e.type, e.task_id, e.worker_id, e.queue_id, e.data.get("activity"))


def test_the_simulator_and_the_live_router_decide_alike(empty_engine: Engine) -> None:
    live, sim = run_live(empty_engine), run_sim()
    assert sim == live
    # the script reaches what it means to: a reject, a timeout, a callback, an abandon, wrap-up
    kinds = {d[1] for d in sim}
    assert {
        "reservation.rejected",
        "reservation.timed_out",
        "reservation.canceled",
        "task.callback_requested",
        "task.abandoned",
        "task.wrapping",
    } <= kinds
    assert (60.0, "worker.activity_changed", None, "ann", None, "missed") in sim
    assert [d[:4] for d in sim if d[1] == "task.assigned"] == [
        (13.0, "task.assigned", "t1", "ann"),
        (15.0, "task.assigned", "t3", "cid"),
        (17.0, "task.assigned", "t4", "bob"),
        (21.0, "task.assigned", "t6", "bob"),
        (66.0, "task.assigned", "t2", "bob"),
        (82.0, "task.assigned", "t7", "ann"),
    ]


def test_the_script_uses_every_command() -> None:
    assert {c for _, c, _ in SCRIPT} == {
        "activity", "submit", "accept", "reject", "complete", "abandon", "callback",
    }  # fmt: skip
