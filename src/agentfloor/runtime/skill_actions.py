"""The actions skills request once their slots are filled: built-in, CRM, or a tenant's webhook.

`SkillActions.run` carries out one `agents.dialogue.RunAction` and answers `(ok, result)`:
`ok` False means the action itself failed (timeout, garbage, error: the dialogue hands off);
`result["found"]` False means it ran but found nothing (no such order, the time is taken: the
dialogue asks again). Built-ins: `order_status` (the tenant's `orders_webhook`, else the orders
table), `appointment_book`, `appointment_reschedule`, `appointment_cancel` (the slot calendar
over the appointments table), `lead_score` (BANT), `verify_identity` (against the CRM record)
and `survey_record` (a `survey.answered` event on the interaction, for CSAT and NPS).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, Protocol

from agentfloor.agents.calendar import SlotCalendar
from agentfloor.agents.dialogue import RunAction
from agentfloor.agents.leads import score_lead
from agentfloor.agents.ports import Appointment
from agentfloor.agents.skills.model import ActionKind
from agentfloor.agents.verification import verify_identity
from agentfloor.core.errors import Conflict
from agentfloor.crm.identities import IdentityKind
from agentfloor.flows.templates import render, render_value
from agentfloor.interactions.model import Interaction
from agentfloor.runtime.assistant_settings import AssistantSettings
from agentfloor.runtime.context import Changes, ServiceContext
from agentfloor.runtime.uow import UnitOfWork

__all__ = ["ActionResult", "SkillActions", "WebhookAnswer", "WebhookCaller"]

ActionResult = tuple[bool, dict[str, Any]]
_ALTERNATIVES = 3


class WebhookAnswer(Protocol):
    """What a webhook call came to (see `adapters.http.webhooks`)."""

    @property
    def ok(self) -> bool: ...  # noqa: D102
    @property
    def status(self) -> int | None: ...  # noqa: D102
    @property
    def body(self) -> object: ...  # noqa: D102
    @property
    def error(self) -> str | None: ...  # noqa: D102


class WebhookCaller(Protocol):
    """Calls a tenant's HTTP endpoint; never raises for remote failures."""

    def call(
        self,
        url: str,
        method: str,
        headers: Mapping[str, str],
        body: object,
        timeout_s: float,
        retries: int,
    ) -> WebhookAnswer:
        """Make the request (with retries) and say how it went."""
        ...


class SkillActions:
    """Runs skill actions for every tenant."""

    def __init__(self, ctx: ServiceContext, webhooks: WebhookCaller) -> None:
        self.ctx = ctx
        self.webhooks = webhooks

    def run(
        self, settings: AssistantSettings, interaction: Interaction, request: RunAction
    ) -> ActionResult:
        """Carry out `request` for the contact on `interaction`."""
        action = request.action
        slots = dict(request.slots)
        context = {**request.context, **slots}
        match action.kind:
            case ActionKind.NONE:
                return True, {"found": True, **slots}
            case ActionKind.WEBHOOK:
                url = render(action.url, context, url=True)
                headers = {
                    k: " ".join(render(v, context).split()) for k, v in action.headers.items()
                }
                body = render_value(action.body, context)
                return self._webhook(
                    url, action.method, headers, body, action.timeout_s, action.retries
                )
            case ActionKind.CRM:
                return self._crm(interaction, action.name, slots)
            case ActionKind.BUILTIN:
                return self._builtin(settings, interaction, action.name, slots, request.skill)
        return False, {"error": f"unknown action kind {action.kind}"}

    # --- webhooks --------------------------------------------------------------------------------

    def _webhook(
        self,
        url: str,
        method: str,
        headers: Mapping[str, str],
        body: object,
        timeout_s: float,
        retries: int,
    ) -> ActionResult:
        answer = self.webhooks.call(url, method, headers, body, timeout_s, retries)
        if answer.status == 404:
            return True, {"found": False, "status": 404}
        if not answer.ok:
            error = answer.error or f"the webhook answered status {answer.status}"
            return False, {"error": error, "status": answer.status}
        data = answer.body
        result: dict[str, Any] = dict(data) if isinstance(data, Mapping) else {"items": data}
        result.setdefault("found", True)
        return True, result

    # --- CRM -------------------------------------------------------------------------------------

    def _crm(self, interaction: Interaction, name: str, slots: dict[str, Any]) -> ActionResult:
        with self.ctx.uow(interaction.tenant_id) as uow:
            record = _customer_record(uow, interaction.customer_id)
            claimed = _claimed_customer(uow, slots)
            if name == "lookup":
                found = claimed or record
                return True, {"found": found is not None, "customer": found or {}}
            # verify: the details must match the customer this contact is, or the one they name.
            target = record if record is not None and _has_identities(record) else claimed
            if target is None:
                return True, {"found": False, "verified": False}
            check = verify_identity(slots, target)
            return True, {
                "found": check.ok,
                "verified": check.ok,
                "matched": list(check.matched),
                "mismatched": list(check.mismatched),
                "customer_id": target.get("id"),
            }

    # --- built-ins -------------------------------------------------------------------------------

    def _builtin(
        self,
        settings: AssistantSettings,
        interaction: Interaction,
        name: str,
        slots: dict[str, Any],
        skill: str,
    ) -> ActionResult:
        match name:
            case "order_status":
                return self._order_status(settings, interaction, slots)
            case "appointment_book":
                return self._book(settings, interaction, slots)
            case "appointment_reschedule":
                return self._reschedule(settings, interaction, slots)
            case "appointment_cancel":
                return self._cancel(settings, interaction)
            case "lead_score":
                score = score_lead(slots)
                result = {
                    "found": True,
                    "score": score.score,
                    "hot": score.hot,
                    "reasons": list(score.reasons),
                }
                self._log(interaction, "lead.qualified", {**_plain(slots), **result})
                return True, result
            case "verify_identity":
                return self._crm(interaction, "verify", slots)
            case "survey_record":
                self._log(interaction, "survey.answered", {"skill": skill, **_plain(slots)})
                return True, {"found": True}
        return False, {"error": f"there is no built-in action {name!r}"}

    def _log(self, interaction: Interaction, type_: str, data: dict[str, Any]) -> None:
        with self.ctx.uow(interaction.tenant_id) as uow:
            current = uow.interactions.get(interaction.id) or interaction
            changes = Changes(self.ctx, uow, None, self.ctx.clock.now())
            changes.log(current, type_, data)
            changes.commit()

    def _order_status(
        self, settings: AssistantSettings, interaction: Interaction, slots: dict[str, Any]
    ) -> ActionResult:
        order_id = str(slots.get("order_id", "")).upper()
        if settings.orders_webhook:
            url = render(settings.orders_webhook, {"order_id": order_id}, url=True)
            return self._webhook(url, "GET", {"Accept": "application/json"}, None, 2.5, 1)
        with self.ctx.uow(interaction.tenant_id) as uow:
            order = uow.orders.get(order_id)
        if order is None:
            return True, {"found": False, "order_id": order_id}
        return True, {
            "found": True,
            "order_id": order.id,
            "status": order.status,
            "delivery_date": order.delivery_date or "not yet known",
            "total": order.total,
        }

    # --- appointments ----------------------------------------------------------------------------

    def _start(self, settings: AssistantSettings, slots: Mapping[str, Any]) -> float | None:
        return settings.calendar.moment(str(slots.get("date")), str(slots.get("time")))

    def _book(
        self, settings: AssistantSettings, interaction: Interaction, slots: dict[str, Any]
    ) -> ActionResult:
        calendar = settings.calendar
        start = self._start(settings, slots)
        if start is None:
            return False, {"error": "the date and time do not name a moment on the calendar"}
        resource = slots.get("resource")
        resource = str(resource) if resource else None
        now = self.ctx.clock.now()
        with self.ctx.uow(interaction.tenant_id) as uow:
            booked = _booked(uow, now, calendar.horizon_days)
            free = calendar.is_bookable(booked, resource, start, now=now)
            if free is not None:
                appointment = Appointment(
                    id=self.ctx.ids.new("apt"),
                    tenant_id=interaction.tenant_id,
                    resource=free.resource,
                    starts_at=free.start,
                    ends_at=free.end,
                    state="booked",
                    customer_id=interaction.customer_id,
                    interaction_id=interaction.id,
                    name=str(slots.get("name") or ""),
                    created_at=now,
                    updated_at=now,
                )
                try:
                    uow.appointments.add(appointment)
                    changes = Changes(self.ctx, uow, None, now)
                    current = uow.interactions.get(interaction.id) or interaction
                    changes.log(current, "appointment.booked", _appointment_data(appointment))
                    changes.commit()
                except Conflict:
                    free = None  # taken a moment ago by someone else
            if free is None:
                return True, self._unavailable(calendar, booked, resource, start, now)
        return True, {
            "found": True,
            "appointment_id": appointment.id,
            "when": calendar.describe(free),
            "resource": free.resource,
        }

    def _unavailable(
        self,
        calendar: SlotCalendar,
        booked: list[tuple[str, float, float]],
        resource: str | None,
        start: float,
        now: float,
    ) -> dict[str, Any]:
        near = calendar.free_slots(
            booked, after=now, count=_ALTERNATIVES, resource=resource, near=start
        )
        listed = calendar.describe_choices(near) if near else "none in the coming weeks"
        return {"found": False, "alternatives": listed}

    def _next_appointment(self, uow: UnitOfWork, interaction: Interaction) -> Appointment | None:
        if interaction.customer_id is None:
            return None
        now = self.ctx.clock.now()
        upcoming = [a for a in uow.appointments.for_customer(interaction.customer_id)]
        return next((a for a in upcoming if a.starts_at > now), None)

    def _reschedule(
        self, settings: AssistantSettings, interaction: Interaction, slots: dict[str, Any]
    ) -> ActionResult:
        calendar = settings.calendar
        start = self._start(settings, slots)
        if start is None:
            return False, {"error": "the date and time do not name a moment on the calendar"}
        now = self.ctx.clock.now()
        with self.ctx.uow(interaction.tenant_id) as uow:
            current = self._next_appointment(uow, interaction)
            if current is None:
                return True, {"found": False, "alternatives": "none: you have no booking"}
            booked = [
                b
                for b in _booked(uow, now, calendar.horizon_days)
                if b[1] != current.starts_at or b[0] != current.resource
            ]
            free = calendar.is_bookable(booked, current.resource, start, now=now)
            if free is None:
                return True, self._unavailable(calendar, booked, current.resource, start, now)
            moved = dataclasses.replace(
                current, starts_at=free.start, ends_at=free.end, updated_at=now
            )
            try:
                uow.appointments.update(moved)
                changes = Changes(self.ctx, uow, None, now)
                record = uow.interactions.get(interaction.id) or interaction
                changes.log(record, "appointment.rescheduled", _appointment_data(moved))
                changes.commit()
            except Conflict:
                return True, self._unavailable(calendar, booked, current.resource, start, now)
        return True, {"found": True, "appointment_id": moved.id, "when": calendar.describe(free)}

    def _cancel(self, settings: AssistantSettings, interaction: Interaction) -> ActionResult:
        now = self.ctx.clock.now()
        with self.ctx.uow(interaction.tenant_id) as uow:
            current = self._next_appointment(uow, interaction)
            if current is None:
                return True, {"found": False}
            cancelled = dataclasses.replace(current, state="cancelled", updated_at=now)
            uow.appointments.update(cancelled)
            changes = Changes(self.ctx, uow, None, now)
            record = uow.interactions.get(interaction.id) or interaction
            changes.log(record, "appointment.cancelled", _appointment_data(cancelled))
            changes.commit()
        when = settings.calendar.describe(current.starts_at)
        return True, {"found": True, "appointment_id": current.id, "when": when}


def _booked(uow: UnitOfWork, now: float, horizon_days: int) -> list[tuple[str, float, float]]:
    end = now + (horizon_days + 1) * 86_400
    return [(a.resource, a.starts_at, a.ends_at) for a in uow.appointments.booked(None, now, end)]


def _appointment_data(appointment: Appointment) -> dict[str, Any]:
    return {
        "appointment_id": appointment.id,
        "resource": appointment.resource,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "state": appointment.state,
        "customer_id": appointment.customer_id,
    }


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Return `values` as JSON-safe data (anything odd becomes its string)."""
    return dict(json.loads(json.dumps(dict(values), default=str)))


def _customer_record(uow: UnitOfWork, customer_id: str | None) -> dict[str, Any] | None:
    if customer_id is None:
        return None
    customer = uow.customers.get(customer_id)
    if customer is None:
        return None
    record: dict[str, Any] = {"id": customer.id, "name": customer.name, **customer.attributes}
    for identity in uow.customers.identities_of(customer.id):
        if identity.kind in (IdentityKind.EMAIL, IdentityKind.PHONE):
            record.setdefault(identity.kind.value, identity.value)
    return record


def _has_identities(record: Mapping[str, Any]) -> bool:
    return bool(record.get("email") or record.get("phone"))


def _claimed_customer(uow: UnitOfWork, slots: Mapping[str, Any]) -> dict[str, Any] | None:
    for kind in (IdentityKind.EMAIL, IdentityKind.PHONE):
        value = slots.get(kind.value)
        if isinstance(value, str) and value:
            identity = uow.customers.find_identity(kind, value)
            if identity is not None:
                return _customer_record(uow, identity.customer_id)
    return None
