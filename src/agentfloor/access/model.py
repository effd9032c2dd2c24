"""Tenants, API keys, roles and the audit log entries that record who changed what."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agentfloor.core.errors import InvalidInput, ProblemDetail

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Principal",
    "Role",
    "Tenant",
    "format_key",
    "hash_secret",
    "parse_key",
    "validate_slug",
]

KEY_PREFIX = "af"


class Role(StrEnum):
    """What a key may do. Each endpoint declares the roles that may call it."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    INTEGRATION = "integration"


@dataclass(frozen=True, slots=True)
class Tenant:
    """One customer organisation; every other record belongs to exactly one tenant.

    `default_region` (ISO 3166 alpha-2, e.g. `GB`) reads national phone numbers such as
    `020 7946 0958`; `timezone` is an IANA name used for reports and business hours.
    """

    id: str
    name: str
    slug: str
    default_region: str
    timezone: str
    created_at: float


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored API key: only the SHA-256 of its secret is kept; the full key is shown once.

    The full key reads `af_<key id suffix>_<secret>`, so the key row is found by id and the secret
    compared in constant time. SHA-256 (not a slow password hash) is right here because the secret
    is 192 random bits, not a human-chosen password.
    """

    id: str
    tenant_id: str
    name: str
    role: Role
    secret_hash: str
    created_at: float
    revoked_at: float | None = None
    worker_id: str | None = None  # an agent key bound to a worker acts as that worker only

    @property
    def is_active(self) -> bool:
        """Return True while the key has not been revoked."""
        return self.revoked_at is None

    def matches(self, secret: str) -> bool:
        """Return True when `secret` is this key's secret (constant-time comparison)."""
        return hmac.compare_digest(self.secret_hash, hash_secret(secret))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key, its tenant and role, and the worker an agent key is bound to."""

    tenant_id: str
    key_id: str
    role: Role
    worker_id: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change: who (key and role) did what to which resource, with before and after."""

    id: str
    tenant_id: str
    at: float
    actor_key_id: str | None
    actor_role: str | None
    action: str
    resource_type: str
    resource_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)


def hash_secret(secret: str) -> str:
    """Return the hex SHA-256 of an API key secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_key(full_key: str) -> tuple[str, str]:
    """Split a full key `af_<id suffix>_<secret>` into (key id, secret).

    Raises:
        InvalidInput: the text does not have the shape of an agentfloor key.
    """
    parts = full_key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        raise InvalidInput(
            "that is not an agentfloor API key; keys look like af_<id>_<secret>",
            problems=[ProblemDetail("header.authorization", "malformed API key")],
        )
    return f"key_{parts[1]}", parts[2]


def format_key(key_id: str, secret: str) -> str:
    """Return the full key shown once to the user."""
    return f"{KEY_PREFIX}_{key_id.removeprefix('key_')}_{secret}"


def validate_slug(slug: str) -> str:
    """Return `slug` if it is a valid tenant slug (lower-case letters, digits, dashes)."""
    ok = 2 <= len(slug) <= 63 and all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
    if not ok or slug != slug.lower() or slug.startswith("-"):
        raise InvalidInput(
            f"tenant slug {slug!r} must be 2-63 lower-case letters, digits or dashes",
            problems=[ProblemDetail("slug", "use lower-case letters, digits and dashes")],
        )
    return slug
