"""`/v1/assistant`: the tenant's AI agent (settings, intent model, skills), orders, appointments.

`PUT /v1/assistant` stores the settings after checking them whole (422 with every problem by
path). `POST /v1/assistant/intents` trains the tenant's intent model from examples (plus, by
default, the built-in examples) and stores it with the tenant; it is loaded from there, never
retrained on start. `POST /v1/assistant/understand` shows what the model makes of a sentence.
`/v1/orders/{order_id}` is the demo orders table the `order_status` skill reads when the tenant
has no `orders_webhook`; `/v1/appointments` lists what the booking skills booked.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from agentfloor.access.model import Principal, Role
from agentfloor.agents.defaults import default_training
from agentfloor.agents.ports import Order
from agentfloor.api.auth import allow, context, principal
from agentfloor.api.schemas import Timestamp
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.runtime import assistant_admin as svc
from agentfloor.runtime.assistant_settings import AssistantSettings
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.nlu import MAX_EXAMPLE_CHARS, MAX_EXAMPLES, ModelInfo, NluService

__all__ = ["router"]

router = APIRouter(tags=["assistant"])
Ctx = Annotated[ServiceContext, Depends(context)]
Who = Annotated[Principal, Depends(principal)]
_ADMIN = allow(Role.ADMIN)
_READ = allow(Role.ADMIN, Role.SUPERVISOR)


def _nlu(request: Request) -> NluService:
    nlu: NluService = request.app.state.container.nlu
    return nlu


Nlu = Annotated[NluService, Depends(_nlu)]


class SlotOut(BaseModel):
    """A slot a skill fills."""

    name: str
    type: str
    prompt: str
    required: bool
    values: list[str]


class SkillOut(BaseModel):
    """A skill the tenant's AI agent has."""

    name: str
    description: str
    intents: list[str]
    slots: list[SlotOut]
    action: str


class AssistantOut(BaseModel):
    """The stored settings and what they amount to."""

    settings: dict[str, Any]
    enabled: bool
    timezone: str
    flow_id: str | None
    skills: list[str]
    answers: dict[str, str]
    order_prefixes: list[str] = Field(description="What order numbers start with (speech).")
    speech_confirm_below: float = Field(
        description="Spoken answers heard with less confidence are read back for a yes or no."
    )
    recording: bool = Field(description="Calls are recorded, after a consent prompt.")


class ExampleIn(BaseModel):
    """One training utterance and its intent."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_EXAMPLE_CHARS)
    intent: str = Field(min_length=1, max_length=64)


class TrainIn(BaseModel):
    """Examples to train the tenant's intent model from."""

    model_config = ConfigDict(extra="forbid")

    examples: list[ExampleIn] = Field(default_factory=list, max_length=MAX_EXAMPLES)
    include_defaults: bool = Field(
        True, description="Add the built-in examples (greetings, handoff, the built-in skills)."
    )


class ModelOut(BaseModel):
    """A tenant's stored intent model."""

    model_config = ConfigDict(from_attributes=True)

    trained_at: Timestamp
    intents: list[str]
    examples: int
    method: str
    threshold: float


class UnderstandIn(BaseModel):
    """A sentence to understand."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)


class RankedOut(BaseModel):
    """A candidate intent."""

    intent: str
    confidence: float


class UnderstandOut(BaseModel):
    """What the tenant's model makes of a sentence."""

    intent: str | None
    guess: str
    confidence: float
    out_of_scope: bool
    ranked: list[RankedOut]
    entities: dict[str, Any]
    sentiment: float


class OrderIn(BaseModel):
    """An order in the demo orders table."""

    model_config = ConfigDict(extra="forbid")

    status: str = Field(min_length=1, max_length=200)
    delivery_date: str | None = Field(None, max_length=100)
    total: str | None = Field(None, max_length=100)
    customer_id: str | None = Field(None, max_length=64)


class OrderOut(OrderIn):
    """A stored order."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: str
    updated_at: Timestamp


class AppointmentOut(BaseModel):
    """A booked appointment."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    resource: str
    starts_at: Timestamp
    ends_at: Timestamp
    state: str
    customer_id: str | None
    interaction_id: str | None
    name: str


def _assistant_out(settings: AssistantSettings) -> AssistantOut:
    return AssistantOut(
        settings=settings.document,
        enabled=settings.enabled,
        timezone=settings.timezone,
        flow_id=settings.flow_id,
        skills=sorted(settings.skills.skills),
        answers=settings.answers,
        order_prefixes=list(settings.order_prefixes),
        speech_confirm_below=settings.speech_confirm_below,
        recording=settings.recording,
    )


def _model_out(info: ModelInfo) -> ModelOut:
    return ModelOut.model_validate(info)


@router.get("/v1/assistant", response_model=AssistantOut, **_READ)
def get_assistant(ctx: Ctx, who: Who) -> AssistantOut:
    """Return the AI agent's settings (defaults until some are stored)."""
    return _assistant_out(svc.get_settings(ctx, who))


@router.put(
    "/v1/assistant",
    response_model=AssistantOut,
    dependencies=_ADMIN["dependencies"],
    openapi_extra={
        **_ADMIN["openapi_extra"],
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
    },
)
async def put_assistant(request: Request, ctx: Ctx, who: Who) -> AssistantOut:
    """Replace the AI agent's settings; 422 lists every problem by path."""
    try:
        doc = await request.json()
    except ValueError as exc:
        raise InvalidInput(
            "send the settings as a JSON object", problems=[ProblemDetail("body", "not JSON")]
        ) from exc
    if not isinstance(doc, dict):
        raise InvalidInput(
            "send the settings as a JSON object",
            problems=[ProblemDetail("body", "expected an object")],
        )
    return _assistant_out(svc.put_settings(ctx, who, doc))


@router.get("/v1/assistant/skills", response_model=list[SkillOut], **_READ)
def list_skills(ctx: Ctx, who: Who) -> list[SkillOut]:
    """Return the skills the AI agent has (built-in and the tenant's own), by name."""
    settings = svc.get_settings(ctx, who)
    out = []
    for name in sorted(settings.skills.skills):
        skill = settings.skills.skills[name]
        slots = [
            SlotOut(
                name=s.name,
                type=s.scale.value if s.scale else s.slot.type.value,
                prompt=s.prompt,
                required=s.required,
                values=list(s.slot.values),
            )
            for s in skill.slots
        ]
        action = f"{skill.action.kind.value}:{skill.action.name or skill.action.url}"
        out.append(
            SkillOut(
                name=skill.name,
                description=skill.description,
                intents=list(skill.intents),
                slots=slots,
                action=action,
            )
        )
    return out


@router.post("/v1/assistant/intents", status_code=201, response_model=ModelOut, **_ADMIN)
def train_intents(body: TrainIn, who: Who, nlu: Nlu) -> ModelOut:
    """Train the tenant's intent model, store it with the tenant and use it from now on."""
    examples = [(e.text, e.intent) for e in body.examples]
    if body.include_defaults:
        defaults, _ = default_training()
        examples = defaults + examples
    if not examples:
        raise InvalidInput(
            "give examples, or include the defaults",
            problems=[ProblemDetail("examples", "no examples to train on")],
        )
    info, _ = nlu.train(who.tenant_id, examples)
    return _model_out(info)


@router.get("/v1/assistant/intents", response_model=ModelOut, **_READ)
def get_intents(who: Who, nlu: Nlu) -> ModelOut:
    """Describe the tenant's stored intent model (trained on the defaults at first use)."""
    info = nlu.info(who.tenant_id)
    if info is None:
        nlu.model(who.tenant_id)
        info = nlu.info(who.tenant_id)
    assert info is not None
    return _model_out(info)


@router.post("/v1/assistant/understand", response_model=UnderstandOut, **_READ)
def understand(body: UnderstandIn, ctx: Ctx, who: Who, nlu: Nlu) -> UnderstandOut:
    """Show what the AI agent understands of a sentence: intent, entities, sentiment."""
    settings = svc.get_settings(ctx, who)
    heard, prediction = nlu.understand(
        who.tenant_id,
        body.text,
        timezone=settings.timezone,
        region=settings.region,
        enums=settings.enums(),
    )
    return UnderstandOut(
        intent=heard.intent,
        guess=prediction.intent,
        confidence=prediction.confidence,
        out_of_scope=prediction.out_of_scope,
        ranked=[RankedOut(intent=r.intent, confidence=r.confidence) for r in prediction.ranked],
        entities=dict(heard.entities),
        sentiment=heard.sentiment,
    )


class OrderCreate(OrderIn):
    """An order to create or replace, with its id."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")


class OrderPatch(BaseModel):
    """Fields of an order to change."""

    model_config = ConfigDict(extra="forbid")

    status: str | None = Field(None, min_length=1, max_length=200)
    delivery_date: str | None = Field(None, max_length=100)
    total: str | None = Field(None, max_length=100)
    customer_id: str | None = Field(None, max_length=64)


_ORDER_WRITERS = allow(Role.ADMIN, Role.INTEGRATION)


@router.post("/v1/orders", response_model=OrderOut, **_ORDER_WRITERS)
def save_order(body: OrderCreate, ctx: Ctx, who: Who) -> OrderOut:
    """Create or replace an order the `order_status` skill can tell customers about."""
    order = Order(
        tenant_id=who.tenant_id,
        id=body.id.upper(),
        customer_id=body.customer_id,
        status=body.status,
        delivery_date=body.delivery_date,
        total=body.total,
        updated_at=ctx.clock.now(),
    )
    return OrderOut.model_validate(svc.put_order(ctx, who, order))


@router.patch("/v1/orders/{order_id}", response_model=OrderOut, **_ORDER_WRITERS)
def patch_order(order_id: str, body: OrderPatch, ctx: Ctx, who: Who) -> OrderOut:
    """Change an order's status, delivery date, total or customer (404: no such order)."""
    current = svc.get_order(ctx, who, order_id)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("status", "") is None:
        raise InvalidInput(
            "an order always has a status", problems=[ProblemDetail("status", "may not be null")]
        )
    changed = dataclasses.replace(current, **changes, updated_at=ctx.clock.now())
    return OrderOut.model_validate(svc.put_order(ctx, who, changed))


@router.get("/v1/orders/{order_id}", response_model=OrderOut, **allow())
def get_order(order_id: str, ctx: Ctx, who: Who) -> OrderOut:
    """Return an order from the demo orders table."""
    return OrderOut.model_validate(svc.get_order(ctx, who, order_id))


@router.get("/v1/appointments", response_model=list[AppointmentOut], **allow())
def appointments(
    ctx: Ctx,
    who: Who,
    start: Annotated[
        datetime | None, Query(alias="from", description="Range start (ISO 8601); default now.")
    ] = None,
    end: Annotated[
        datetime | None, Query(alias="to", description="Range end; default 30 days after start.")
    ] = None,
    resource: Annotated[str | None, Query(max_length=200)] = None,
) -> list[AppointmentOut]:
    """Return the booked appointments overlapping the range, earliest first."""
    start = start or datetime.fromtimestamp(ctx.clock.now()).astimezone()
    end = end or start + timedelta(days=30)
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput(
            "give `from` and `to` with a timezone offset (e.g. 2026-12-01T09:00:00Z)",
            problems=[ProblemDetail("from", "needs a timezone offset")],
        )
    found = svc.list_appointments(ctx, who, start.timestamp(), end.timestamp(), resource)
    return [AppointmentOut.model_validate(a) for a in found]
