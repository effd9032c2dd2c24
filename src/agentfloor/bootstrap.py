"""Composition root: `Settings` in, a wired `Container` out; the only place adapters are picked."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from agentfloor.adapters.bus import InMemoryEventBus
from agentfloor.adapters.llm import OpenAICompatibleClient
from agentfloor.adapters.storage import SqlUnitOfWorkFactory, create_engine_for, upgrade_to_head
from agentfloor.agents.llm import LlmClient
from agentfloor.core.clock import SystemClock
from agentfloor.core.ids import UlidFactory
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.router import RouterService
from agentfloor.settings import Settings

__all__ = ["Container", "build"]


@dataclass(slots=True)
class Container:
    """Everything an entry point needs; `close()` releases the database connections."""

    settings: Settings
    engine: Engine
    ctx: ServiceContext
    router: RouterService
    llm: LlmClient | None = None

    def close(self) -> None:
        """Dispose of the connection pool."""
        self.engine.dispose()


def build(settings: Settings | None = None, *, upgrade: bool = True) -> Container:
    """Wire the embedded defaults (or PostgreSQL when configured); migrate to head if asked."""
    settings = settings or Settings()
    engine = create_engine_for(settings.resolved_database_url())
    if upgrade:
        upgrade_to_head(engine)
    clock = SystemClock()
    ctx = ServiceContext(
        uow=SqlUnitOfWorkFactory(engine),
        bus=InMemoryEventBus(),
        clock=clock,
        ids=UlidFactory(clock),
    )
    llm: LlmClient | None = None
    if settings.llm_base_url:
        llm = OpenAICompatibleClient(
            settings.llm_base_url,
            settings.llm_model,
            api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
        )
    return Container(settings=settings, engine=engine, ctx=ctx, router=RouterService(ctx), llm=llm)
