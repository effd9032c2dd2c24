"""Customers as CSV rows: the columns, reading the header, parsing a row, writing a row.

Parsing puts every identity in normal form (`agentfloor.crm.identities`) and raises `BadRow`
with a reason a person can act on; `agentfloor.runtime.crm_import` applies the rows.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.crm.identities import IdentityKind, normalize_identity
from agentfloor.crm.model import Customer, Identity

if TYPE_CHECKING:  # the stubs name these types; at run time `_csv` calls them reader/writer
    from _csv import Reader as CsvReader
    from _csv import Writer as CsvWriter

__all__ = [
    "COLUMNS",
    "EXPORT_COLUMNS",
    "BadRow",
    "CsvRow",
    "parse_row",
    "read_header",
    "records",
    "write_row",
]

COLUMNS = ("external_id", "name", "phone", "email", "chat_id")
EXPORT_COLUMNS = (*COLUMNS, "attributes")
MAX_NAME_CHARS = 200
MAX_EXTERNAL_ID_CHARS = 200
_IDENTITY_COLUMNS = {
    "phone": IdentityKind.PHONE,
    "email": IdentityKind.EMAIL,
    "chat_id": IdentityKind.CHAT,
}
_MULTI_SEPARATOR = ";"


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One good row in normal form, with the physical line it starts on."""

    line: int
    external_id: str | None
    name: str
    identities: tuple[tuple[IdentityKind, str], ...]
    attributes: dict[str, Any]


class BadRow(InvalidInput):
    """A row problem a person can fix in the file; the import reports it by line."""


def read_header(reader: CsvReader) -> list[str]:
    """Read the header line and return one key per column (known columns lower-cased).

    Raises:
        InvalidInput: no header, no column we know, or a column named twice.
    """
    header: list[str] = []
    for row in reader:
        if row:
            header = row
            break
    if not header:
        raise InvalidInput(
            f"the CSV is empty; its first line must be a header such as {','.join(COLUMNS)}",
            problems=[ProblemDetail("body", "no header line")],
        )
    names = [h.lstrip("\ufeff").strip() for h in header]
    keys = [n.lower() if n.lower() in EXPORT_COLUMNS else n for n in names]
    if not set(keys) & set(EXPORT_COLUMNS):
        shown = ", ".join(repr(n) for n in names[:6])
        raise InvalidInput(
            f"the first line must be a header naming the columns ({','.join(COLUMNS)}); "
            f"found {shown}, none of which is a column we know",
            problems=[ProblemDetail("body.header", f"use the columns {','.join(COLUMNS)}")],
        )
    seen: set[str] = set()
    for key in keys:
        if key and key in seen:
            raise InvalidInput(
                f"the header names the column {key!r} twice; keep one",
                problems=[ProblemDetail("body.header", f"duplicate column {key!r}")],
            )
        seen.add(key)
    return keys


def records(reader: CsvReader) -> Iterator[tuple[int, list[str] | str]]:
    """Yield (first physical line, fields) per record, or (line, reason) for unreadable ones.

    `csv.reader` rather than `DictReader` because DictReader silently skips blank lines, which
    would hide where a record starts; `line_num` before reading plus one is that line even when a
    quoted field spans several lines.
    """
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, f"the line is not valid CSV ({exc})"
            continue
        if any(f.strip() for f in fields):  # blank lines and Excel's trailing ",,,," rows
            yield start, fields


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(_MULTI_SEPARATOR) if part.strip()]


def parse_row(line: int, keys: list[str], fields: list[str], region: str | None) -> CsvRow:
    """Return the row in normal form (phones read with the tenant's `region`).

    Raises:
        BadRow: why the row cannot be imported.
    """
    if len(fields) > len(keys) and any(f.strip() for f in fields[len(keys) :]):
        raise BadRow(f"the row has {len(fields)} fields but the header has {len(keys)}")
    values = {k: (fields[i] if i < len(fields) else "") for i, k in enumerate(keys) if k}
    name = values.get("name", "").strip()
    if len(name) > MAX_NAME_CHARS:
        raise BadRow(f"name is longer than {MAX_NAME_CHARS} characters")
    external_id = values.get("external_id", "").strip() or None
    if external_id is not None and len(external_id) > MAX_EXTERNAL_ID_CHARS:
        raise BadRow(f"external_id is longer than {MAX_EXTERNAL_ID_CHARS} characters")
    identities: list[tuple[IdentityKind, str]] = []
    for column, kind in _IDENTITY_COLUMNS.items():
        for raw in _split(values.get(column, "")):
            try:
                pair = normalize_identity(kind, raw, region, loc=column)
            except InvalidInput as exc:
                raise BadRow(f"{column} {exc.message}") from exc
            if pair not in identities:
                identities.append(pair)
    if not name and not identities:
        raise BadRow("the row has no name and no phone, email or chat_id")
    attributes: dict[str, Any] = {}
    raw_json = values.get("attributes", "").strip()
    if raw_json:
        try:
            decoded = json.loads(raw_json)
        except ValueError as exc:
            raise BadRow(f"attributes is not valid JSON ({exc})") from exc
        if not isinstance(decoded, dict):
            raise BadRow('attributes must be a JSON object such as {"tier": "gold"}')
        attributes.update(decoded)
    for key, value in values.items():
        if key not in EXPORT_COLUMNS and value.strip():
            attributes[key] = value.strip()
    return CsvRow(line, external_id, name, tuple(identities), attributes)


def write_row(writer: CsvWriter, customer: Customer, identities: Iterable[Identity]) -> None:
    """Write one customer in the export layout (`parse_row` reads it back)."""
    by_kind: dict[IdentityKind, list[str]] = {kind: [] for kind in IdentityKind}
    for identity in identities:
        by_kind[identity.kind].append(identity.value)
    writer.writerow(
        [
            customer.external_id or "",
            customer.name,
            _MULTI_SEPARATOR.join(by_kind[IdentityKind.PHONE]),
            _MULTI_SEPARATOR.join(by_kind[IdentityKind.EMAIL]),
            _MULTI_SEPARATOR.join(by_kind[IdentityKind.CHAT]),
            json.dumps(customer.attributes, ensure_ascii=False, sort_keys=True)
            if customer.attributes
            else "",
        ]
    )
