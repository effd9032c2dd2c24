"""Ports the CRM needs from storage; every repository is scoped to a tenant by its unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from agentfloor.core.pagination import Page
from agentfloor.crm.identities import IdentityKind
from agentfloor.crm.model import Customer, Identity, Merge, Note, TimelineEntry

__all__ = ["CustomerRepository", "MergeRepository", "NoteRepository"]


class CustomerRepository(Protocol):
    """Customers and their identities for the unit of work's tenant."""

    def add(self, customer: Customer) -> None:
        """Store a new customer; `Conflict` if the external id is taken."""
        ...

    def add_many(self, customers: Sequence[Customer], identities: Sequence[Identity]) -> None:
        """Store many new customers and identities in bulk (import); same rules as `add`."""
        ...

    def get(self, customer_id: str) -> Customer | None:
        """Return the customer (merged-away ones included) or None."""
        ...

    def save(self, customer: Customer) -> None:
        """Update a customer's fields."""
        ...

    def delete(self, customer_id: str) -> None:
        """Delete a customer row (its identities must be deleted first)."""
        ...

    def page(
        self,
        *,
        name_contains: str | None = None,
        include_merged: bool = False,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Customer]:
        """Return customers by id (oldest first), one page at a time."""
        ...

    def iter_all(self, *, batch_size: int = 1000) -> Iterator[tuple[Customer, list[Identity]]]:
        """Yield every live customer with its identities, oldest first, in batches (export)."""
        ...

    def get_by_external_ids(self, external_ids: Iterable[str]) -> dict[str, Customer]:
        """Return the customers with these external ids, keyed by external id."""
        ...

    def add_identity(self, identity: Identity) -> None:
        """Store an identity; `Conflict` if (kind, value) already belongs to a customer."""
        ...

    def move_identities(self, identity_ids: Iterable[str], customer_id: str) -> None:
        """Re-point identities to another customer (merge and its undo)."""
        ...

    def delete_identity(self, identity_id: str) -> None:
        """Remove one identity."""
        ...

    def identities_of(self, customer_id: str) -> list[Identity]:
        """Return a customer's identities, oldest first."""
        ...

    def find_identity(self, kind: IdentityKind, value: str) -> Identity | None:
        """Return the identity with this normal-form value, or None."""
        ...

    def find_identities(self, kind: IdentityKind, values: Iterable[str]) -> dict[str, Identity]:
        """Return the identities with these values (one kind), keyed by value (bulk import)."""
        ...

    def timeline(
        self, customer_id: str, *, before: tuple[float, str] | None = None, limit: int = 50
    ) -> list[TimelineEntry]:
        """Return up to `limit` entries newest first (interactions, notes, dispositions).

        `before` is the (at, id) of the last entry already seen, for keyset paging.
        """
        ...


class NoteRepository(Protocol):
    """Notes for the unit of work's tenant."""

    def add(self, note: Note) -> None:
        """Store a new note."""
        ...

    def get(self, note_id: str) -> Note | None:
        """Return the note or None."""
        ...

    def save(self, note: Note) -> None:
        """Update a note."""
        ...

    def delete(self, note_id: str) -> None:
        """Delete a note."""
        ...

    def page(
        self,
        *,
        customer_id: str | None = None,
        interaction_id: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Note]:
        """Return notes by id, filtered, one page at a time."""
        ...

    def ids_of_customer(self, customer_id: str) -> list[str]:
        """Return the ids of all notes on a customer (merge)."""
        ...

    def move(self, note_ids: Iterable[str], customer_id: str) -> None:
        """Re-point notes to another customer (merge and its undo)."""
        ...


class MergeRepository(Protocol):
    """Merge records for the unit of work's tenant."""

    def add(self, merge: Merge) -> None:
        """Store a merge record."""
        ...

    def get(self, merge_id: str) -> Merge | None:
        """Return the merge or None."""
        ...

    def save(self, merge: Merge) -> None:
        """Update a merge (reverted_at)."""
        ...
