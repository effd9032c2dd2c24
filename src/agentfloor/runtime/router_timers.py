"""The router's clock: an asyncio task that calls `tick` when the next timer falls due.

Offer timeouts, escalations and wrap-up ends are timers inside the engines; this loop sleeps
until the earliest one (or until a command moves a deadline earlier) and fires them. Ticking runs
in a worker thread, like the API handlers, because it writes to the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from agentfloor.core.clock import Clock
from agentfloor.core.errors import AgentfloorError
from agentfloor.runtime.router import RouterService

__all__ = ["RouterTimers"]

log = logging.getLogger(__name__)
IDLE_WAKE_S = 30.0  # with no timer at all, look again this often (cheap, and a safety net)


class RouterTimers:
    """Runs the router's timers on the running event loop until stopped."""

    def __init__(self, router: RouterService, clock: Clock) -> None:
        self._router = router
        self._clock = clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Rebuild every tenant's engine, then start the timer loop."""
        loop = asyncio.get_running_loop()

        def wake() -> None:
            loop.call_soon_threadsafe(self._wake.set)

        self._router.on_change(wake)
        await asyncio.to_thread(self._router.load_all)
        self._task = asyncio.create_task(self._run(), name="agentfloor-router-timers")

    async def stop(self) -> None:
        """Stop the loop (timers not yet due fire after the next start)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            deadline = self._router.next_deadline()
            delay = IDLE_WAKE_S if deadline is None else max(0.0, deadline - self._clock.now())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(delay, IDLE_WAKE_S))
            self._wake.clear()
            deadline = self._router.next_deadline()
            if deadline is not None and deadline <= self._clock.now():
                try:
                    await asyncio.to_thread(self._router.tick)
                except AgentfloorError:
                    # Nothing is lost: the router dropped the tenant's engine and rebuilds it
                    # from the database, where the timers still are; retry after a pause.
                    log.exception("router tick failed; the engine is rebuilt and retried")
                    await asyncio.sleep(1.0)
