"""What every CLI command shares: the consoles, settings from the environment, the container."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from agentfloor.access.model import Tenant
from agentfloor.bootstrap import Container, build
from agentfloor.runtime.access import get_tenant
from agentfloor.settings import Settings

__all__ = [
    "err",
    "masked_url",
    "open_container",
    "out",
    "resolve_tenant",
    "steps_progress",
    "web_app",
]

# soft_wrap: an API key or a curl line must never be broken across lines, or it cannot be copied.
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


def masked_url(url: str) -> str:
    """Return a database URL with its password replaced by `***`."""
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def open_container(
    settings: Settings | None = None, *, upgrade: bool = True
) -> Iterator[Container]:
    """Build the wired container from `AGENTFLOOR_*` settings and close it afterwards."""
    container = build(settings or Settings(), upgrade=upgrade)
    try:
        yield container
    finally:
        container.close()


def resolve_tenant(container: Container, tenant: str) -> Tenant:
    """Return the tenant with this slug or id; `NotFound` names what was asked for."""
    return get_tenant(container.ctx, tenant)


def web_app(container: Container) -> Any:
    """Build the web app (imported here, so commands that serve nothing start fast)."""
    from agentfloor.api.app import create_app

    return create_app(container)


def steps_progress() -> Progress:
    """Return the progress display of long commands (evaluations, simulations), with counts."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=True,
    )
