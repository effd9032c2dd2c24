"""The store of published flow versions (a port; storage implements it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["FlowVersionStore", "StoredFlowVersion"]


@dataclass(frozen=True, slots=True)
class StoredFlowVersion:
    """One published version as stored: the document text it was validated from."""

    id: str
    tenant_id: str
    flow_id: str
    name: str
    version: int
    source: str
    created_at: float
    author_key_id: str | None = None


class FlowVersionStore(Protocol):
    """Published flow versions of the unit of work's tenant; versions are never changed."""

    def add(self, version: StoredFlowVersion) -> None:
        """Store a new version; `Conflict` if (flow, version) exists."""
        ...

    def get(self, flow_id: str, version: int | None = None) -> StoredFlowVersion | None:
        """Return one version, the latest when `version` is None, or None."""
        ...

    def by_name(self, name: str) -> StoredFlowVersion | None:
        """Return the latest version of the flow with this name, or None."""
        ...

    def versions(self, flow_id: str) -> list[StoredFlowVersion]:
        """Return every version of a flow, oldest first."""
        ...

    def latest_of_each(self) -> list[StoredFlowVersion]:
        """Return the latest version of every flow, by name."""
        ...
