"""Tenants and API keys: create, authenticate, list, revoke."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from agentfloor.access.model import (
    ApiKey,
    Principal,
    Role,
    Tenant,
    format_key,
    hash_secret,
    parse_key,
    validate_slug,
)
from agentfloor.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    ProblemDetail,
    Unauthenticated,
)
from agentfloor.core.ids import new_secret
from agentfloor.runtime.context import Changes, ServiceContext, snapshot

__all__ = [
    "IssuedKey",
    "authenticate",
    "create_key",
    "create_tenant",
    "get_tenant",
    "list_keys",
    "revoke_key",
]


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key just created: `secret_key` is the full key, shown this once and never again."""

    key: ApiKey
    secret_key: str


def create_tenant(
    ctx: ServiceContext, *, name: str, slug: str, default_region: str = "US", timezone: str = "UTC"
) -> Tenant:
    """Create a tenant; the slug must be unique, the region and timezone real."""
    problems: list[ProblemDetail] = []
    if not name.strip():
        problems.append(ProblemDetail("name", "a tenant needs a name"))
    region = default_region.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        problems.append(
            ProblemDetail("default_region", f"{default_region!r} is not an ISO region like GB")
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            ProblemDetail("timezone", f"{timezone!r} is not an IANA timezone like Europe/London")
        )
    try:
        validate_slug(slug)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), problems=problems)
    with ctx.uow(None) as uow:
        if uow.tenants.get_by_slug(slug) is not None:
            raise Conflict(f"a tenant with slug {slug!r} already exists; choose another slug")
        tenant = Tenant(
            id=ctx.ids.new("ten"),
            name=name.strip(),
            slug=slug,
            default_region=region,
            timezone=timezone,
            created_at=ctx.clock.now(),
        )
        uow.tenants.add(tenant)
        uow.commit()
    return tenant


def get_tenant(ctx: ServiceContext, tenant: str) -> Tenant:
    """Return a tenant by id or slug, or raise `NotFound` naming what was asked for."""
    with ctx.uow(None) as uow:
        found = uow.tenants.get(tenant) or uow.tenants.get_by_slug(tenant)
    if found is None:
        raise NotFound("tenant", tenant)
    return found


def create_key(
    ctx: ServiceContext,
    tenant_id: str,
    *,
    name: str,
    role: Role | str,
    actor: Principal | None,
    worker_id: str | None = None,
) -> IssuedKey:
    """Create an API key for a tenant and return it with its full secret (shown once).

    `worker_id` binds an agent key to one worker: it may then accept, reject and complete only
    that worker's reservations and tasks.
    """
    try:
        role = Role(role)
    except ValueError as exc:
        raise InvalidInput(
            f"role {role!r} is not one of {', '.join(r.value for r in Role)}",
            problems=[ProblemDetail("role", "use admin, supervisor, agent or integration")],
        ) from exc
    if not name.strip():
        raise InvalidInput("a key needs a name", problems=[ProblemDetail("name", "required")])
    get_tenant(ctx, tenant_id)
    secret = new_secret()
    with ctx.uow(tenant_id) as uow:
        if worker_id is not None and uow.workers.get(worker_id) is None:
            raise InvalidInput(
                f"there is no worker {worker_id!r} to bind this key to",
                problems=[ProblemDetail("worker_id", f"no worker {worker_id!r}")],
            )
        now = ctx.clock.now()
        key = ApiKey(
            id=ctx.ids.new("key"),
            tenant_id=tenant_id,
            name=name.strip(),
            role=role,
            secret_hash=hash_secret(secret),
            created_at=now,
            worker_id=worker_id,
        )
        uow.api_keys.add(key)
        changes = Changes(ctx, uow, actor, now)
        changes.audit("api_key.created", "api_key", key.id, after=_public(key))
        changes.commit()
    return IssuedKey(key=key, secret_key=format_key(key.id, secret))


def list_keys(ctx: ServiceContext, tenant_id: str) -> list[ApiKey]:
    """Return a tenant's keys (without secrets)."""
    with ctx.uow(tenant_id) as uow:
        return uow.api_keys.of_tenant(tenant_id)


def revoke_key(ctx: ServiceContext, actor: Principal, key_id: str) -> ApiKey:
    """Revoke a key of the actor's tenant; it stops working at once."""
    with ctx.uow(actor.tenant_id) as uow:
        key = uow.api_keys.get(key_id)
        if key is None or key.tenant_id != actor.tenant_id:
            raise NotFound("api key", key_id)
        if key.revoked_at is not None:
            return key
        now = ctx.clock.now()
        revoked = dataclasses.replace(key, revoked_at=now)
        uow.api_keys.save(revoked)
        changes = Changes(ctx, uow, actor, now)
        changes.audit(
            "api_key.revoked", "api_key", key.id, before=_public(key), after=_public(revoked)
        )
        changes.commit()
    return revoked


def authenticate(ctx: ServiceContext, full_key: str) -> Principal:
    """Return who is calling, or raise `Unauthenticated` for unknown, revoked or bad keys."""
    try:
        key_id, secret = parse_key(full_key)
    except InvalidInput as exc:
        raise Unauthenticated(exc.message) from exc
    with ctx.uow(None) as uow:
        key = uow.api_keys.get(key_id)
        tenant = uow.tenants.get(key.tenant_id) if key is not None else None
    if key is None or tenant is None or not key.matches(secret):
        raise Unauthenticated("unknown API key; check it was copied whole, or create a new one")
    if not key.is_active:
        raise Unauthenticated("this API key was revoked; ask an admin for a new one")
    return Principal(tenant_id=key.tenant_id, key_id=key.id, role=key.role, worker_id=key.worker_id)


def _public(key: ApiKey) -> dict[str, object]:
    data = snapshot(key)
    data.pop("secret_hash", None)
    return data
