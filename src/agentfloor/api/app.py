"""The FastAPI application factory: `/v1` REST + WebSocket, OpenAPI at `/openapi.json`."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from agentfloor import __version__
from agentfloor.access.model import validate_slug
from agentfloor.api.errors import install_error_handlers
from agentfloor.api.limits import ProblemFor413
from agentfloor.api.routes import (
    admin,
    analytics,
    assistant,
    catalog,
    chat,
    customers,
    events,
    flows,
    interactions,
    notes,
    routing,
    simulations,
    voice,
    voice_agent,
    wfm,
)
from agentfloor.bootstrap import Container
from agentfloor.runtime.router_timers import RouterTimers

__all__ = ["create_app"]

log = logging.getLogger(__name__)


class _App(FastAPI):
    """FastAPI whose outermost layer answers body-limit 413s as problems."""

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        return ProblemFor413(inner, default_limit=self.max_body_size or 0)


async def _close_idle_chats(container: Container) -> None:
    """Once a minute, give chats that went quiet on the AI agent their outcome."""
    every_s = min(60.0, container.settings.chat_idle_s / 2)
    while True:
        await asyncio.sleep(every_s)
        try:
            await asyncio.to_thread(_sweep, container)
        except Exception:  # a bad moment (database restart): try again next time
            log.exception("closing idle chats failed")


def _warm(container: Container) -> None:
    try:
        container.nlu.warm()
    except Exception:  # the first AI turn loads what is missing, and says why if it cannot
        log.exception("warming the NLU models failed")


def _sweep(container: Container) -> None:
    with container.ctx.uow(None) as uow:
        tenants = [t.id for t in uow.tenants.all()]
    for tenant_id in tenants:
        container.assistant.close_idle(tenant_id, container.settings.chat_idle_s)


def create_app(container: Container) -> FastAPI:
    """Build the app around a wired container (the caller owns and closes the container)."""
    settings = container.settings
    timers = RouterTimers(container.router, container.ctx.clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await timers.start()
        # The sentence encoder and default intent model take seconds to load: do it now, in the
        # background, rather than while the first customer waits for an answer. A daemon thread,
        # not the loop's executor: a server stopped while it loads must not wait for it (it only
        # fills in-memory caches; nothing is written).
        threading.Thread(target=_warm, args=(container,), name="nlu-warm", daemon=True).start()
        sweeping = asyncio.create_task(_close_idle_chats(container))
        try:
            yield
        finally:
            await timers.stop()
            sweeping.cancel()
            await asyncio.gather(sweeping, return_exceptions=True)
            voice.close_voice(app.state)

    app = _App(
        lifespan=lifespan,
        title="agentfloor",
        version=__version__,
        description="Contact centre and back-office operations where AI agents work beside "
        "people. Authenticate with `Authorization: Bearer af_...`; errors are RFC 9457 problems.",
        max_body_size=settings.max_body_bytes,
    )
    app.state.container = container
    app.state.chat = container.chat
    install_error_handlers(app)
    customers.add_import_route(app.router, settings.max_upload_bytes)
    for module in (
        customers,
        interactions,
        notes,
        catalog,
        routing,
        flows,
        assistant,
        admin,
        events,
        chat,
        wfm,
        analytics,
        simulations,
        voice,
        voice_agent,
    ):
        app.include_router(module.router)
    # The chat widget and its demo page; a data path, not an import of the `web` layer above.
    static = Path(str(resources.files("agentfloor") / "web" / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/demo", include_in_schema=False, response_model=None)
    def demo(tenant: str = "demo") -> HTMLResponse:
        """Serve a pretend shop page with the chat widget of tenant `tenant` (slug; `demo`)."""
        slug = validate_slug(tenant.strip().lower())  # letters, digits, dashes: safe in HTML
        page = (static / "demo.html").read_text(encoding="utf-8")
        return HTMLResponse(page.replace('data-tenant="demo"', f'data-tenant="{slug}"'))

    @app.get("/desk", include_in_schema=False, response_model=None)
    def desk() -> FileResponse:
        """Serve the agent desktop (static page; it signs in with an agent key)."""
        return FileResponse(static / "desk.html")

    @app.get("/wallboard", include_in_schema=False, response_model=None)
    def wallboard() -> FileResponse:
        """Serve the supervisor wallboard (static page; it signs in with a supervisor key)."""
        return FileResponse(static / "wallboard.html")

    @app.get("/admin", include_in_schema=False, response_model=None)
    def admin_pages() -> FileResponse:
        """Serve the admin pages (static page; it signs in with an admin key)."""
        return FileResponse(static / "admin.html")

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["meta"], responses={503: {"description": "Still warming up."}})
    def readyz() -> JSONResponse:
        """Readiness: the AI agent's models are loaded (503 while they load, seconds at start)."""
        if container.nlu.ready:
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "warming up"}, status_code=503)

    return app
