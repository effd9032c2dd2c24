"""`/v1/notes`: notes on customers and interactions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from agentfloor.access.model import Principal, Role
from agentfloor.api.auth import allow, context, principal
from agentfloor.api.pagination import Cursor, Limit, PageOut, decode_cursor, encode_cursor
from agentfloor.api.schemas import NoteIn, NoteOut, NotePatch
from agentfloor.runtime import notes as svc
from agentfloor.runtime.context import ServiceContext

__all__ = ["router"]

router = APIRouter(prefix="/v1/notes", tags=["notes"])
Ctx = Annotated[ServiceContext, Depends(context)]
Who = Annotated[Principal, Depends(principal)]


@router.post("", status_code=201, response_model=NoteOut, **allow())
def create_note(body: NoteIn, ctx: Ctx, who: Who) -> NoteOut:
    """Write a note on a customer or an interaction."""
    note = svc.create_note(
        ctx, who, body=body.body, customer_id=body.customer_id, interaction_id=body.interaction_id
    )
    return NoteOut.model_validate(note)


@router.get("", response_model=PageOut[NoteOut], **allow())
def list_notes(
    ctx: Ctx,
    who: Who,
    limit: Limit = 50,
    cursor: Cursor = None,
    customer_id: str | None = None,
    interaction_id: str | None = None,
) -> PageOut[NoteOut]:
    """List notes oldest first, by customer or interaction."""
    page = svc.list_notes(
        ctx,
        who,
        customer_id=customer_id,
        interaction_id=interaction_id,
        after=decode_cursor(cursor),
        limit=limit,
    )
    return PageOut(
        items=[NoteOut.model_validate(n) for n in page.items],
        next_cursor=encode_cursor(page.next_after),
    )


@router.get("/{note_id}", response_model=NoteOut, **allow())
def get_note(note_id: str, ctx: Ctx, who: Who) -> NoteOut:
    """Return one note."""
    return NoteOut.model_validate(svc.get_note(ctx, who, note_id))


@router.patch("/{note_id}", response_model=NoteOut, **allow(Role.ADMIN, Role.SUPERVISOR))
def update_note(note_id: str, body: NotePatch, ctx: Ctx, who: Who) -> NoteOut:
    """Replace a note's text (the old text stays in the audit log)."""
    return NoteOut.model_validate(svc.update_note(ctx, who, note_id, body.body))


@router.delete("/{note_id}", status_code=204, **allow(Role.ADMIN, Role.SUPERVISOR))
def delete_note(note_id: str, ctx: Ctx, who: Who) -> Response:
    """Delete a note (its text stays in the audit log)."""
    svc.delete_note(ctx, who, note_id)
    return Response(status_code=204)
