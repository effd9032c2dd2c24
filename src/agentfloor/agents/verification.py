"""Identity verification: whether the details a customer gave match their CRM record.

Each claimed detail is compared with the record's value (or any of its values, when a customer
has several phone numbers or e-mail addresses) in a normal form: e-mail addresses and phone
numbers through the CRM's own normalisers (`crm.identities`), so "+44 20 7946 0958" matches
"020 7946 0958" with region GB and "Ann@Example.com" matches "ann@example.com"; any other
detail (postcode, date of birth) ignoring case, spaces and punctuation. Hand-written: the
comparison is the CRM's normal forms plus a few lines of rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from agentfloor.core.errors import InvalidInput
from agentfloor.crm.identities import normalize_email, normalize_phone

__all__ = ["Verification", "verify_identity"]

_PHONE_KEYS: Final = frozenset({"phone", "mobile", "phones"})
_EMAIL_KEYS: Final = frozenset({"email", "emails"})


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome: `ok` when at least one detail was checked and every one matched.

    `matched` and `mismatched` name the claimed details (in the order given); a detail the
    record lacks counts as mismatched, since it cannot be confirmed.
    """

    ok: bool
    matched: tuple[str, ...]
    mismatched: tuple[str, ...]


def verify_identity(
    claims: Mapping[str, object], record: Mapping[str, object], *, region: str | None = None
) -> Verification:
    """Compare claimed details with a customer record.

    Args:
        claims: What the customer said, by detail name (`email`, `phone`, `postcode`...);
            empty values (a skipped optional slot) are not checked.
        record: The customer's details by the same names; a value may be a list of values.
        region: Default region for phone numbers written without a country code (`GB`).
    """
    matched: list[str] = []
    mismatched: list[str] = []
    for name, claimed in claims.items():
        if claimed is None or (isinstance(claimed, str) and not claimed.strip()):
            continue
        normal = _normaliser(name, region)
        said = normal(claimed)
        known = {normal(value) for value in _values(record.get(name))} - {None}
        (matched if said is not None and said in known else mismatched).append(name)
    return Verification(bool(matched) and not mismatched, tuple(matched), tuple(mismatched))


def _normaliser(name: str, region: str | None) -> Callable[[object], str | None]:
    key = name.casefold()
    if key in _EMAIL_KEYS or key.endswith("_email"):
        return lambda value: _safely(normalize_email, value)
    if key in _PHONE_KEYS or key.endswith("_phone"):
        return lambda value: _safely(lambda text: normalize_phone(text, region), value)
    return _plain


def _safely(normalise: Callable[[str], str], value: object) -> str | None:
    """Return the normal form, or None for a value that has none (it then matches nothing)."""
    if not isinstance(value, str):
        return None
    try:
        return normalise(value)
    except InvalidInput:
        return None


def _plain(value: object) -> str | None:
    if value is None or isinstance(value, bool | Mapping | list | tuple):
        return None
    text = re.sub(r"[\W_]+", "", str(value).casefold())
    return text or None


def _values(value: object) -> list[object]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [] if value is None else [value]
