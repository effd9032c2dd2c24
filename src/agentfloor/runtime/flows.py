"""Flow services: upload (validate fully, then publish as the next version), read versions.

A flow's name (from its document) identifies it within the tenant: uploading a document with a
name that exists publishes a new version of that flow; a running contact keeps the version it
started on, because versions are never changed.
"""

from __future__ import annotations

from agentfloor.access.model import Principal
from agentfloor.core.errors import NotFound
from agentfloor.core.pagination import all_items
from agentfloor.flows.model import Flow
from agentfloor.flows.ports import StoredFlowVersion
from agentfloor.flows.validation import load_document, parse_flow, validate_flow
from agentfloor.runtime.assistant_settings import load_settings
from agentfloor.runtime.context import Changes, ServiceContext
from agentfloor.runtime.uow import UnitOfWork

__all__ = ["get_flow", "list_flows", "publish_flow", "versions_of"]


def _tenant_names(uow: UnitOfWork) -> tuple[list[str], list[str]]:
    queues = all_items(lambda after: uow.queues.page(after=after, limit=500))
    return [q.id for q in queues], [w.id for w in uow.workflows.all()]


def publish_flow(ctx: ServiceContext, actor: Principal, source: str) -> Flow:
    """Validate a flow document against the tenant's queues and workflows; publish it.

    Raises:
        FlowInvalid: every problem of the document with its path (HTTP 422).
    """
    with ctx.uow(actor.tenant_id) as uow:
        queues, workflows = _tenant_names(uow)
        skills = sorted(load_settings(uow).skills.skills)
        definition = validate_flow(
            load_document(source), skills=skills, queues=queues, workflows=workflows
        )
        previous = uow.flows.by_name(definition.name)
        flow_id = previous.flow_id if previous else ctx.ids.new("flw")
        version = previous.version + 1 if previous else 1
        now = ctx.clock.now()
        flow = parse_flow(
            source,
            flow_id=flow_id,
            tenant_id=actor.tenant_id,
            version=version,
            now=now,
            skills=skills,
            queues=queues,
            workflows=workflows,
        )
        uow.flows.add(
            StoredFlowVersion(
                id=ctx.ids.new("flv"),
                tenant_id=actor.tenant_id,
                flow_id=flow_id,
                name=flow.name,
                version=version,
                source=source,
                created_at=now,
                author_key_id=actor.key_id,
            )
        )
        changes = Changes(ctx, uow, actor, now)
        changes.audit(
            "flow.published",
            "flow",
            flow_id,
            after={"name": flow.name, "version": version, "blocks": len(flow.blocks)},
        )
        changes.commit()
    return flow


def get_flow(
    ctx: ServiceContext, actor: Principal, flow_id: str, version: int | None = None
) -> StoredFlowVersion:
    """Return one stored version of a flow (the latest when `version` is None)."""
    with ctx.uow(actor.tenant_id) as uow:
        found = uow.flows.get(flow_id, version)
    if found is None:
        raise NotFound("flow version" if version else "flow", f"{flow_id} v{version or 'latest'}")
    return found


def versions_of(ctx: ServiceContext, actor: Principal, flow_id: str) -> list[StoredFlowVersion]:
    """Return every version of a flow, oldest first."""
    with ctx.uow(actor.tenant_id) as uow:
        found = uow.flows.versions(flow_id)
    if not found:
        raise NotFound("flow", flow_id)
    return found


def list_flows(ctx: ServiceContext, actor: Principal) -> list[StoredFlowVersion]:
    """Return the latest version of every flow of the tenant."""
    with ctx.uow(actor.tenant_id) as uow:
        return uow.flows.latest_of_each()
