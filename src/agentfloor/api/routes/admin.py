"""`/v1/api-keys`, `/v1/me` and `/v1/audit-log`: access management and who changed what."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from agentfloor.access.model import Principal, Role
from agentfloor.api.auth import allow, context, principal
from agentfloor.api.pagination import Cursor, Limit, PageOut, decode_cursor, encode_cursor
from agentfloor.api.schemas import ApiKeyIn, ApiKeyIssuedOut, ApiKeyOut, AuditOut
from agentfloor.runtime import access
from agentfloor.runtime.catalog import list_audit
from agentfloor.runtime.context import ServiceContext

__all__ = ["router"]

router = APIRouter(prefix="/v1")
Ctx = Annotated[ServiceContext, Depends(context)]
Who = Annotated[Principal, Depends(principal)]


@router.post(
    "/api-keys",
    status_code=201,
    response_model=ApiKeyIssuedOut,
    tags=["access"],
    **allow(Role.ADMIN),
)
def create_key(body: ApiKeyIn, ctx: Ctx, who: Who) -> ApiKeyIssuedOut:
    """Create a key; the response carries the full key once, it is never shown again."""
    issued = access.create_key(
        ctx, who.tenant_id, name=body.name, role=body.role, actor=who, worker_id=body.worker_id
    )
    base = ApiKeyOut.model_validate(issued.key).model_dump()
    return ApiKeyIssuedOut(**base, key=issued.secret_key)


@router.get("/api-keys", response_model=list[ApiKeyOut], tags=["access"], **allow(Role.ADMIN))
def list_keys(ctx: Ctx, who: Who) -> list[ApiKeyOut]:
    """List the tenant's keys (no secrets)."""
    return [ApiKeyOut.model_validate(k) for k in access.list_keys(ctx, who.tenant_id)]


@router.post(
    "/api-keys/{key_id}/revoke", response_model=ApiKeyOut, tags=["access"], **allow(Role.ADMIN)
)
def revoke_key(key_id: str, ctx: Ctx, who: Who) -> ApiKeyOut:
    """Revoke a key; it stops working at once."""
    return ApiKeyOut.model_validate(access.revoke_key(ctx, who, key_id))


class MeOut(BaseModel):
    """The caller as its key says: tenant, key, role and the worker an agent key acts as."""

    tenant_id: str
    key_id: str
    role: Role
    worker_id: str | None


@router.get("/me", response_model=MeOut, tags=["access"], **allow())
def me(who: Who) -> MeOut:
    """Who this key is: a sign-in form checks a key with it (401 for a bad one)."""
    return MeOut(tenant_id=who.tenant_id, key_id=who.key_id, role=who.role, worker_id=who.worker_id)


@router.get(
    "/audit-log",
    response_model=PageOut[AuditOut],
    tags=["access"],
    **allow(Role.ADMIN, Role.SUPERVISOR),
)
def audit_log(
    ctx: Ctx,
    who: Who,
    limit: Limit = 50,
    cursor: Cursor = None,
    resource_type: Annotated[str | None, Query(max_length=64)] = None,
    resource_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> PageOut[AuditOut]:
    """Who changed what, newest first."""
    page = list_audit(
        ctx,
        who,
        resource_type=resource_type,
        resource_id=resource_id,
        action=action,
        after=decode_cursor(cursor),
        limit=limit,
    )
    return PageOut(
        items=[AuditOut.model_validate(e) for e in page.items],
        next_cursor=encode_cursor(page.next_after),
    )
