"""Media stream tokens in the database, on SQLite and PostgreSQL: any node redeems one, once."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, func, select

from agentfloor.adapters.bus import InMemoryEventBus
from agentfloor.adapters.storage import SqlUnitOfWorkFactory, upgrade_to_head
from agentfloor.adapters.storage.tables import VoiceStreamTokenRow
from agentfloor.core.clock import VirtualClock
from agentfloor.core.ids import UlidFactory
from agentfloor.runtime import access
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.voice_tokens import STREAM_TOKEN_TTL_S, StreamTokens


def node(engine: Engine, clock: VirtualClock) -> StreamTokens:
    """The token service of one API node (its own bus and sessions, the shared database)."""
    return StreamTokens(
        ServiceContext(SqlUnitOfWorkFactory(engine), InMemoryEventBus(), clock, UlidFactory(clock))
    )


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(VoiceStreamTokenRow)).scalar_one())


def test_a_token_issued_on_one_node_is_redeemed_on_another_once(empty_engine: Engine) -> None:
    upgrade_to_head(empty_engine)
    clock = VirtualClock()
    webhook_node, stream_node = node(empty_engine, clock), node(empty_engine, clock)
    tenant = access.create_tenant(webhook_node.ctx, name="Shop", slug="shop", default_region="GB")
    token = webhook_node.issue(tenant.id, "CA1")
    with empty_engine.connect() as conn:  # only the hash is stored
        assert conn.execute(select(VoiceStreamTokenRow.token_hash)).scalar_one() != token
    assert stream_node.redeem(token, "CA1") == tenant.id
    assert webhook_node.redeem(token, "CA1") is None  # used up, on any node
    assert stored(empty_engine) == 0


def test_wrong_call_expired_and_unknown_tokens_are_refused(empty_engine: Engine) -> None:
    upgrade_to_head(empty_engine)
    clock = VirtualClock()
    tokens = node(empty_engine, clock)
    tenant = access.create_tenant(tokens.ctx, name="Shop", slug="shop", default_region="GB")
    stolen = tokens.issue(tenant.id, "CA1")
    assert tokens.redeem(stolen, "CA2") is None
    assert tokens.redeem(stolen, "CA1") is None  # a try with the wrong call used it up
    late = tokens.issue(tenant.id, "CA3")
    clock.advance(STREAM_TOKEN_TTL_S + 1)
    assert tokens.redeem(late, "CA3") is None
    assert tokens.redeem("", "CA3") is None
    assert tokens.redeem("never-issued", "CA3") is None


def test_expired_tokens_are_purged_when_new_ones_are_issued(empty_engine: Engine) -> None:
    upgrade_to_head(empty_engine)
    clock = VirtualClock()
    tokens = node(empty_engine, clock)
    tenant = access.create_tenant(tokens.ctx, name="Shop", slug="shop", default_region="GB")
    for n in range(3):
        tokens.issue(tenant.id, f"CA{n}")
    assert stored(empty_engine) == 3
    clock.advance(STREAM_TOKEN_TTL_S + 1)
    tokens.issue(tenant.id, "CA9")
    assert stored(empty_engine) == 1


def test_two_nodes_redeeming_one_token_at_once_give_it_to_one(empty_engine: Engine) -> None:
    upgrade_to_head(empty_engine)
    clock = VirtualClock()
    nodes = [node(empty_engine, clock) for _ in range(4)]
    tenant = access.create_tenant(nodes[0].ctx, name="Shop", slug="shop", default_region="GB")
    for _ in range(5):
        token = nodes[0].issue(tenant.id, "CA1")
        start = threading.Barrier(len(nodes))
        got: list[str | None] = []

        def redeem(
            tokens: StreamTokens,
            token: str = token,
            start: threading.Barrier = start,
            got: list[str | None] = got,
        ) -> None:
            start.wait()
            got.append(tokens.redeem(token, "CA1"))

        threads = [threading.Thread(target=redeem, args=(n,)) for n in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert sorted(got, key=str) == [None, None, None, tenant.id]
