"""Authentication by API key and per-route roles.

Every `/v1` route is declared with `**allow(Role...)`: that adds the check as a dependency and
publishes the roles in the OpenAPI document as `x-roles`, so tests can walk the route table and
prove that no route escapes authentication or tenant scoping.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request

from agentfloor.access.model import Principal, Role
from agentfloor.core.errors import PermissionDenied, Unauthenticated
from agentfloor.runtime.access import authenticate
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.router import RouterService

__all__ = ["ALL_ROLES", "allow", "context", "key_from", "principal", "router_service"]

ALL_ROLES = tuple(Role)


def key_from(headers: Any, query: Any) -> str | None:
    """Find the API key in `Authorization: Bearer`, `X-API-Key`, or `?api_key=` (WebSockets)."""
    auth = headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return str(value.strip())
    key = headers.get("x-api-key") or query.get("api_key")
    return str(key) if key else None


def context(request: Request) -> ServiceContext:
    """Return the app's service context."""
    ctx: ServiceContext = request.app.state.container.ctx
    return ctx


def router_service(request: Request) -> RouterService:
    """Return the app's live router."""
    service: RouterService = request.app.state.container.router
    return service


def principal(request: Request) -> Principal:
    """Return the caller established by the route's role check."""
    who: Principal = request.state.principal
    return who


class _RoleCheck:
    def __init__(self, roles: tuple[Role, ...]) -> None:
        self.roles = roles

    def __call__(self, request: Request) -> Principal:
        key = key_from(request.headers, request.query_params)
        if key is None:
            raise Unauthenticated(
                "no API key; send it as 'Authorization: Bearer af_...' or an 'X-API-Key' header"
            )
        who = authenticate(context(request), key)
        if who.role not in self.roles:
            allowed = ", ".join(r.value for r in self.roles)
            raise PermissionDenied(
                f"a {who.role.value} key may not do this; it needs one of: {allowed}",
                extra={"required_roles": [r.value for r in self.roles]},
            )
        request.state.principal = who
        return who


def allow(*roles: Role) -> dict[str, Any]:
    """Route keyword arguments that require one of `roles` (none given: every role)."""
    chosen = roles or ALL_ROLES
    return {
        "dependencies": [Depends(_RoleCheck(chosen))],
        "openapi_extra": {"x-roles": [r.value for r in chosen]},
    }
