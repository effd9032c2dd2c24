"""Note services: write, edit, delete and list notes on customers and interactions."""

from __future__ import annotations

import dataclasses

from agentfloor.access.model import Principal
from agentfloor.core.errors import InvalidInput, NotFound, ProblemDetail
from agentfloor.core.pagination import Page
from agentfloor.crm.model import Note
from agentfloor.runtime.context import Changes, ServiceContext, snapshot
from agentfloor.runtime.uow import UnitOfWork

__all__ = ["create_note", "delete_note", "get_note", "list_notes", "update_note"]

MAX_NOTE_CHARS = 20_000


def _body(body: str) -> str:
    text = body.strip()
    if not text or len(text) > MAX_NOTE_CHARS:
        raise InvalidInput(
            f"a note needs 1-{MAX_NOTE_CHARS} characters of text",
            problems=[ProblemDetail("body", f"write 1-{MAX_NOTE_CHARS} characters")],
        )
    return text


def _require(uow: UnitOfWork, note_id: str) -> Note:
    note = uow.notes.get(note_id)
    if note is None:
        raise NotFound("note", note_id)
    return note


def create_note(
    ctx: ServiceContext,
    actor: Principal,
    *,
    body: str,
    customer_id: str | None,
    interaction_id: str | None,
) -> Note:
    """Write a note on a customer, or on an interaction (and so on its customer)."""
    text = _body(body)
    with ctx.uow(actor.tenant_id) as uow:
        if interaction_id is not None:
            interaction = uow.interactions.get(interaction_id)
            if interaction is None:
                raise NotFound("interaction", interaction_id)
            if customer_id is None:
                customer_id = interaction.customer_id
            elif interaction.customer_id not in (None, customer_id):
                raise InvalidInput(
                    f"interaction {interaction_id} belongs to customer "
                    f"{interaction.customer_id}, not {customer_id}",
                    problems=[ProblemDetail("customer_id", "does not match the interaction")],
                )
        if customer_id is None:
            raise InvalidInput(
                "a note needs a customer_id, or an interaction_id linked to a customer",
                problems=[ProblemDetail("customer_id", "required")],
            )
        if uow.customers.get(customer_id) is None:
            raise NotFound("customer", customer_id)
        now = ctx.clock.now()
        note = Note(
            id=ctx.ids.new("not"),
            tenant_id=actor.tenant_id,
            customer_id=customer_id,
            body=text,
            created_at=now,
            author_key_id=actor.key_id,
            interaction_id=interaction_id,
        )
        uow.notes.add(note)
        changes = Changes(ctx, uow, actor, now)
        changes.audit("note.created", "note", note.id, after=snapshot(note))
        changes.commit()
    return note


def get_note(ctx: ServiceContext, actor: Principal, note_id: str) -> Note:
    """Return one note."""
    with ctx.uow(actor.tenant_id) as uow:
        return _require(uow, note_id)


def update_note(ctx: ServiceContext, actor: Principal, note_id: str, body: str) -> Note:
    """Replace a note's text (the old text stays in the audit log)."""
    text = _body(body)
    with ctx.uow(actor.tenant_id) as uow:
        before = _require(uow, note_id)
        after = dataclasses.replace(before, body=text)
        uow.notes.save(after)
        changes = Changes(ctx, uow, actor, ctx.clock.now())
        changes.audit(
            "note.updated", "note", note_id, before=snapshot(before), after=snapshot(after)
        )
        changes.commit()
    return after


def delete_note(ctx: ServiceContext, actor: Principal, note_id: str) -> None:
    """Delete a note (its text stays in the audit log)."""
    with ctx.uow(actor.tenant_id) as uow:
        before = _require(uow, note_id)
        uow.notes.delete(note_id)
        changes = Changes(ctx, uow, actor, ctx.clock.now())
        changes.audit("note.deleted", "note", note_id, before=snapshot(before))
        changes.commit()


def list_notes(
    ctx: ServiceContext,
    actor: Principal,
    *,
    customer_id: str | None,
    interaction_id: str | None,
    after: str | None,
    limit: int,
) -> Page[Note]:
    """Return a page of notes, filtered by customer or interaction."""
    with ctx.uow(actor.tenant_id) as uow:
        return uow.notes.page(
            customer_id=customer_id, interaction_id=interaction_id, after=after, limit=limit
        )
