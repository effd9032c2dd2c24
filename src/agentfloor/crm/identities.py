"""Customer identities and their normal forms: phone (E.164), e-mail (lower case), chat id.

Phone numbers are parsed with `phonenumbers` (Google's libphonenumber), so "+44 20 7946 0958",
"020 7946 0958" (with region GB) and "0044 20 7946 0958" all become `+442079460958`.
"""

from __future__ import annotations

import re
from enum import StrEnum

import phonenumbers

from agentfloor.core.errors import InvalidInput, ProblemDetail

__all__ = [
    "IdentityKind",
    "normalize_chat_id",
    "normalize_email",
    "normalize_identity",
    "normalize_phone",
]

# Deliberately permissive (RFC 5322 allows far more than people type), but it refuses the
# mistakes that matter: no @, spaces, no dot in the domain, empty parts.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_CHAT = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


class IdentityKind(StrEnum):
    """How a customer can be recognised."""

    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"


def normalize_phone(raw: str, default_region: str | None, *, loc: str = "phone") -> str:
    """Return `raw` in E.164 (`+442079460958`).

    Args:
        raw: the number as typed, in any common format.
        default_region: ISO region used for numbers without a country code (e.g. `GB`).
        loc: where the value came from, for the error message.

    Raises:
        InvalidInput: the text is not a possible phone number for that region.
    """
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, (default_region or "").upper() or None)
    except phonenumbers.NumberParseException as exc:
        hint = (
            " (add the country code, e.g. +44, or set the tenant's default region)"
            if not text.startswith("+")
            else ""
        )
        raise InvalidInput(
            f"{raw!r} is not a phone number we can read{hint}",
            problems=[ProblemDetail(loc, f"cannot parse {raw!r} as a phone number{hint}")],
        ) from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(
            f"{raw!r} has the wrong number of digits for a phone number",
            problems=[ProblemDetail(loc, f"{raw!r} is not a possible phone number")],
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str, *, loc: str = "email") -> str:
    """Return the e-mail address trimmed and lower-cased, or raise `InvalidInput`."""
    text = raw.strip().lower()
    if not _EMAIL.match(text):
        raise InvalidInput(
            f"{raw!r} is not an e-mail address",
            problems=[
                ProblemDetail(loc, f"{raw!r} is not an e-mail address like name@example.com")
            ],
        )
    return text


def normalize_chat_id(raw: str, *, loc: str = "chat_id") -> str:
    """Return a chat/visitor id trimmed, or raise `InvalidInput` for empty or odd ids."""
    text = raw.strip()
    if not _CHAT.match(text):
        raise InvalidInput(
            f"{raw!r} is not a chat id (1-128 letters, digits, '.', '_', ':', '-')",
            problems=[ProblemDetail(loc, "use 1-128 letters, digits, '.', '_', ':' or '-'")],
        )
    return text


def normalize_identity(
    kind: IdentityKind | str, raw: str, default_region: str | None, *, loc: str = "value"
) -> tuple[IdentityKind, str]:
    """Return (kind, normal form) for an identity of any kind."""
    try:
        k = IdentityKind(kind)
    except ValueError as exc:
        raise InvalidInput(
            f"identity kind {kind!r} is not one of phone, email, chat",
            problems=[ProblemDetail("kind", "use phone, email or chat")],
        ) from exc
    if k is IdentityKind.PHONE:
        return k, normalize_phone(raw, default_region, loc=loc)
    if k is IdentityKind.EMAIL:
        return k, normalize_email(raw, loc=loc)
    return k, normalize_chat_id(raw, loc=loc)
