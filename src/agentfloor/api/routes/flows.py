"""`/v1/flows`: upload contact flows (validated fully: 422 lists every problem by path), versions.

Send the document as the body: `Content-Type: application/yaml` (or `text/yaml`) for YAML, or
`application/json` for the same structure in JSON. A document whose `name` exists publishes the
next version of that flow.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict

from agentfloor.access.model import Principal, Role
from agentfloor.api.auth import allow, context, principal
from agentfloor.api.schemas import Timestamp
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.flows.ports import StoredFlowVersion
from agentfloor.runtime import flows as svc
from agentfloor.runtime.context import ServiceContext

__all__ = ["router"]

router = APIRouter(prefix="/v1/flows", tags=["flows"])
Ctx = Annotated[ServiceContext, Depends(context)]
Who = Annotated[Principal, Depends(principal)]
MAX_FLOW_BYTES = 512 * 1024
FLOW_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "application/json")


class FlowVersionOut(BaseModel):
    """One published version of a flow."""

    model_config = ConfigDict(from_attributes=True)

    flow_id: str
    name: str
    version: int
    created_at: Timestamp
    author_key_id: str | None


class FlowSourceOut(FlowVersionOut):
    """A version with the document it was published from."""

    source: str


def _out(v: StoredFlowVersion) -> FlowVersionOut:
    return FlowVersionOut.model_validate(v)


_ADMIN = allow(Role.ADMIN)


@router.post(
    "",
    status_code=201,
    response_model=FlowVersionOut,
    dependencies=_ADMIN["dependencies"],
    openapi_extra={
        **_ADMIN["openapi_extra"],
        "requestBody": {
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            }
        },
    },
)
async def publish(request: Request, ctx: Ctx, who: Who) -> FlowVersionOut:
    """Validate and publish a flow document as the next version of its flow."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in FLOW_TYPES:
        raise InvalidInput(
            "send the flow document as the body with Content-Type: application/yaml "
            "(or application/json)",
            problems=[ProblemDetail("header.content-type", f"got {ctype or 'none'}")],
        )
    raw = await request.body()
    if len(raw) > MAX_FLOW_BYTES:
        raise InvalidInput(
            f"a flow document may be at most {MAX_FLOW_BYTES} bytes",
            problems=[ProblemDetail("body", "too large")],
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            "the flow document is not UTF-8 text", problems=[ProblemDetail("body", "not UTF-8")]
        ) from exc
    flow = svc.publish_flow(ctx, who, text)
    return _out(svc.get_flow(ctx, who, flow.id, flow.version))


@router.get("", response_model=list[FlowVersionOut], **allow(Role.ADMIN, Role.SUPERVISOR))
def list_flows(ctx: Ctx, who: Who) -> list[FlowVersionOut]:
    """Return the latest version of every flow."""
    return [_out(v) for v in svc.list_flows(ctx, who)]


@router.get(
    "/{flow_id}/versions", response_model=list[FlowVersionOut], **allow(Role.ADMIN, Role.SUPERVISOR)
)
def versions(flow_id: str, ctx: Ctx, who: Who) -> list[FlowVersionOut]:
    """Return every published version of a flow, oldest first."""
    return [_out(v) for v in svc.versions_of(ctx, who, flow_id)]


@router.get(
    "/{flow_id}/versions/{version}",
    response_model=FlowSourceOut,
    **allow(Role.ADMIN, Role.SUPERVISOR),
)
def get_version(
    flow_id: str, version: Annotated[int, Path(ge=1)], ctx: Ctx, who: Who
) -> FlowSourceOut:
    """Return one version with its document."""
    return FlowSourceOut.model_validate(svc.get_flow(ctx, who, flow_id, version))
