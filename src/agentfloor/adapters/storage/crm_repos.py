"""Customers, identities, notes, merges and the customer timeline in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from agentfloor.adapters.storage.base import TenantScoped, keyset_page
from agentfloor.adapters.storage.tables import (
    CustomerRow,
    IdentityRow,
    InteractionEventRow,
    InteractionRow,
    MergeRow,
    NoteRow,
)
from agentfloor.core.clock import to_datetime
from agentfloor.core.pagination import Page
from agentfloor.crm.identities import IdentityKind
from agentfloor.crm.model import Customer, Identity, Merge, Note, TimelineEntry

__all__ = ["SqlCustomerRepository", "SqlMergeRepository", "SqlNoteRepository"]

# SQLite allows 32766 bound parameters per statement; PostgreSQL 65535. Stay well below both.
IN_CHUNK = 500


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    it = iter(values)
    while chunk := list(islice(it, IN_CHUNK)):
        yield chunk


def _customer(row: CustomerRow) -> Customer:
    return Customer(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        external_id=row.external_id,
        attributes=dict(row.attributes or {}),
        merged_into=row.merged_into,
    )


def _identity(row: IdentityRow) -> Identity:
    return Identity(
        id=row.id,
        tenant_id=row.tenant_id,
        customer_id=row.customer_id,
        kind=IdentityKind(row.kind),
        value=row.value,
        created_at=row.created_at,
    )


class SqlCustomerRepository(TenantScoped):
    """Customers and identities of one tenant."""

    def _mine(self) -> ColumnElement[bool]:
        return CustomerRow.tenant_id == self.tenant_id

    def add(self, customer: Customer) -> None:
        """Store a new customer."""
        self._session.add(
            CustomerRow(
                id=customer.id,
                tenant_id=self.tenant_id,
                name=customer.name,
                external_id=customer.external_id,
                attributes=customer.attributes,
                merged_into=customer.merged_into,
                created_at=customer.created_at,
                updated_at=customer.updated_at,
            )
        )

    def add_many(self, customers: Sequence[Customer], identities: Sequence[Identity]) -> None:
        """Store many customers and identities with two multi-row INSERTs (no ORM objects).

        Bulk Core inserts skip the per-object bookkeeping of the ORM unit of work, which is
        most of the cost of an import; customers go first so identities can refer to them.
        """
        tid = self.tenant_id
        self._session.flush()  # anything added one by one before goes in first
        if customers:
            self._session.execute(
                insert(CustomerRow),
                [
                    {
                        "id": c.id,
                        "tenant_id": tid,
                        "name": c.name,
                        "external_id": c.external_id,
                        "attributes": c.attributes,
                        "merged_into": c.merged_into,
                        "created_at": c.created_at,
                        "updated_at": c.updated_at,
                    }
                    for c in customers
                ],
            )
        if identities:
            self._session.execute(
                insert(IdentityRow),
                [
                    {
                        "id": i.id,
                        "tenant_id": tid,
                        "customer_id": i.customer_id,
                        "kind": i.kind.value,
                        "value": i.value,
                        "created_at": i.created_at,
                    }
                    for i in identities
                ],
            )

    def get(self, customer_id: str) -> Customer | None:
        """Return the customer (merged-away ones included) or None."""
        row = self._session.get(CustomerRow, customer_id)
        return _customer(row) if self._owned(row) else None

    def save(self, customer: Customer) -> None:
        """Update a customer's fields."""
        self._session.execute(
            update(CustomerRow)
            .where(self._mine(), CustomerRow.id == customer.id)
            .values(
                name=customer.name,
                external_id=customer.external_id,
                attributes=customer.attributes,
                merged_into=customer.merged_into,
                updated_at=customer.updated_at,
            )
        )

    def delete(self, customer_id: str) -> None:
        """Delete a customer row."""
        self._session.execute(
            delete(CustomerRow).where(self._mine(), CustomerRow.id == customer_id)
        )

    def page(
        self,
        *,
        name_contains: str | None = None,
        include_merged: bool = False,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Customer]:
        """Return customers oldest first, one page at a time."""
        query = select(CustomerRow).where(self._mine())
        if not include_merged:
            query = query.where(CustomerRow.merged_into.is_(None))
        if name_contains:
            escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(CustomerRow.name.ilike(f"%{escaped}%", escape="\\"))
        return keyset_page(
            self._session, query, CustomerRow.id, _customer, after=after, limit=limit
        )

    def iter_all(self, *, batch_size: int = 1000) -> Iterator[tuple[Customer, list[Identity]]]:
        """Yield every live customer with its identities, oldest first, batch by batch."""
        after = ""
        while True:
            rows = self._session.scalars(
                select(CustomerRow)
                .where(self._mine(), CustomerRow.merged_into.is_(None), CustomerRow.id > after)
                .order_by(CustomerRow.id)
                .limit(batch_size)
            ).all()
            if not rows:
                return
            ids = [r.id for r in rows]
            found: dict[str, list[Identity]] = {i: [] for i in ids}
            for chunk in _chunks(ids):
                for ident in self._session.scalars(
                    select(IdentityRow)
                    .where(IdentityRow.customer_id.in_(chunk))
                    .order_by(IdentityRow.id)
                ):
                    found[ident.customer_id].append(_identity(ident))
            for row in rows:
                yield _customer(row), found[row.id]
            after = rows[-1].id
            self._session.expunge_all()  # keep memory flat across a million-row export

    def get_by_external_ids(self, external_ids: Iterable[str]) -> dict[str, Customer]:
        """Return the customers with these external ids, keyed by external id."""
        out: dict[str, Customer] = {}
        for chunk in _chunks(set(external_ids)):
            rows = self._session.scalars(
                select(CustomerRow).where(self._mine(), CustomerRow.external_id.in_(chunk))
            )
            out.update({r.external_id: _customer(r) for r in rows if r.external_id})
        return out

    def add_identity(self, identity: Identity) -> None:
        """Store an identity (a taken (kind, value) fails at flush with `Conflict`)."""
        self._session.add(
            IdentityRow(
                id=identity.id,
                tenant_id=self.tenant_id,
                customer_id=identity.customer_id,
                kind=identity.kind.value,
                value=identity.value,
                created_at=identity.created_at,
            )
        )

    def move_identities(self, identity_ids: Iterable[str], customer_id: str) -> None:
        """Re-point identities to another customer."""
        for chunk in _chunks(identity_ids):
            self._session.execute(
                update(IdentityRow)
                .where(IdentityRow.tenant_id == self.tenant_id, IdentityRow.id.in_(chunk))
                .values(customer_id=customer_id)
            )

    def delete_identity(self, identity_id: str) -> None:
        """Remove one identity."""
        self._session.execute(
            delete(IdentityRow).where(
                IdentityRow.tenant_id == self.tenant_id, IdentityRow.id == identity_id
            )
        )

    def identities_of(self, customer_id: str) -> list[Identity]:
        """Return a customer's identities, oldest first."""
        rows = self._session.scalars(
            select(IdentityRow)
            .where(IdentityRow.tenant_id == self.tenant_id, IdentityRow.customer_id == customer_id)
            .order_by(IdentityRow.id)
        ).all()
        return [_identity(r) for r in rows]

    def find_identity(self, kind: IdentityKind, value: str) -> Identity | None:
        """Return the identity with this normal-form value, or None (one index probe)."""
        row = self._session.scalars(
            select(IdentityRow).where(
                IdentityRow.tenant_id == self.tenant_id,
                IdentityRow.kind == kind.value,
                IdentityRow.value == value,
            )
        ).first()
        return _identity(row) if row else None

    def find_identities(self, kind: IdentityKind, values: Iterable[str]) -> dict[str, Identity]:
        """Return the identities with these values (one kind), keyed by value."""
        out: dict[str, Identity] = {}
        for chunk in _chunks(set(values)):
            rows = self._session.scalars(
                select(IdentityRow).where(
                    IdentityRow.tenant_id == self.tenant_id,
                    IdentityRow.kind == kind.value,
                    IdentityRow.value.in_(chunk),
                )
            )
            out.update({r.value: _identity(r) for r in rows})
        return out

    def timeline(
        self, customer_id: str, *, before: tuple[float, str] | None = None, limit: int = 50
    ) -> list[TimelineEntry]:
        """Return up to `limit` entries newest first: interactions, notes, dispositions.

        Each source is read newest first with the same keyset condition and `limit`, then the
        three short lists are merged, so a long history costs three index range scans.
        """

        def older(
            at: InstrumentedAttribute[float], ident: InstrumentedAttribute[str]
        ) -> ColumnElement[bool]:
            if before is None:
                return and_(True)
            return or_(at < before[0], and_(at == before[0], ident < before[1]))

        tid = self.tenant_id
        entries: list[TimelineEntry] = []
        for i in self._session.scalars(
            select(InteractionRow)
            .where(
                InteractionRow.tenant_id == tid,
                InteractionRow.customer_id == customer_id,
                older(InteractionRow.created_at, InteractionRow.id),
            )
            .order_by(InteractionRow.created_at.desc(), InteractionRow.id.desc())
            .limit(limit)
        ):
            entries.append(
                TimelineEntry(
                    kind="interaction",
                    at=i.created_at,
                    id=i.id,
                    interaction_id=i.id,
                    summary=f"{i.direction}bound {i.channel} ({i.state})"
                    + (f": {i.reason}" if i.reason else ""),
                    data={
                        "channel": i.channel,
                        "direction": i.direction,
                        "state": i.state,
                        "queue_id": i.queue_id,
                        "worker_id": i.worker_id,
                        "reason": i.reason,
                        "disposition_code": i.disposition_code,
                        "ended_at": to_datetime(i.ended_at).isoformat() if i.ended_at else None,
                    },
                )
            )
        for n in self._session.scalars(
            select(NoteRow)
            .where(
                NoteRow.tenant_id == tid,
                NoteRow.customer_id == customer_id,
                older(NoteRow.created_at, NoteRow.id),
            )
            .order_by(NoteRow.created_at.desc(), NoteRow.id.desc())
            .limit(limit)
        ):
            entries.append(
                TimelineEntry(
                    kind="note",
                    at=n.created_at,
                    id=n.id,
                    interaction_id=n.interaction_id,
                    summary=n.body[:200],
                    data={"body": n.body, "author_key_id": n.author_key_id},
                )
            )
        for e, channel in self._session.execute(
            select(InteractionEventRow, InteractionRow.channel)
            .join(InteractionRow, InteractionRow.id == InteractionEventRow.interaction_id)
            .where(
                InteractionRow.tenant_id == tid,
                InteractionRow.customer_id == customer_id,
                InteractionEventRow.type == "interaction.dispositioned",
                older(InteractionEventRow.at, InteractionEventRow.id),
            )
            .order_by(InteractionEventRow.at.desc(), InteractionEventRow.id.desc())
            .limit(limit)
        ):
            entries.append(
                TimelineEntry(
                    kind="disposition",
                    at=e.at,
                    id=e.id,
                    interaction_id=e.interaction_id,
                    summary=f"{e.data.get('label') or e.data.get('code')} ({channel})",
                    data={**e.data, "channel": channel},
                )
            )
        entries.sort(key=lambda t: (t.at, t.id), reverse=True)
        return entries[:limit]


def _note(row: NoteRow) -> Note:
    return Note(
        id=row.id,
        tenant_id=row.tenant_id,
        customer_id=row.customer_id,
        body=row.body,
        created_at=row.created_at,
        author_key_id=row.author_key_id,
        interaction_id=row.interaction_id,
    )


class SqlNoteRepository(TenantScoped):
    """Notes of one tenant."""

    def add(self, note: Note) -> None:
        """Store a new note."""
        self._session.add(
            NoteRow(
                id=note.id,
                tenant_id=self.tenant_id,
                customer_id=note.customer_id,
                interaction_id=note.interaction_id,
                body=note.body,
                author_key_id=note.author_key_id,
                created_at=note.created_at,
            )
        )

    def get(self, note_id: str) -> Note | None:
        """Return the note or None."""
        row = self._session.get(NoteRow, note_id)
        return _note(row) if self._owned(row) else None

    def save(self, note: Note) -> None:
        """Update a note's text and links."""
        self._session.execute(
            update(NoteRow)
            .where(NoteRow.tenant_id == self.tenant_id, NoteRow.id == note.id)
            .values(
                body=note.body, customer_id=note.customer_id, interaction_id=note.interaction_id
            )
        )

    def delete(self, note_id: str) -> None:
        """Delete a note."""
        self._session.execute(
            delete(NoteRow).where(NoteRow.tenant_id == self.tenant_id, NoteRow.id == note_id)
        )

    def page(
        self,
        *,
        customer_id: str | None = None,
        interaction_id: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Note]:
        """Return notes by id, filtered, one page at a time."""
        query = select(NoteRow).where(NoteRow.tenant_id == self.tenant_id)
        if customer_id is not None:
            query = query.where(NoteRow.customer_id == customer_id)
        if interaction_id is not None:
            query = query.where(NoteRow.interaction_id == interaction_id)
        return keyset_page(self._session, query, NoteRow.id, _note, after=after, limit=limit)

    def ids_of_customer(self, customer_id: str) -> list[str]:
        """Return the ids of every note on a customer."""
        return list(
            self._session.scalars(
                select(NoteRow.id)
                .where(NoteRow.tenant_id == self.tenant_id, NoteRow.customer_id == customer_id)
                .order_by(NoteRow.id)
            )
        )

    def move(self, note_ids: Iterable[str], customer_id: str) -> None:
        """Re-point notes to another customer."""
        for chunk in _chunks(note_ids):
            self._session.execute(
                update(NoteRow)
                .where(NoteRow.tenant_id == self.tenant_id, NoteRow.id.in_(chunk))
                .values(customer_id=customer_id)
            )


def _merge(row: MergeRow) -> Merge:
    return Merge(
        id=row.id,
        tenant_id=row.tenant_id,
        target_id=row.target_id,
        source_id=row.source_id,
        at=row.at,
        identity_ids=tuple(row.identity_ids),
        interaction_ids=tuple(row.interaction_ids),
        note_ids=tuple(row.note_ids),
        reverted_at=row.reverted_at,
    )


class SqlMergeRepository(TenantScoped):
    """Merge records of one tenant."""

    def add(self, merge: Merge) -> None:
        """Store a merge record."""
        self._session.add(
            MergeRow(
                id=merge.id,
                tenant_id=self.tenant_id,
                target_id=merge.target_id,
                source_id=merge.source_id,
                at=merge.at,
                identity_ids=list(merge.identity_ids),
                interaction_ids=list(merge.interaction_ids),
                note_ids=list(merge.note_ids),
                reverted_at=merge.reverted_at,
            )
        )

    def get(self, merge_id: str) -> Merge | None:
        """Return the merge or None."""
        row = self._session.get(MergeRow, merge_id)
        return _merge(row) if self._owned(row) else None

    def save(self, merge: Merge) -> None:
        """Record that a merge was reverted."""
        self._session.execute(
            update(MergeRow)
            .where(MergeRow.tenant_id == self.tenant_id, MergeRow.id == merge.id)
            .values(reverted_at=merge.reverted_at)
        )
