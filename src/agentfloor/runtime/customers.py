"""Customer services: create, update, identities, lookup in any format, merge, undo, timeline."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from agentfloor.access.model import Principal
from agentfloor.core.errors import Conflict, InvalidInput, NotFound, ProblemDetail
from agentfloor.core.pagination import Page
from agentfloor.crm.identities import IdentityKind, normalize_identity
from agentfloor.crm.model import Customer, Identity, Merge, TimelineEntry
from agentfloor.runtime.context import Changes, ServiceContext, snapshot
from agentfloor.runtime.uow import UnitOfWork

__all__ = [
    "CustomerView",
    "add_identity",
    "create_customer",
    "delete_customer",
    "get_customer",
    "list_customers",
    "lookup_customer",
    "merge_customers",
    "remove_identity",
    "revert_merge",
    "timeline",
    "update_customer",
]


@dataclass(frozen=True, slots=True)
class CustomerView:
    """A customer with its identities."""

    customer: Customer
    identities: list[Identity]


def _tenant_region(uow: UnitOfWork) -> str:
    assert uow.tenant_id is not None
    tenant = uow.tenants.get(uow.tenant_id)
    return tenant.default_region if tenant else "US"


def _normalized(
    uow: UnitOfWork, identities: list[tuple[str, str]], *, loc: str = "identities"
) -> list[tuple[IdentityKind, str]]:
    region = _tenant_region(uow)
    out: list[tuple[IdentityKind, str]] = []
    problems: list[ProblemDetail] = []
    for i, (kind, raw) in enumerate(identities):
        try:
            pair = normalize_identity(kind, raw, region, loc=f"{loc}[{i}].value")
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        if pair not in out:
            out.append(pair)
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), problems=problems)
    return out


def _require(uow: UnitOfWork, customer_id: str) -> Customer:
    customer = uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer


def _attach(changes: Changes, customer: Customer, kind: IdentityKind, value: str) -> Identity:
    uow = changes.uow
    existing = uow.customers.find_identity(kind, value)
    if existing is not None:
        if existing.customer_id == customer.id:
            return existing
        raise Conflict(
            f"{kind.value} {value} already belongs to customer {existing.customer_id}; "
            "merge the two customers instead",
            extra={"customer_id": existing.customer_id},
        )
    identity = Identity(
        id=changes.ctx.ids.new("idn"),
        tenant_id=changes.tenant_id,
        customer_id=customer.id,
        kind=kind,
        value=value,
        created_at=changes.now,
    )
    uow.customers.add_identity(identity)
    return identity


def create_customer(
    ctx: ServiceContext,
    actor: Principal,
    *,
    name: str,
    identities: list[tuple[str, str]],
    external_id: str | None = None,
    attributes: dict[str, Any] | None = None,
) -> CustomerView:
    """Create a customer with identities given in any format (normalised here)."""
    with ctx.uow(actor.tenant_id) as uow:
        pairs = _normalized(uow, identities)
        if not name.strip() and not pairs:
            raise InvalidInput(
                "a customer needs a name or at least one identity (phone, email, chat)",
                problems=[ProblemDetail("name", "give a name or an identity")],
            )
        now = ctx.clock.now()
        customer = Customer(
            id=ctx.ids.new("cus"),
            tenant_id=actor.tenant_id,
            name=name.strip(),
            created_at=now,
            updated_at=now,
            external_id=external_id,
            attributes=dict(attributes or {}),
        )
        uow.customers.add(customer)
        changes = Changes(ctx, uow, actor, now)
        made = [_attach(changes, customer, kind, value) for kind, value in pairs]
        changes.audit(
            "customer.created",
            "customer",
            customer.id,
            after={**snapshot(customer), "identities": [snapshot(i) for i in made]},
        )
        changes.commit()
    return CustomerView(customer, made)


def get_customer(ctx: ServiceContext, actor: Principal, customer_id: str) -> CustomerView:
    """Return a customer with its identities."""
    with ctx.uow(actor.tenant_id) as uow:
        customer = _require(uow, customer_id)
        return CustomerView(customer, uow.customers.identities_of(customer_id))


def list_customers(
    ctx: ServiceContext,
    actor: Principal,
    *,
    name_contains: str | None,
    include_merged: bool,
    after: str | None,
    limit: int,
) -> Page[CustomerView]:
    """Return a page of customers with their identities."""
    with ctx.uow(actor.tenant_id) as uow:
        page = uow.customers.page(
            name_contains=name_contains, include_merged=include_merged, after=after, limit=limit
        )
        views = [CustomerView(c, uow.customers.identities_of(c.id)) for c in page.items]
    return Page(views, page.next_after)


def update_customer(
    ctx: ServiceContext, actor: Principal, customer_id: str, fields: dict[str, Any]
) -> CustomerView:
    """Change name, external_id or attributes (only the fields given)."""
    with ctx.uow(actor.tenant_id) as uow:
        before = _require(uow, customer_id)
        if before.merged_into:
            raise Conflict(
                f"customer {customer_id} was merged into {before.merged_into}; edit that one"
            )
        now = ctx.clock.now()
        after = dataclasses.replace(before, **fields, updated_at=now)
        uow.customers.save(after)
        changes = Changes(ctx, uow, actor, now)
        changes.audit(
            "customer.updated",
            "customer",
            customer_id,
            before=snapshot(before),
            after=snapshot(after),
        )
        changes.commit()
        return CustomerView(after, uow.customers.identities_of(customer_id))


def delete_customer(ctx: ServiceContext, actor: Principal, customer_id: str) -> None:
    """Delete a customer who has no interactions and no notes (history is never destroyed)."""
    with ctx.uow(actor.tenant_id) as uow:
        customer = _require(uow, customer_id)
        if uow.interactions.ids_of_customer(customer_id) or uow.notes.ids_of_customer(customer_id):
            raise Conflict(
                f"customer {customer_id} has interactions or notes; merge it into another "
                "customer instead of deleting it"
            )
        identities = uow.customers.identities_of(customer_id)
        for identity in identities:
            uow.customers.delete_identity(identity.id)
        uow.customers.delete(customer_id)
        changes = Changes(ctx, uow, actor, ctx.clock.now())
        changes.audit(
            "customer.deleted",
            "customer",
            customer_id,
            before={**snapshot(customer), "identities": [snapshot(i) for i in identities]},
        )
        changes.commit()


def add_identity(
    ctx: ServiceContext, actor: Principal, customer_id: str, kind: str, value: str
) -> Identity:
    """Attach one more identity, normalised; `Conflict` if another customer has it."""
    with ctx.uow(actor.tenant_id) as uow:
        customer = _require(uow, customer_id)
        ((k, v),) = _normalized(uow, [(kind, value)], loc="body")
        changes = Changes(ctx, uow, actor, ctx.clock.now())
        identity = _attach(changes, customer, k, v)
        changes.audit("customer.identity_added", "customer", customer_id, after=snapshot(identity))
        changes.commit()
    return identity


def remove_identity(
    ctx: ServiceContext, actor: Principal, customer_id: str, identity_id: str
) -> None:
    """Detach an identity from a customer."""
    with ctx.uow(actor.tenant_id) as uow:
        _require(uow, customer_id)
        identity = next(
            (i for i in uow.customers.identities_of(customer_id) if i.id == identity_id), None
        )
        if identity is None:
            raise NotFound("identity", identity_id)
        uow.customers.delete_identity(identity_id)
        changes = Changes(ctx, uow, actor, ctx.clock.now())
        changes.audit(
            "customer.identity_removed", "customer", customer_id, before=snapshot(identity)
        )
        changes.commit()


def lookup_customer(
    ctx: ServiceContext, actor: Principal, value: str, kind: str | None = None
) -> CustomerView:
    """Find a customer by any identity typed in any format.

    Without `kind`, text with an `@` is an e-mail, text that reads as a phone number in the
    tenant's region is a phone, anything else a chat id. A merged-away customer resolves to the
    customer it was merged into.
    """
    with ctx.uow(actor.tenant_id) as uow:
        candidates: list[tuple[IdentityKind, str]] = []
        kinds = [IdentityKind(kind)] if kind else _guess_kinds(value)
        region = _tenant_region(uow)
        errors: list[InvalidInput] = []
        for k in kinds:
            try:
                candidates.append(normalize_identity(k, value, region, loc="value"))
            except InvalidInput as exc:
                errors.append(exc)
        if not candidates and errors:
            raise errors[0]
        for k, v in candidates:
            identity = uow.customers.find_identity(k, v)
            if identity is not None:
                customer = _require(uow, identity.customer_id)
                while customer.merged_into:
                    customer = _require(uow, customer.merged_into)
                return CustomerView(customer, uow.customers.identities_of(customer.id))
    raise NotFound("customer with identity", value)


def _guess_kinds(value: str) -> list[IdentityKind]:
    if "@" in value:
        return [IdentityKind.EMAIL]
    digits = sum(c.isdigit() for c in value)
    if digits >= 5 and digits >= len(value.replace(" ", "")) * 0.6:
        return [IdentityKind.PHONE, IdentityKind.CHAT]
    return [IdentityKind.CHAT]


def merge_customers(ctx: ServiceContext, actor: Principal, target_id: str, source_id: str) -> Merge:
    """Move every identity, interaction and note of `source_id` onto `target_id`.

    The source keeps its row with `merged_into` set; the merge record lists exactly what moved so
    `revert_merge` can put it all back.
    """
    if target_id == source_id:
        raise InvalidInput(
            "cannot merge a customer into itself",
            problems=[ProblemDetail("source_id", "must differ from target_id")],
        )
    with ctx.uow(actor.tenant_id) as uow:
        target = _require(uow, target_id)
        source = _require(uow, source_id)
        for c in (target, source):
            if c.merged_into:
                raise Conflict(f"customer {c.id} was already merged into {c.merged_into}")
        now = ctx.clock.now()
        merge = Merge(
            id=ctx.ids.new("mrg"),
            tenant_id=actor.tenant_id,
            target_id=target_id,
            source_id=source_id,
            at=now,
            identity_ids=tuple(i.id for i in uow.customers.identities_of(source_id)),
            interaction_ids=tuple(uow.interactions.ids_of_customer(source_id)),
            note_ids=tuple(uow.notes.ids_of_customer(source_id)),
        )
        uow.customers.move_identities(merge.identity_ids, target_id)
        uow.interactions.move(merge.interaction_ids, target_id)
        uow.notes.move(merge.note_ids, target_id)
        uow.customers.save(dataclasses.replace(source, merged_into=target_id, updated_at=now))
        uow.merges.add(merge)
        changes = Changes(ctx, uow, actor, now)
        changes.audit("customer.merged", "merge", merge.id, after=snapshot(merge))
        changes.commit()
    return merge


def revert_merge(ctx: ServiceContext, actor: Principal, merge_id: str) -> Merge:
    """Undo a merge: what moved goes back to the source, which becomes live again."""
    with ctx.uow(actor.tenant_id) as uow:
        merge = uow.merges.get(merge_id)
        if merge is None:
            raise NotFound("merge", merge_id)
        if merge.reverted_at is not None:
            raise Conflict(f"merge {merge_id} was already reverted")
        source = _require(uow, merge.source_id)
        now = ctx.clock.now()
        uow.customers.move_identities(merge.identity_ids, merge.source_id)
        uow.interactions.move(merge.interaction_ids, merge.source_id)
        uow.notes.move(merge.note_ids, merge.source_id)
        uow.customers.save(dataclasses.replace(source, merged_into=None, updated_at=now))
        reverted = dataclasses.replace(merge, reverted_at=now)
        uow.merges.save(reverted)
        changes = Changes(ctx, uow, actor, now)
        changes.audit(
            "customer.merge_reverted",
            "merge",
            merge_id,
            before=snapshot(merge),
            after=snapshot(reverted),
        )
        changes.commit()
    return reverted


def timeline(
    ctx: ServiceContext,
    actor: Principal,
    customer_id: str,
    *,
    before: tuple[float, str] | None,
    limit: int,
) -> list[TimelineEntry]:
    """Return the customer's history newest first: interactions, notes, dispositions."""
    with ctx.uow(actor.tenant_id) as uow:
        _require(uow, customer_id)
        return uow.customers.timeline(customer_id, before=before, limit=limit)
