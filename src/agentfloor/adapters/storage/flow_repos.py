"""Published flow versions in SQL."""

from __future__ import annotations

from sqlalchemy import func, select

from agentfloor.adapters.storage.base import TenantScoped
from agentfloor.adapters.storage.tables import FlowVersionRow
from agentfloor.flows.ports import StoredFlowVersion

__all__ = ["SqlFlowVersionStore"]


def _version(row: FlowVersionRow) -> StoredFlowVersion:
    return StoredFlowVersion(
        id=row.id,
        tenant_id=row.tenant_id,
        flow_id=row.flow_id,
        name=row.name,
        version=row.version,
        source=row.source,
        created_at=row.created_at,
        author_key_id=row.author_key_id,
    )


class SqlFlowVersionStore(TenantScoped):
    """Flow versions of one tenant."""

    def add(self, version: StoredFlowVersion) -> None:
        """Store a new version."""
        self._session.add(
            FlowVersionRow(
                id=version.id,
                tenant_id=self.tenant_id,
                flow_id=version.flow_id,
                name=version.name,
                version=version.version,
                source=version.source,
                created_at=version.created_at,
                author_key_id=version.author_key_id,
            )
        )

    def get(self, flow_id: str, version: int | None = None) -> StoredFlowVersion | None:
        """Return one version, or the latest."""
        query = select(FlowVersionRow).where(
            FlowVersionRow.tenant_id == self.tenant_id, FlowVersionRow.flow_id == flow_id
        )
        if version is not None:
            query = query.where(FlowVersionRow.version == version)
        row = self._session.scalars(query.order_by(FlowVersionRow.version.desc())).first()
        return _version(row) if row else None

    def by_name(self, name: str) -> StoredFlowVersion | None:
        """Return the latest version of the flow with this name."""
        row = self._session.scalars(
            select(FlowVersionRow)
            .where(FlowVersionRow.tenant_id == self.tenant_id, FlowVersionRow.name == name)
            .order_by(FlowVersionRow.version.desc())
        ).first()
        return _version(row) if row else None

    def versions(self, flow_id: str) -> list[StoredFlowVersion]:
        """Return every version of a flow, oldest first."""
        rows = self._session.scalars(
            select(FlowVersionRow)
            .where(FlowVersionRow.tenant_id == self.tenant_id, FlowVersionRow.flow_id == flow_id)
            .order_by(FlowVersionRow.version)
        ).all()
        return [_version(r) for r in rows]

    def latest_of_each(self) -> list[StoredFlowVersion]:
        """Return the latest version of every flow, by name."""
        newest = (
            select(FlowVersionRow.flow_id, func.max(FlowVersionRow.version).label("v"))
            .where(FlowVersionRow.tenant_id == self.tenant_id)
            .group_by(FlowVersionRow.flow_id)
            .subquery()
        )
        rows = self._session.scalars(
            select(FlowVersionRow)
            .join(
                newest,
                (newest.c.flow_id == FlowVersionRow.flow_id)
                & (newest.c.v == FlowVersionRow.version),
            )
            .where(FlowVersionRow.tenant_id == self.tenant_id)
            .order_by(FlowVersionRow.name)
        ).all()
        return [_version(r) for r in rows]
