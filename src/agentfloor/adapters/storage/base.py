"""What every repository shares: the session, the tenant filter, keyset pages, and error mapping."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeGuard, TypeVar

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from agentfloor.core.errors import Conflict
from agentfloor.core.pagination import Page

__all__ = ["TenantScoped", "conflict_from", "keyset_page"]

R = TypeVar("R")
T = TypeVar("T")

# Constraint name -> what a person should be told when it is violated.
CONSTRAINT_MESSAGES = {
    "uq_tenants_slug": "a tenant with this slug already exists; choose another slug",
    "uq_identities_tenant_id_kind_value": "this identity already belongs to another customer; "
    "merge the two customers instead",
    "uq_customers_tenant_id_external_id": "another customer already has this external_id",
    "uq_queues_tenant_id_name": "a queue with this name already exists; choose another name",
    "uq_dispositions_tenant_id_code": "a disposition with this code already exists",
    "uq_interaction_events_interaction_id_seq": "the interaction changed at the same moment; "
    "retry the request",
}


def conflict_from(exc: IntegrityError) -> Conflict:
    """Return a `Conflict` that says in words which rule the write broke."""
    text = str(exc.orig)
    for name, message in CONSTRAINT_MESSAGES.items():
        if name in text:
            return Conflict(message, extra={"constraint": name})
    # SQLite names columns, not constraints, in its messages: match on the columns.
    sqlite_columns = {
        "tenants.slug": "uq_tenants_slug",
        "identities.tenant_id, identities.kind, identities.value": (
            "uq_identities_tenant_id_kind_value"
        ),
        "customers.tenant_id, customers.external_id": "uq_customers_tenant_id_external_id",
        "queues.tenant_id, queues.name": "uq_queues_tenant_id_name",
        "dispositions.tenant_id, dispositions.code": "uq_dispositions_tenant_id_code",
        "interaction_events.interaction_id, interaction_events.seq": (
            "uq_interaction_events_interaction_id_seq"
        ),
    }
    for columns, name in sqlite_columns.items():
        if columns in text:
            return Conflict(CONSTRAINT_MESSAGES[name], extra={"constraint": name})
    if "FOREIGN KEY" in text.upper():
        return Conflict("the record refers to something that does not exist (or still is used)")
    return Conflict(f"the change clashes with existing data: {text.splitlines()[0]}")


class TenantScoped:
    """Base of tenant-scoped repositories: a session and the tenant every query is filtered by."""

    def __init__(self, session: Session, tenant_id: str | None) -> None:
        self._session = session
        self._tenant_id = tenant_id

    @property
    def tenant_id(self) -> str:
        """The tenant; using a tenant repository from a platform unit of work is a bug."""
        if self._tenant_id is None:
            raise RuntimeError("this repository needs a unit of work opened for a tenant")
        return self._tenant_id

    def _owned(self, row: R | None) -> TypeGuard[R]:
        """Return True when `row` exists and belongs to this repository's tenant."""
        tenant_id = self.tenant_id  # checked first, so a platform unit of work always fails
        return row is not None and getattr(row, "tenant_id", None) == tenant_id


def keyset_page(
    session: Session,
    query: Select[Any],
    id_column: InstrumentedAttribute[str],
    to_domain: Callable[[Any], T],
    *,
    after: str | None,
    limit: int,
    descending: bool = False,
) -> Page[T]:
    """Return one page of `query` ordered by id, continuing after the id `after`."""
    if after is not None:
        query = query.where(id_column < after if descending else id_column > after)
    order = id_column.desc() if descending else id_column.asc()
    rows: Sequence[Any] = session.scalars(query.order_by(order).limit(limit + 1)).all()
    items = [to_domain(r) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items, str(getattr(rows[limit - 1], id_column.key)) if more else None)
