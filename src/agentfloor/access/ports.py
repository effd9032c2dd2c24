"""Ports the access package needs from storage."""

from __future__ import annotations

from typing import Protocol

from agentfloor.access.model import ApiKey, AuditEntry, Tenant
from agentfloor.core.pagination import Page

__all__ = ["ApiKeyRepository", "AuditLog", "TenantRepository"]


class TenantRepository(Protocol):
    """All tenants (platform scope, not tenant-scoped)."""

    def add(self, tenant: Tenant) -> None:
        """Store a new tenant; raises `Conflict` when the slug is taken."""
        ...

    def get(self, tenant_id: str) -> Tenant | None:
        """Return the tenant or None."""
        ...

    def get_by_slug(self, slug: str) -> Tenant | None:
        """Return the tenant with this slug or None."""
        ...

    def all(self) -> list[Tenant]:
        """Return every tenant, oldest first."""
        ...


class ApiKeyRepository(Protocol):
    """API keys. `get` is platform-scoped (used to authenticate); the rest are tenant-scoped."""

    def add(self, key: ApiKey) -> None:
        """Store a new key."""
        ...

    def get(self, key_id: str) -> ApiKey | None:
        """Return the key by id whatever its tenant (authentication), or None."""
        ...

    def save(self, key: ApiKey) -> None:
        """Update a key (revocation)."""
        ...

    def of_tenant(self, tenant_id: str) -> list[ApiKey]:
        """Return the tenant's keys, oldest first."""
        ...


class AuditLog(Protocol):
    """Append-only record of changes, per tenant."""

    def append(self, entry: AuditEntry) -> None:
        """Record one change."""
        ...

    def get(self, entry_id: str) -> AuditEntry | None:
        """Return one entry of the current tenant or None."""
        ...

    def page(
        self,
        *,
        resource_type: str | None = None,
        resource_id: str | None = None,
        action: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[AuditEntry]:
        """Return entries newest first, filtered, one page at a time."""
        ...
