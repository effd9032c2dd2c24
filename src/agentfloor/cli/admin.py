"""Operator commands: `serve`, `db upgrade`, `tenant create` and `key create`."""

from __future__ import annotations

import re
from typing import Annotated

import typer
import uvicorn
from alembic.script import ScriptDirectory
from rich.markup import escape

from agentfloor.access.model import Role
from agentfloor.adapters.storage import alembic_config
from agentfloor.cli.common import err, masked_url, open_container, out, resolve_tenant, web_app
from agentfloor.runtime import access
from agentfloor.settings import Settings

__all__ = ["db_app", "key_app", "serve", "tenant_app"]

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants: one customer organisation each.", no_args_is_help=True)
key_app = typer.Typer(help="API keys (shown once, stored as a SHA-256).", no_args_is_help=True)


def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on [default: AGENTFLOOR_HOST]")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Port to listen on [default: AGENTFLOOR_PORT]"),
    ] = None,
) -> None:
    """Serve the REST and WebSocket API (migrates the database to the latest schema first)."""
    settings = Settings()
    update = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = settings.model_copy(update=update)
    with open_container(settings) as container:
        err.print(
            f"agentfloor on http://{settings.host}:{settings.port} "
            f"(database {escape(masked_url(settings.resolved_database_url()))})"
        )
        uvicorn.run(
            web_app(container),
            host=settings.host,
            port=settings.port,
            ws_per_message_deflate=False,  # chat frames are tiny: compressing costs CPU
        )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the configured database to the latest schema (a no-op when it is there)."""
    settings = Settings()
    with open_container(settings, upgrade=True) as container:
        head = ScriptDirectory.from_config(alembic_config(container.engine)).get_current_head()
    url = masked_url(settings.resolved_database_url())
    out.print(f"Database {escape(url)} is at head (revision {head}).")


def _slug_of(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63] or "tenant"


@tenant_app.command("create")
def tenant_create(
    name: Annotated[str, typer.Argument(help="The organisation's name.")],
    slug: Annotated[
        str | None,
        typer.Option(
            help="Short unique name: lower-case letters, digits, dashes [default: from NAME]"
        ),
    ] = None,
    region: Annotated[
        str, typer.Option(help="ISO region for national phone numbers, e.g. GB.")
    ] = "US",
    timezone: Annotated[
        str, typer.Option(help="IANA timezone for reports, e.g. Europe/London.")
    ] = "UTC",
) -> None:
    """Create a tenant and print its id."""
    with open_container() as container:
        tenant = access.create_tenant(
            container.ctx,
            name=name,
            slug=slug or _slug_of(name),
            default_region=region,
            timezone=timezone,
        )
    out.print(
        f"Created tenant '{escape(tenant.name)}' (slug {tenant.slug}, region "
        f"{tenant.default_region}, timezone {tenant.timezone}):"
    )
    out.print(tenant.id)


@key_app.command("create")
def key_create(
    tenant: Annotated[str, typer.Option(help="Tenant slug or id.")],
    role: Annotated[Role, typer.Option(help="What the key may do.")] = Role.ADMIN,
    name: Annotated[str | None, typer.Option(help="A label to recognise the key by.")] = None,
) -> None:
    """Create an API key and print it; it is shown this once."""
    with open_container() as container:
        found = resolve_tenant(container, tenant)
        issued = access.create_key(
            container.ctx,
            found.id,
            name=name or f"{role.value} key (cli)",
            role=role,
            actor=None,
        )
    out.print(f"API key {issued.key.id} for tenant {found.slug} (role {role.value}):")
    out.print(issued.secret_key)
    err.print(
        "[yellow]This key is shown once and cannot be shown again (only its SHA-256 is kept). "
        "Store it now.[/]"
    )
