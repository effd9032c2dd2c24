"""Chat writers at the same moment, on SQLite and PostgreSQL: every message once, seqs gap-free."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine

from agentfloor.adapters.bus import InMemoryEventBus
from agentfloor.adapters.storage import SqlUnitOfWorkFactory, upgrade_to_head
from agentfloor.core.clock import SystemClock
from agentfloor.core.ids import UlidFactory
from agentfloor.runtime import access
from agentfloor.runtime.chat import ChatService, Posted
from agentfloor.runtime.context import ServiceContext


def service(engine: Engine) -> ChatService:
    clock = SystemClock()
    ctx = ServiceContext(
        SqlUnitOfWorkFactory(engine), InMemoryEventBus(), clock, UlidFactory(clock)
    )
    return ChatService(ctx)


def at_once(calls: list[Callable[[], Posted]]) -> list[Posted]:
    """Run the calls in threads released together; re-raise the first failure."""
    start = threading.Barrier(len(calls))
    results: list[Posted | BaseException | None] = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # collected, re-raised below in the test thread
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return [r for r in results if isinstance(r, Posted)]


def test_concurrent_posts_are_stored_once_in_seq_order(empty_engine: Engine) -> None:
    upgrade_to_head(empty_engine)
    one, other = service(empty_engine), service(empty_engine)  # two API processes
    tenant = access.create_tenant(one.ctx, name="Busy", slug="busy", default_region="GB")
    chat = one.open_conversation(tenant.id, "v-busy-1").interaction
    calls: list[Callable[[], Posted]] = []
    for n in range(6):
        for svc in (one, other):  # the same client id sent through both processes
            calls.append(
                lambda svc=svc, n=n: svc.post_customer_message(  # type: ignore[misc]
                    tenant.id, chat.id, client_id=f"c-{n}", text=f"message {n}"
                )
            )
    posted = at_once(calls)
    stored = one.messages_after(tenant.id, chat.id, 0, 100)
    assert [m.seq for m in stored] == list(range(1, 7))
    assert sorted(m.client_id or "" for m in stored) == [f"c-{n}" for n in range(6)]
    assert sum(p.is_new for p in posted) == 6  # each client id stored by exactly one caller
    by_client = {m.client_id: m for m in stored}
    assert all(p.message == by_client[p.message.client_id] for p in posted)
    with one.ctx.uow(tenant.id) as uow:
        log = [e for e in uow.events.of_interaction(chat.id) if e.type == "chat.message"]
    assert [e.data["seq"] for e in log] == list(range(1, 7))
