"""`/v1/interactions`: open interactions, move them through states, disposition, event log.

`GET /v1/interactions/{id}/recording` downloads a recorded call (`audio/wav`, two channels:
the caller, then what they heard; see `runtime.voice_recording`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from agentfloor.access.model import Principal, Role
from agentfloor.api.auth import allow, context, principal
from agentfloor.api.pagination import Cursor, Limit, PageOut, decode_cursor, encode_cursor
from agentfloor.api.schemas import (
    InteractionEventOut,
    InteractionIn,
    InteractionOut,
    InteractionPatch,
    SetDispositionIn,
    StateChangeIn,
)
from agentfloor.interactions.model import Channel
from agentfloor.interactions.states import InteractionState
from agentfloor.runtime import interactions as svc
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.voice_recording import recording_file

__all__ = ["router"]

router = APIRouter(prefix="/v1/interactions", tags=["interactions"])
Ctx = Annotated[ServiceContext, Depends(context)]
Who = Annotated[Principal, Depends(principal)]


@router.post("", status_code=201, response_model=InteractionOut, **allow())
def create_interaction(body: InteractionIn, ctx: Ctx, who: Who) -> InteractionOut:
    """Open an interaction (state `created`)."""
    interaction = svc.create_interaction(
        ctx,
        who,
        channel=body.channel,
        direction=body.direction,
        customer_id=body.customer_id,
        queue_id=body.queue_id,
        reason=body.reason,
        attributes=body.attributes,
    )
    return InteractionOut.model_validate(interaction)


@router.get("", response_model=PageOut[InteractionOut], **allow())
def list_interactions(
    ctx: Ctx,
    who: Who,
    limit: Limit = 50,
    cursor: Cursor = None,
    customer_id: str | None = None,
    channel: Channel | None = None,
    state: InteractionState | None = None,
    queue_id: str | None = None,
    worker_id: str | None = None,
) -> PageOut[InteractionOut]:
    """List interactions oldest first, filtered by customer, channel, state, queue or worker."""
    page = svc.list_interactions(
        ctx,
        who,
        after=decode_cursor(cursor),
        limit=limit,
        customer_id=customer_id,
        channel=channel.value if channel else None,
        state=state.value if state else None,
        queue_id=queue_id,
        worker_id=worker_id,
    )
    return PageOut(
        items=[InteractionOut.model_validate(i) for i in page.items],
        next_cursor=encode_cursor(page.next_after),
    )


@router.get("/{interaction_id}", response_model=InteractionOut, **allow())
def get_interaction(interaction_id: str, ctx: Ctx, who: Who) -> InteractionOut:
    """Return one interaction."""
    return InteractionOut.model_validate(svc.get_interaction(ctx, who, interaction_id))


@router.patch("/{interaction_id}", response_model=InteractionOut, **allow())
def update_interaction(
    interaction_id: str, body: InteractionPatch, ctx: Ctx, who: Who
) -> InteractionOut:
    """Link a customer, set queue, worker, reason or attributes."""
    fields: dict[str, Any] = body.model_dump(exclude_unset=True)
    return InteractionOut.model_validate(svc.update_interaction(ctx, who, interaction_id, fields))


@router.post("/{interaction_id}/state", response_model=InteractionOut, **allow())
def change_state(interaction_id: str, body: StateChangeIn, ctx: Ctx, who: Who) -> InteractionOut:
    """Move the interaction to another state; an illegal move is a 409 naming the legal ones."""
    interaction = svc.change_state(ctx, who, interaction_id, body.state, reason=body.reason)
    return InteractionOut.model_validate(interaction)


@router.post(
    "/{interaction_id}/disposition",
    response_model=InteractionOut,
    **allow(Role.ADMIN, Role.SUPERVISOR, Role.AGENT),
)
def set_disposition(
    interaction_id: str, body: SetDispositionIn, ctx: Ctx, who: Who
) -> InteractionOut:
    """Set the outcome code (connected, wrap-up or completed interactions)."""
    return InteractionOut.model_validate(svc.set_disposition(ctx, who, interaction_id, body.code))


@router.get("/{interaction_id}/events", response_model=list[InteractionEventOut], **allow())
def list_events(interaction_id: str, ctx: Ctx, who: Who) -> list[InteractionEventOut]:
    """Return the interaction's append-only event log, in order."""
    events = svc.interaction_events(ctx, who, interaction_id)
    return [InteractionEventOut.model_validate(e) for e in events]


@router.get(
    "/{interaction_id}/recording",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}, "description": "The call's recording"}},
    **allow(Role.ADMIN, Role.SUPERVISOR),
)
def get_recording(interaction_id: str, request: Request, ctx: Ctx, who: Who) -> FileResponse:
    """Download a recorded call as a WAV (404 when it was not recorded)."""
    interaction = svc.get_interaction(ctx, who, interaction_id)  # 404 outside the tenant
    settings = request.app.state.container.settings
    path = recording_file(
        settings.resolved_recordings_dir(),
        who.tenant_id,
        interaction_id,
        call_over=interaction.is_final,
    )
    return FileResponse(path, media_type="audio/wav", filename=f"{interaction_id}.wav")
