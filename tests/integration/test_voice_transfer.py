"""A cold transfer of a call: the next worker gets it, the first worker's wrap-up leaves it alone.

The router runs on a SQLite file with a virtual clock, so the first worker's wrap-up ends when
the test says, after the second worker has the call.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from agentfloor.access.model import Principal, Role
from agentfloor.bootstrap import build
from agentfloor.core.clock import VirtualClock
from agentfloor.core.errors import Conflict, InvalidInput
from agentfloor.interactions.model import Channel, Direction
from agentfloor.interactions.states import InteractionState
from agentfloor.routing.model import Task, TaskState, WorkerKind
from agentfloor.runtime import access, catalog, interactions
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.router import RouterService
from agentfloor.runtime.voice_transfer import transfer_call
from agentfloor.settings import Settings


def accept(ctx: ServiceContext, router: RouterService, tenant: str, task: str, worker: str) -> None:
    with ctx.uow(tenant) as uow:
        offer = next(r for r in uow.reservations.of_task(task) if r.worker_id == worker)
    router.accept(tenant, offer.id, worker_id=worker, actor_key_id=None)


def interaction_state(ctx: ServiceContext, tenant: str, iid: str) -> tuple[str, str | None]:
    with ctx.uow(tenant) as uow:
        found = uow.interactions.get(iid)
    assert found is not None
    return found.state.value, found.worker_id


def test_a_cold_transfer_moves_the_call_and_the_first_wrap_up_leaves_it(tmp_path: Path) -> None:
    container = build(Settings(var_dir=tmp_path, database_url=None))
    clock = VirtualClock()
    ctx = dataclasses.replace(container.ctx, clock=clock)
    tenant = access.create_tenant(ctx, name="Transfer", slug="transfer").id
    admin = Principal(tenant_id=tenant, key_id="test", role=Role.ADMIN)
    support = catalog.create_queue(ctx, admin, name="Support", wrapup_s=60.0).id
    billing = catalog.create_queue(ctx, admin, name="Billing").id
    robin, sam = (
        catalog.create_worker(
            ctx, admin, name=name, kind=WorkerKind.HUMAN, attributes={}, capacity={"voice": 1}
        ).id
        for name in ("Robin", "Sam")
    )
    call = interactions.create_interaction(
        ctx, admin, channel=Channel.VOICE, direction=Direction.INBOUND
    )
    router = RouterService(ctx)
    now = clock.now()
    first = Task("tsk_first", tenant, TaskState.PENDING, now, now, "voice", 0, call.id, support)
    router.submit(tenant, first, actor_key_id=None)
    router.set_activity(tenant, robin, "available", actor_key_id=None)
    accept(ctx, router, tenant, first.id, robin)
    assert interaction_state(ctx, tenant, call.id) == ("connected", robin)

    with pytest.raises(InvalidInput, match="no queue"):
        transfer_call(
            ctx, router, tenant, first.id, worker_id=robin, queue_id="que_x", actor_key_id=None
        )
    with pytest.raises(Conflict):
        transfer_call(
            ctx, router, tenant, first.id, worker_id=sam, queue_id=billing, actor_key_id=None
        )
    router.set_activity(tenant, sam, "available", actor_key_id=None)
    moved = transfer_call(
        ctx, router, tenant, first.id, worker_id=robin, queue_id=billing, actor_key_id=None
    )
    assert moved.queue_id == billing and moved.attributes["transferred_from"] == robin
    assert router.get_task(tenant, first.id).state is TaskState.WRAPPING
    accept(ctx, router, tenant, moved.id, sam)
    assert interaction_state(ctx, tenant, call.id) == ("connected", sam)

    clock.advance(61)  # Robin's wrap-up ends while Sam is on the call
    router.tick()
    assert router.get_task(tenant, first.id).state is TaskState.COMPLETED
    assert interaction_state(ctx, tenant, call.id) == ("connected", sam)

    router.complete(tenant, moved.id, worker_id=sam, actor_key_id=None)
    assert interaction_state(ctx, tenant, call.id)[0] == InteractionState.COMPLETED.value
    container.close()
