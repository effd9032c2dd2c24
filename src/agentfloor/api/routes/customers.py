"""`/v1/customers`: CRUD, identities, lookup in any format, merges, timeline, CSV import/export."""

from __future__ import annotations

import io
import tempfile
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from agentfloor.access.model import Principal, Role
from agentfloor.api.auth import allow, context, principal
from agentfloor.api.pagination import Cursor, Limit, PageOut, decode_cursor, encode_cursor
from agentfloor.api.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    IdentityIn,
    IdentityOut,
    ImportOut,
    MergeIn,
    MergeOut,
    TimelineEntryOut,
)
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.runtime import customers as svc
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.crm_import import export_customers, import_customers

__all__ = ["add_import_route", "router"]

router = APIRouter(prefix="/v1", tags=["customers"])
Ctx = Annotated[ServiceContext, Depends(context)]
Who = Annotated[Principal, Depends(principal)]
WRITERS = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.INTEGRATION)


def _out(view: svc.CustomerView) -> CustomerOut:
    c = view.customer
    return CustomerOut(
        id=c.id,
        name=c.name,
        external_id=c.external_id,
        attributes=c.attributes,
        merged_into=c.merged_into,
        created_at=c.created_at,
        updated_at=c.updated_at,
        identities=[IdentityOut.model_validate(i) for i in view.identities],
    )


@router.post("/customers", status_code=201, response_model=CustomerOut, **allow(*WRITERS))
def create_customer(body: CustomerIn, ctx: Ctx, who: Who) -> CustomerOut:
    """Create a customer; identities may be typed in any format and are normalised."""
    view = svc.create_customer(
        ctx,
        who,
        name=body.name,
        identities=[(i.kind.value, i.value) for i in body.identities],
        external_id=body.external_id,
        attributes=body.attributes,
    )
    return _out(view)


@router.get("/customers", response_model=PageOut[CustomerOut], **allow())
def list_customers(
    ctx: Ctx,
    who: Who,
    limit: Limit = 50,
    cursor: Cursor = None,
    name_contains: Annotated[str | None, Query(max_length=200)] = None,
    include_merged: bool = False,
) -> PageOut[CustomerOut]:
    """List customers oldest first; filter by part of the name."""
    page = svc.list_customers(
        ctx,
        who,
        name_contains=name_contains,
        include_merged=include_merged,
        after=decode_cursor(cursor),
        limit=limit,
    )
    return PageOut(items=[_out(v) for v in page.items], next_cursor=encode_cursor(page.next_after))


@router.get("/customers/lookup", response_model=CustomerOut, **allow())
def lookup_customer(
    ctx: Ctx,
    who: Who,
    value: Annotated[
        str,
        Query(min_length=1, max_length=320, description="Phone, e-mail or chat id, any format."),
    ],
    kind: Annotated[str | None, Query(pattern="^(phone|email|chat)$")] = None,
) -> CustomerOut:
    """Find the customer with this identity; `020 7946 0958` uses the tenant's default region."""
    return _out(svc.lookup_customer(ctx, who, value, kind))


@router.get("/customers/export", **allow(Role.ADMIN, Role.SUPERVISOR, Role.INTEGRATION))
def export(ctx: Ctx, who: Who) -> StreamingResponse:
    """Stream every live customer as CSV (re-importable)."""
    return StreamingResponse(
        export_customers(ctx, who.tenant_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="customers.csv"'},
    )


async def import_csv(request: Request, ctx: Ctx, who: Who) -> ImportOut:
    """Import customers from a CSV body; bad rows are reported by line, good rows all imported.

    The body streams to a temporary file (spilling to disk past 8 MB), then rows are read one at
    a time, so a 100k-row file never sits in memory whole. Re-importing the same file changes
    nothing.
    """
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith(("text/csv", "text/plain", "application/csv")):
        raise InvalidInput(
            "send the CSV as the request body with Content-Type: text/csv",
            problems=[ProblemDetail("header.content-type", f"got {ctype or 'none'}")],
        )
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        text = io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")
        try:
            report = await run_in_threadpool(import_customers, ctx, who, who.tenant_id, text)
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"the CSV is not UTF-8 (byte {exc.start}); save it as UTF-8 and send it again",
                problems=[ProblemDetail("body", "not UTF-8")],
            ) from exc
    return ImportOut.model_validate(report)


@router.get("/customers/{customer_id}", response_model=CustomerOut, **allow())
def get_customer(customer_id: str, ctx: Ctx, who: Who) -> CustomerOut:
    """Return one customer with identities."""
    return _out(svc.get_customer(ctx, who, customer_id))


@router.patch("/customers/{customer_id}", response_model=CustomerOut, **allow(*WRITERS))
def update_customer(customer_id: str, body: CustomerPatch, ctx: Ctx, who: Who) -> CustomerOut:
    """Change name, external id or attributes."""
    fields: dict[str, Any] = body.model_dump(exclude_unset=True)
    return _out(svc.update_customer(ctx, who, customer_id, fields))


@router.delete("/customers/{customer_id}", status_code=204, **allow(Role.ADMIN))
def delete_customer(customer_id: str, ctx: Ctx, who: Who) -> Response:
    """Delete a customer without history (merge customers that have history)."""
    svc.delete_customer(ctx, who, customer_id)
    return Response(status_code=204)


@router.post(
    "/customers/{customer_id}/identities",
    status_code=201,
    response_model=IdentityOut,
    **allow(*WRITERS),
)
def add_identity(customer_id: str, body: IdentityIn, ctx: Ctx, who: Who) -> IdentityOut:
    """Attach a phone, e-mail or chat id; 409 if it belongs to another customer."""
    identity = svc.add_identity(ctx, who, customer_id, body.kind.value, body.value)
    return IdentityOut.model_validate(identity)


@router.delete(
    "/customers/{customer_id}/identities/{identity_id}", status_code=204, **allow(*WRITERS)
)
def remove_identity(customer_id: str, identity_id: str, ctx: Ctx, who: Who) -> Response:
    """Detach an identity."""
    svc.remove_identity(ctx, who, customer_id, identity_id)
    return Response(status_code=204)


@router.get(
    "/customers/{customer_id}/timeline", response_model=PageOut[TimelineEntryOut], **allow()
)
def get_timeline(
    customer_id: str, ctx: Ctx, who: Who, limit: Limit = 50, cursor: Cursor = None
) -> PageOut[TimelineEntryOut]:
    """Every interaction, note and disposition of the customer across channels, newest first."""
    before = _timeline_position(decode_cursor(cursor))
    entries = svc.timeline(ctx, who, customer_id, before=before, limit=limit + 1)
    more = len(entries) > limit
    entries = entries[:limit]
    nxt = f"{entries[-1].at!r}|{entries[-1].id}" if more and entries else None
    return PageOut(
        items=[TimelineEntryOut.model_validate(e) for e in entries],
        next_cursor=encode_cursor(nxt),
    )


def _timeline_position(raw: str | None) -> tuple[float, str] | None:
    if raw is None:
        return None
    at, _, ident = raw.partition("|")
    try:
        return float(at), ident
    except ValueError as exc:
        raise InvalidInput(
            "the cursor is not one this API gave out",
            problems=[ProblemDetail("query.cursor", "invalid cursor")],
        ) from exc


@router.post(
    "/merges", status_code=201, response_model=MergeOut, **allow(Role.ADMIN, Role.SUPERVISOR)
)
def merge(body: MergeIn, ctx: Ctx, who: Who) -> MergeOut:
    """Merge two customers: identities, interactions and notes of the source move to the target."""
    return MergeOut.model_validate(svc.merge_customers(ctx, who, body.target_id, body.source_id))


@router.post(
    "/merges/{merge_id}/revert", response_model=MergeOut, **allow(Role.ADMIN, Role.SUPERVISOR)
)
def revert(merge_id: str, ctx: Ctx, who: Who) -> MergeOut:
    """Undo a merge exactly."""
    return MergeOut.model_validate(svc.revert_merge(ctx, who, merge_id))


def add_import_route(app_router: APIRouter, max_body_size: int) -> None:
    """Register `POST /v1/customers/import` with its own, larger, body limit."""
    app_router.add_api_route(
        "/v1/customers/import",
        import_csv,
        methods=["POST"],
        response_model=ImportOut,
        tags=["customers"],
        max_body_size=max_body_size,
        dependencies=allow(Role.ADMIN, Role.INTEGRATION)["dependencies"],
        openapi_extra={
            "x-roles": ["admin", "integration"],
            "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}},
        },
    )
