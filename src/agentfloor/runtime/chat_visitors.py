"""Chat visitors: who a widget's visitor is in the CRM, and which chat interaction is theirs.

A visitor is known by an id the widget keeps in the browser's localStorage; it is the `chat`
identity of a CRM customer, created on first contact. An e-mail or phone the visitor types is
normalised like any identity: when no customer has the visitor id yet, an existing customer with
that e-mail or phone is linked (the visitor id is added to it), otherwise one customer is created
with all of them. These claims are unverified (anyone can type any address), so they never move
an identity that belongs to another customer and never merge customers; a supervisor merges.
A visitor has one open chat interaction (channel chat, direction in, `attributes.visitor_id`),
reused until it is final.

Customers and interactions are made through `runtime.customers` and `runtime.interactions`, so
the audit and event logs read as for any other client; the actor is the widget itself
(key id `chat-widget`, role integration), since a visitor has no API key.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from agentfloor.access.model import Principal, Role
from agentfloor.core.errors import Conflict, InvalidInput, NotFound, ProblemDetail
from agentfloor.crm.identities import IdentityKind, normalize_identity
from agentfloor.interactions.chat import ChatMessage
from agentfloor.interactions.model import Channel, Direction, Interaction
from agentfloor.interactions.states import FINAL_STATES, InteractionState
from agentfloor.runtime import customers, interactions
from agentfloor.runtime.context import ServiceContext

__all__ = [
    "VISITOR_KEY_ID",
    "Conversation",
    "find_or_open_chat",
    "visitor_actor",
    "visitor_claims",
    "visitor_customer",
]

VISITOR_KEY_ID = "chat-widget"
_OPEN_STATES = [s for s in InteractionState if s not in FINAL_STATES]


@dataclass(frozen=True, slots=True)
class Conversation:
    """A visitor's open chat: its interaction and customer, and the messages after `after_seq`.

    `last_seq` is the chat's highest message number when it was read; `messages` may stop
    earlier (a long chat is sent in parts).
    """

    interaction: Interaction
    customer_id: str
    after_seq: int
    last_seq: int
    messages: list[ChatMessage]

    @property
    def delivered_seq(self) -> int:
        """The highest `seq` the visitor has once it receives `messages`."""
        return self.messages[-1].seq if self.messages else min(self.after_seq, self.last_seq)


def visitor_actor(tenant_id: str) -> Principal:
    """Return the principal that acts for visitors of a tenant (they have no API key)."""
    return Principal(tenant_id=tenant_id, key_id=VISITOR_KEY_ID, role=Role.INTEGRATION)


def visitor_claims(
    ctx: ServiceContext, tenant_id: str, *, email: str | None, phone: str | None
) -> list[tuple[IdentityKind, str]]:
    """Return the e-mail and phone a visitor gave, normalised (phones in the tenant's region).

    Raises:
        InvalidInput: naming `email` or `phone` when one cannot be read.
    """
    with ctx.uow(None) as uow:
        tenant = uow.tenants.get(tenant_id)
    region = tenant.default_region if tenant else None
    claims: list[tuple[IdentityKind, str]] = []
    problems: list[ProblemDetail] = []
    for kind, raw in ((IdentityKind.EMAIL, email), (IdentityKind.PHONE, phone)):
        if raw is None or not raw.strip():
            continue
        try:
            claims.append(normalize_identity(kind, raw, region, loc=kind.value))
        except InvalidInput as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), problems=problems)
    return claims


def _lookup(
    ctx: ServiceContext, actor: Principal, kind: IdentityKind, value: str
) -> customers.CustomerView | None:
    try:
        return customers.lookup_customer(ctx, actor, value, kind=kind.value)
    except NotFound:
        return None


def visitor_customer(
    ctx: ServiceContext,
    tenant_id: str,
    visitor: str,
    claims: list[tuple[IdentityKind, str]],
    name: str | None,
) -> str:
    """Return the id of the visitor's customer, linking or creating it (see the module doc).

    Raises:
        Conflict: another writer attached the visitor id at the same moment; call again.
    """
    actor = visitor_actor(tenant_id)
    view = _lookup(ctx, actor, IdentityKind.CHAT, visitor)
    if view is None:
        for kind, value in claims:
            view = _lookup(ctx, actor, kind, value)
            if view is not None:
                break
        if view is None:
            created = customers.create_customer(
                ctx,
                actor,
                name=(name or "").strip()[:200],
                identities=[(IdentityKind.CHAT.value, visitor)] + [(k.value, v) for k, v in claims],
            )
            return created.customer.id
        customers.add_identity(ctx, actor, view.customer.id, IdentityKind.CHAT.value, visitor)
    have = {(i.kind, i.value) for i in view.identities}
    for kind, value in claims:
        if (kind, value) in have:
            continue
        # Another customer's identity (Conflict) stays theirs: an unverified claim never moves.
        with contextlib.suppress(Conflict):
            customers.add_identity(ctx, actor, view.customer.id, kind.value, value)
    return view.customer.id


def find_or_open_chat(
    ctx: ServiceContext, tenant_id: str, visitor: str, customer_id: str
) -> Interaction:
    """Return the visitor's open chat interaction, opening one when there is none."""
    with ctx.uow(tenant_id) as uow:
        for state in _OPEN_STATES:
            page = uow.interactions.page(
                customer_id=customer_id, channel=Channel.CHAT.value, state=state.value
            )
            for interaction in page.items:
                if interaction.attributes.get("visitor_id") == visitor:
                    return interaction
    return interactions.create_interaction(
        ctx,
        visitor_actor(tenant_id),
        channel=Channel.CHAT,
        direction=Direction.INBOUND,
        customer_id=customer_id,
        attributes={"visitor_id": visitor},
    )
