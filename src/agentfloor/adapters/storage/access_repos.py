"""Tenants, API keys and the audit log in SQL."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from agentfloor.access.model import ApiKey, AuditEntry, Role, Tenant
from agentfloor.adapters.storage.base import TenantScoped, keyset_page
from agentfloor.adapters.storage.tables import ApiKeyRow, AuditRow, TenantRow
from agentfloor.core.pagination import Page

__all__ = ["SqlApiKeyRepository", "SqlAuditLog", "SqlTenantRepository"]


def _tenant(row: TenantRow) -> Tenant:
    return Tenant(
        id=row.id,
        name=row.name,
        slug=row.slug,
        default_region=row.default_region,
        timezone=row.timezone,
        created_at=row.created_at,
    )


class SqlTenantRepository:
    """All tenants; platform scope."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, tenant: Tenant) -> None:
        """Store a new tenant (a taken slug fails at flush with `Conflict`)."""
        self._session.add(
            TenantRow(
                id=tenant.id,
                name=tenant.name,
                slug=tenant.slug,
                default_region=tenant.default_region,
                timezone=tenant.timezone,
                created_at=tenant.created_at,
            )
        )

    def get(self, tenant_id: str) -> Tenant | None:
        """Return the tenant or None."""
        row = self._session.get(TenantRow, tenant_id)
        return _tenant(row) if row else None

    def get_by_slug(self, slug: str) -> Tenant | None:
        """Return the tenant with this slug or None."""
        row = self._session.scalars(select(TenantRow).where(TenantRow.slug == slug)).first()
        return _tenant(row) if row else None

    def all(self) -> list[Tenant]:
        """Return every tenant, oldest first."""
        rows = self._session.scalars(select(TenantRow).order_by(TenantRow.id)).all()
        return [_tenant(r) for r in rows]


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        role=Role(row.role),
        secret_hash=row.secret_hash,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        worker_id=row.worker_id,
    )


class SqlApiKeyRepository:
    """API keys: `get` looks across tenants (authentication); the rest is per tenant."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, key: ApiKey) -> None:
        """Store a new key."""
        self._session.add(
            ApiKeyRow(
                id=key.id,
                tenant_id=key.tenant_id,
                name=key.name,
                role=key.role.value,
                secret_hash=key.secret_hash,
                created_at=key.created_at,
                revoked_at=key.revoked_at,
                worker_id=key.worker_id,
            )
        )

    def get(self, key_id: str) -> ApiKey | None:
        """Return the key by id, whatever its tenant."""
        row = self._session.get(ApiKeyRow, key_id)
        return _key(row) if row else None

    def save(self, key: ApiKey) -> None:
        """Update the key's name, role and revocation."""
        self._session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == key.id, ApiKeyRow.tenant_id == key.tenant_id)
            .values(
                name=key.name,
                role=key.role.value,
                revoked_at=key.revoked_at,
                worker_id=key.worker_id,
            )
        )

    def of_tenant(self, tenant_id: str) -> list[ApiKey]:
        """Return the tenant's keys, oldest first."""
        rows = self._session.scalars(
            select(ApiKeyRow).where(ApiKeyRow.tenant_id == tenant_id).order_by(ApiKeyRow.id)
        ).all()
        return [_key(r) for r in rows]


def _audit(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        tenant_id=row.tenant_id,
        at=row.at,
        actor_key_id=row.actor_key_id,
        actor_role=row.actor_role,
        action=row.action,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        before=row.before,
        after=row.after,
        data=row.data,
    )


class SqlAuditLog(TenantScoped):
    """The append-only audit log of one tenant."""

    def append(self, entry: AuditEntry) -> None:
        """Record one change."""
        self._session.add(
            AuditRow(
                id=entry.id,
                tenant_id=self.tenant_id,
                at=entry.at,
                actor_key_id=entry.actor_key_id,
                actor_role=entry.actor_role,
                action=entry.action,
                resource_type=entry.resource_type,
                resource_id=entry.resource_id,
                before=entry.before,
                after=entry.after,
                data=entry.data,
            )
        )

    def get(self, entry_id: str) -> AuditEntry | None:
        """Return one entry of this tenant or None."""
        row = self._session.get(AuditRow, entry_id)
        return _audit(row) if self._owned(row) else None

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
        query = select(AuditRow).where(AuditRow.tenant_id == self.tenant_id)
        if resource_type is not None:
            query = query.where(AuditRow.resource_type == resource_type)
        if resource_id is not None:
            query = query.where(AuditRow.resource_id == resource_id)
        if action is not None:
            query = query.where(AuditRow.action == action)
        return keyset_page(
            self._session, query, AuditRow.id, _audit, after=after, limit=limit, descending=True
        )
