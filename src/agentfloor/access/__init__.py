"""Access: tenants, API keys with roles, and the audit log of who changed what."""

from __future__ import annotations

from agentfloor.access.model import (
    ApiKey,
    AuditEntry,
    Principal,
    Role,
    Tenant,
    format_key,
    hash_secret,
    parse_key,
    validate_slug,
)
from agentfloor.access.ports import ApiKeyRepository, AuditLog, TenantRepository

__all__ = [
    "ApiKey",
    "ApiKeyRepository",
    "AuditEntry",
    "AuditLog",
    "Principal",
    "Role",
    "Tenant",
    "TenantRepository",
    "format_key",
    "hash_secret",
    "parse_key",
    "validate_slug",
]
