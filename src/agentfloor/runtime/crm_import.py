"""Customer CSV import and export: streamed, batched, idempotent, bad rows reported by line.

Rows are read one at a time and applied in batches, one unit of work per batch, with bulk look-ups
(`get_by_external_ids`, `find_identities`) so a 100k-row file costs a few hundred queries, not a
few hundred thousand. A row is matched to an existing customer by `external_id`, else by any of its
identities; re-importing the same file therefore changes nothing. The audit log gets one entry per
batch, not one per row, for the same reason.
"""

from __future__ import annotations

import csv
import dataclasses
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

from agentfloor.access.model import Principal
from agentfloor.core.errors import Conflict, InvalidInput, NotFound, ProblemDetail
from agentfloor.crm.identities import IdentityKind
from agentfloor.crm.model import Customer, Identity
from agentfloor.runtime.context import Changes, ServiceContext
from agentfloor.runtime.crm_csv import (
    EXPORT_COLUMNS,
    BadRow,
    CsvRow,
    parse_row,
    read_header,
    records,
    write_row,
)
from agentfloor.runtime.uow import UnitOfWork

__all__ = [
    "MAX_ERRORS_LISTED",
    "ImportReport",
    "ImportRowError",
    "export_customers",
    "import_customers",
]

MAX_ERRORS_LISTED = 10_000
_ATTEMPTS = 2  # a batch that lost a race with a concurrent writer is re-read and retried once


@dataclass(frozen=True, slots=True)
class ImportRowError:
    """A row that was not imported: its first physical line (the header is line 1) and why."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did. Every good row was imported even when some rows were bad.

    `errors` lists the first `MAX_ERRORS_LISTED` bad rows in line order; `errors_total` counts
    them all.
    """

    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[ImportRowError]
    errors_total: int = 0


@dataclass(slots=True)
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportRowError] = field(default_factory=list)
    created_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)


def _tenant_region(ctx: ServiceContext, tenant_id: str) -> str | None:
    with ctx.uow(None) as uow:
        tenant = uow.tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("tenant", tenant_id)
    return tenant.default_region


# --- applying one batch --------------------------------------------------------------------------


@dataclass(slots=True)
class _Batch:
    """The state of one batch: what the database holds, plus what this batch has changed."""

    uow: UnitOfWork
    by_external_id: dict[str, Customer]
    owner_of: dict[tuple[IdentityKind, str], str]
    customers: dict[str, Customer] = field(default_factory=dict)
    new_ids: set[str] = field(default_factory=set)
    dirty_ids: set[str] = field(default_factory=set)
    new_identities: list[Identity] = field(default_factory=list)

    def customer(self, customer_id: str) -> Customer | None:
        if customer_id not in self.customers:
            found = self.uow.customers.get(customer_id)
            if found is None:
                return None
            self.customers[customer_id] = found
        return self.customers[customer_id]


def _open_batch(uow: UnitOfWork, rows: list[CsvRow]) -> _Batch:
    external_ids = {r.external_id for r in rows if r.external_id}
    by_external_id = uow.customers.get_by_external_ids(external_ids) if external_ids else {}
    owner_of: dict[tuple[IdentityKind, str], str] = {}
    for kind in IdentityKind:
        values = {v for r in rows for k, v in r.identities if k is kind}
        if values:
            for value, identity in uow.customers.find_identities(kind, values).items():
                owner_of[(kind, value)] = identity.customer_id
    batch = _Batch(uow, dict(by_external_id), owner_of)
    batch.customers.update({c.id: c for c in by_external_id.values()})
    return batch


def _match(batch: _Batch, row: CsvRow) -> Customer | None:
    """Return the customer the row describes, None for a new one, or raise `BadRow`."""
    target = batch.by_external_id.get(row.external_id) if row.external_id else None
    if target is not None and target.merged_into:
        raise BadRow(
            f"external_id {row.external_id!r} is customer {target.id}, which was merged into "
            f"{target.merged_into}; use that customer's external_id"
        )
    owned = [(k, v, batch.owner_of[(k, v)]) for k, v in row.identities if (k, v) in batch.owner_of]
    if target is not None:
        for kind, value, owner in owned:
            if owner != target.id:
                raise BadRow(
                    f"{kind.value} {value} already belongs to customer {owner}, not to "
                    f"{target.id} (external_id {row.external_id!r})"
                )
        return target
    owners = list(dict.fromkeys(owner for _, _, owner in owned))
    if len(owners) > 1:
        (k1, v1, o1), (k2, v2, o2) = next((a, b) for a in owned for b in owned if a[2] != b[2])
        raise BadRow(
            f"{k1.value} {v1} belongs to customer {o1} but {k2.value} {v2} to customer {o2}; "
            "merge the two customers or fix the row"
        )
    if not owners:
        return None
    found = batch.customer(owners[0])
    if found is None or found.merged_into:
        raise BadRow(f"identity owner {owners[0]} is not a live customer; check the row")
    if row.external_id and found.external_id and found.external_id != row.external_id:
        kind, value, _ = owned[0]
        raise BadRow(
            f"{kind.value} {value} already belongs to customer {found.id} "
            f"(external_id {found.external_id!r}), not to external_id {row.external_id!r}"
        )
    return found


def _apply_row(ctx: ServiceContext, batch: _Batch, row: CsvRow, now: float, tally: _Tally) -> None:
    target = _match(batch, row)
    assert batch.uow.tenant_id is not None
    if target is None:
        target = Customer(
            id=ctx.ids.new("cus"),
            tenant_id=batch.uow.tenant_id,
            name=row.name,
            created_at=now,
            updated_at=now,
            external_id=row.external_id,
            attributes=dict(row.attributes),
        )
        batch.new_ids.add(target.id)
        tally.created += 1
        tally.created_ids.append(target.id)
        changed = True
    else:
        wanted = dataclasses.replace(
            target,
            name=row.name or target.name,
            external_id=target.external_id or row.external_id,
            attributes={**target.attributes, **row.attributes},
        )
        missing = [p for p in row.identities if p not in batch.owner_of]
        changed = wanted != target or bool(missing)
        if changed:
            target = dataclasses.replace(wanted, updated_at=now)
            if target.id not in batch.new_ids:
                batch.dirty_ids.add(target.id)
            tally.updated += 1
            tally.updated_ids.append(target.id)
        else:
            tally.unchanged += 1
    if not changed:
        return
    batch.customers[target.id] = target
    if target.external_id:
        batch.by_external_id[target.external_id] = target
    for kind, value in row.identities:
        if (kind, value) not in batch.owner_of:
            batch.owner_of[(kind, value)] = target.id
            batch.new_identities.append(
                Identity(
                    id=ctx.ids.new("idn"),
                    tenant_id=target.tenant_id,
                    customer_id=target.id,
                    kind=kind,
                    value=value,
                    created_at=now,
                )
            )


def _write(batch: _Batch) -> None:
    repo = batch.uow.customers
    for customer_id in sorted(batch.dirty_ids):
        repo.save(batch.customers[customer_id])
    repo.add_many([batch.customers[c] for c in sorted(batch.new_ids)], batch.new_identities)


def _apply_batch(
    ctx: ServiceContext,
    actor: Principal | None,
    tenant_id: str,
    import_id: str,
    rows: list[CsvRow],
    parse_errors: list[ImportRowError],
) -> _Tally:
    """Apply the good rows of one batch in one unit of work and audit it; retry a lost race."""
    for attempt in range(_ATTEMPTS):
        tally = _Tally(errors=list(parse_errors))
        try:
            with ctx.uow(tenant_id) as uow:
                now = ctx.clock.now()
                batch = _open_batch(uow, rows)
                for row in rows:
                    try:
                        _apply_row(ctx, batch, row, now, tally)
                    except BadRow as exc:
                        tally.errors.append(ImportRowError(row.line, str(exc)))
                _write(batch)
                tally.errors.sort(key=lambda e: e.line)
                changes = Changes(ctx, uow, actor, now)
                changes.audit(
                    "customer.imported",
                    "import",
                    import_id,
                    data={
                        "rows": len(rows) + len(parse_errors),
                        "created": tally.created,
                        "updated": tally.updated,
                        "unchanged": tally.unchanged,
                        "errors": len(tally.errors),
                        "created_ids": tally.created_ids,
                        "updated_ids": tally.updated_ids,
                    },
                )
                changes.commit()
            return tally
        except Conflict:
            if attempt + 1 == _ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


# --- the public functions ------------------------------------------------------------------------


def import_customers(
    ctx: ServiceContext,
    actor: Principal | None,
    tenant_id: str,
    text: TextIO,
    *,
    batch_size: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import customers from CSV text, streaming: the file is never held in memory whole.

    The header names the columns: `external_id,name,phone,email,chat_id` and optionally
    `attributes` (a JSON object); any other column becomes a customer attribute. `phone`, `email`
    and `chat_id` may hold several values separated by `;`. A row is matched to an existing
    customer by `external_id`, else by one of its identities; an identical row is `unchanged`,
    a changed one `updated` (identities are added, attributes merged, a blank name keeps the old
    one). A row without `external_id` and without identities cannot be matched, so re-importing it
    creates it again.

    Args:
        ctx: the service wiring.
        actor: who imports (recorded in the audit log); None for the CLI.
        tenant_id: the tenant the customers belong to.
        text: the CSV, opened with `newline=""` so quoted fields may span lines.
        batch_size: rows per unit of work.
        progress: called after each batch with the number of rows read so far.

    Returns:
        The counts and the bad rows by physical line number (the header is line 1).

    Raises:
        InvalidInput: the CSV is empty or its first line is not a header we understand.
        NotFound: the tenant does not exist.
    """
    if batch_size < 1:
        raise InvalidInput(
            "batch_size must be at least 1", problems=[ProblemDetail("batch_size", ">= 1")]
        )
    region = _tenant_region(ctx, tenant_id)
    reader = csv.reader(text)
    keys = read_header(reader)
    import_id = ctx.ids.new("imp")
    rows_read = created = updated = unchanged = errors_total = 0
    errors: list[ImportRowError] = []
    rows: list[CsvRow] = []
    parse_errors: list[ImportRowError] = []

    def flush() -> None:
        nonlocal created, updated, unchanged, errors_total
        tally = _apply_batch(ctx, actor, tenant_id, import_id, rows, parse_errors)
        created += tally.created
        updated += tally.updated
        unchanged += tally.unchanged
        errors_total += len(tally.errors)
        errors.extend(tally.errors[: max(0, MAX_ERRORS_LISTED - len(errors))])
        rows.clear()
        parse_errors.clear()
        if progress is not None:
            progress(rows_read)

    for line, fields in records(reader):
        rows_read += 1
        if isinstance(fields, str):
            parse_errors.append(ImportRowError(line, fields))
        else:
            try:
                rows.append(parse_row(line, keys, fields, region))
            except BadRow as exc:
                parse_errors.append(ImportRowError(line, str(exc)))
        if len(rows) + len(parse_errors) >= batch_size:
            flush()
    if rows or parse_errors:
        flush()
    return ImportReport(
        rows=rows_read,
        created=created,
        updated=updated,
        unchanged=unchanged,
        errors=errors,
        errors_total=errors_total,
    )


def export_customers(
    ctx: ServiceContext,
    tenant_id: str,
    *,
    batch_size: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """Yield every live customer as CSV text chunks, header first; `import_customers` reads it.

    The rows are read in one short unit of work and spooled to a temporary file (in memory up to
    8 MB, then on disk), and only then streamed. So the transaction, and with SQLite the database
    lock, is never held for as long as a slow client takes to download, nor left open when the
    client goes away mid-download.

    Args:
        ctx: the service wiring.
        tenant_id: whose customers.
        batch_size: customers read per query.
        progress: called every `batch_size` customers (and at the end) with the count so far.
    """
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+", newline="") as spool:
        writer = csv.writer(spool)
        writer.writerow(EXPORT_COLUMNS)
        count = 0
        with ctx.uow(tenant_id) as uow:
            for customer, identities in uow.customers.iter_all(batch_size=batch_size):
                write_row(writer, customer, identities)
                count += 1
                if progress is not None and count % batch_size == 0:
                    progress(count)
        if progress is not None:
            progress(count)
        spool.seek(0)
        while chunk := spool.read(64 * 1024):
            yield chunk
