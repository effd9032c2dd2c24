"""The flow interpreter: a pure state machine that drives one contact through one flow version.

`start` enters the flow's first block; `advance` feeds one event (what the customer said or keyed,
a timeout, a port's answer) to the block the contact waits at. Both run automatic blocks (message,
condition, set attribute, business hours) until a block needs someone: the customer (an `Ask`) or
the outside world (a request action answered later by a `PortResult`). No I/O, no clock: `now` is
an argument. A step budget ends a contact that passes `STEP_BUDGET` blocks without the customer
saying anything, so a flow can never spin, whatever its conditions and port answers do.
Hand-written because no library runs contact flows; this is the product's own semantics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

from agentfloor.flows import model as m
from agentfloor.flows.errors import FlowStateMismatch
from agentfloor.flows.hours import is_open
from agentfloor.flows.slots import Reading, read_answer, read_choice, read_slot, read_yes_no
from agentfloor.flows.steps import (
    Action,
    Ask,
    CallWebhook,
    Choice,
    CustomerSaid,
    Dtmf,
    End,
    Enqueue,
    FlowOutcome,
    FlowState,
    InputEvent,
    LookupCustomer,
    OfferCallback,
    PortResult,
    RunSkill,
    Say,
    ScheduleCallback,
    Step,
    Timeout,
    Transfer,
    Waiting,
)
from agentfloor.flows.templates import render, render_value
from agentfloor.routing.expressions import parse_expression

__all__ = ["STEP_BUDGET", "advance", "start"]

STEP_BUDGET: Final = 200
_IDENTITY_ATTRIBUTES: Final = {"phone": "phone", "email": "email", "chat": "chat_id"}
_SORRY: Final = "Sorry, I didn't get that."
_ENQUEUE_FAILED: Final = "Sorry, we cannot connect you to an agent right now. Please try later."


@dataclass(frozen=True, slots=True)
class _Move:
    """A block's decision: new state and outputs, and the block to enter next (None: stay)."""

    state: FlowState
    outputs: tuple[Action, ...] = ()
    go: str | None = None


def start(
    flow: m.Flow,
    contact_attributes: Mapping[str, object],
    now: float,
    *,
    step_budget: int = STEP_BUDGET,
) -> Step:
    """Start a contact on `flow` (the version it will keep) and run until it waits.

    Args:
        flow: The published flow version.
        contact_attributes: What is known of the contact (channel, phone, email, chat_id, ...).
        now: The current time, epoch seconds (business hours read it).
        step_budget: Blocks allowed without customer input before the flow is ended.
    """
    state = FlowState(flow.id, flow.version, flow.start, dict(contact_attributes))
    return _run(flow, state, flow.start, (), now, step_budget)


def advance(
    flow: m.Flow,
    state: FlowState,
    event: InputEvent,
    now: float,
    *,
    step_budget: int = STEP_BUDGET,
) -> Step:
    """Feed one event to the contact's current block and run until the flow waits again.

    An event the block is not waiting for (a message while a webhook runs, a stale port answer,
    anything after the end) changes nothing and produces no output.

    Raises:
        FlowStateMismatch: `flow` is not the version `state` started on, or lacks its block.
    """
    if (flow.id, flow.version) != (state.flow_id, state.version):
        raise FlowStateMismatch(
            f"this contact runs version {state.version} of flow {state.flow_id}, not version "
            f"{flow.version} of flow {flow.id}; load the version the state names"
        )
    block = flow.blocks.get(state.block_id)
    if block is None:
        raise FlowStateMismatch(
            f"version {flow.version} of flow {flow.id} has no block {state.block_id!r}; "
            "the stored state does not belong to this flow version"
        )
    if state.is_done:
        return Step(state)
    # What the customer says or keys earns a fresh step budget; ports and timeouts do not.
    heard = replace(state, auto_steps=0) if isinstance(event, CustomerSaid | Dtmf) else state
    if state.waiting is Waiting.PORT:
        move = _on_port(block, heard, event)
    else:
        move = _on_input(block, heard, event)
    if move is None:
        return Step(state)
    if move.go is None:
        return Step(move.state, move.outputs)
    return _run(flow, move.state, move.go, move.outputs, now, step_budget)


def _run(
    flow: m.Flow,
    state: FlowState,
    target: str,
    outputs: tuple[Action, ...],
    now: float,
    budget: int,
) -> Step:
    while True:
        if state.auto_steps >= budget:
            reason = (
                f"stopped after {budget} blocks without input from the customer, at block "
                f"{target!r}: the flow probably loops; check the branches that lead back there"
            )
            end = End(reason, FlowOutcome.FAILED)
            done = replace(state, waiting=Waiting.DONE, pending=None, outcome=end.outcome)
            return Step(done, (*outputs, end))
        state = replace(
            state,
            block_id=target,
            retries=0,
            question=0,
            steps=state.steps + 1,
            auto_steps=state.auto_steps + 1,
            waiting=Waiting.INPUT,
            pending=None,
        )
        move = _enter(flow.blocks[target], state, now)
        state, outputs = move.state, outputs + move.outputs
        if move.go is None:
            return Step(state, outputs)
        target = move.go


def _context(state: FlowState) -> dict[str, object]:
    """Return what templates and conditions read: attributes, slots winning on a clash."""
    return {**state.attributes, **state.slots}


def _ask_prompt(block: m.Block, state: FlowState) -> Ask:
    context = _context(state)
    match block:
        case m.MenuBlock():
            choices = tuple(Choice(o.label, o.dtmf) for o in block.options)
            return Ask(render(block.prompt, context), "choice", choices)
        case m.CollectBlock():
            # Keys only when no value has a digit of its own ("1 pm"): then "1" means the value.
            keyed = not any(c.isdigit() for v in block.slot.values for c in v)
            values = tuple(
                Choice(v, str(i) if keyed else None) for i, v in enumerate(block.slot.values, 1)
            )
            return Ask(render(block.prompt, context), block.slot.type.value, values)
        case m.SurveyBlock():
            question = block.questions[state.question]
            return Ask(render(question.prompt, context), question.kind.value)
        case _:
            assert isinstance(block, m.CallbackOfferBlock)  # the only other asking block
            yes_no = (Choice("Yes", "1"), Choice("No", "2"))
            return Ask(render(block.prompt, context), "yes_no", yes_no)


def _wait_port(state: FlowState, action: Action) -> _Move:
    request_id = getattr(action, "request_id", None)
    return _Move(replace(state, waiting=Waiting.PORT, pending=request_id), (action,))


def _finish(state: FlowState, outputs: tuple[Action, ...], end: End) -> _Move:
    done = replace(state, waiting=Waiting.DONE, pending=None, outcome=end.outcome)
    return _Move(done, (*outputs, end))


def _enter(block: m.Block, state: FlowState, now: float) -> _Move:
    """Run a block on arrival: automatic ones choose `go`, others ask or request and wait."""
    context, request_id = _context(state), f"{block.id}:{state.steps}"
    match block:
        case m.MessageBlock():
            return _Move(state, (Say(render(block.text, context)),), block.next)
        case m.ConditionBlock():
            matched = parse_expression(block.expression).matches({}, context)
            return _Move(state, (), block.then if matched else block.else_)
        case m.SetAttributeBlock():
            attributes = {**state.attributes, block.name: render_value(block.value, context)}
            return _Move(replace(state, attributes=attributes), (), block.next)
        case m.BusinessHoursBlock():
            return _Move(state, (), block.open if is_open(block, now) else block.closed)
        case m.MenuBlock() | m.CollectBlock():
            return _Move(state, (_ask_prompt(block, state),))
        case m.SurveyBlock():
            if not block.questions:
                return _Move(state, (), block.next)
            return _Move(state, (_ask_prompt(block, state),))
        case m.CallbackOfferBlock():
            number = state.attributes.get(block.number_attribute)
            if not isinstance(number, str) or not number:
                return _Move(state, (), block.declined)  # no number to call back
            return _Move(state, (OfferCallback(render(block.prompt, context), number),))
        case m.CrmLookupBlock():
            identities = tuple(
                (kind, value)
                for kind in block.by
                if isinstance(value := state.attributes.get(_IDENTITY_ATTRIBUTES[kind]), str)
                and value
            )
            if not identities:
                return _Move(state, (), block.not_found)
            return _wait_port(state, LookupCustomer(request_id, identities))
        case m.WebhookBlock():
            # A line break in a filled-in value must not start a header of its own.
            headers = {
                k: " ".join(render(v, context).splitlines())
                for k, v in (block.headers or {}).items()
            }
            call = CallWebhook(
                request_id,
                render(block.url, context, url=True),
                block.method,
                headers,
                render_value(block.body, context),
                block.timeout_s,
                block.retries,
            )
            return _wait_port(state, call)
        case m.AiAgentBlock():
            run = RunSkill(request_id, block.skill, dict(state.attributes), dict(state.slots))
            return _wait_port(state, run)
        case m.EnqueueBlock():
            attributes = {**context, **_rendered(block.attributes, context)}
            enqueue = Enqueue(
                request_id, block.workflow_id, block.queue_id, block.priority, attributes
            )
            return _wait_port(state, enqueue)
        case m.TransferBlock():
            said = (Say(render(block.message, context)),) if block.message else ()
            transfer = Transfer(block.queue_id, block.worker_id, context)
            target = block.queue_id or block.worker_id
            end = End(f"transferred to {target}", FlowOutcome.TRANSFERRED)
            return _finish(state, (*said, transfer), end)
        case m.EndBlock():
            said = (Say(render(block.message, context)),) if block.message else ()
            return _finish(state, said, End(f"ended at block {block.id!r}", FlowOutcome.COMPLETED))


def _rendered(
    values: Mapping[str, object] | None, context: Mapping[str, object]
) -> dict[str, object]:
    return {key: render_value(value, context) for key, value in (values or {}).items()}


def _on_input(block: m.Block, state: FlowState, event: InputEvent) -> _Move | None:
    """Handle an answer (or silence) at an asking block; None if not for this block."""
    if isinstance(event, PortResult):
        return None
    text = event.digits if isinstance(event, Dtmf) else ""
    if isinstance(event, CustomerSaid):
        text = event.text
    match block:
        case m.MenuBlock():
            intent = event.intent if isinstance(event, CustomerSaid) else None
            option = None if isinstance(event, Timeout) else read_choice(block, text, intent)
            if option is None:
                return _retry(block, state, Reading(False), block.no_match)
            slots = {**state.slots, block.id: option.label}
            return _Move(replace(state, slots=slots), (), option.next)
        case m.CollectBlock():
            entities = event.entities if isinstance(event, CustomerSaid) else None
            reading = Reading(False)
            if not isinstance(event, Timeout):
                reading = read_slot(block.slot, text, entities)
            if not reading.ok:
                return _retry(block, state, reading, block.on_fail)
            slots = {**state.slots, block.slot.name: reading.value}
            return _Move(replace(state, slots=slots), (), block.next)
        case m.CallbackOfferBlock():
            intent = event.intent if isinstance(event, CustomerSaid) else None
            answer = None if isinstance(event, Timeout) else read_yes_no(text, intent)
            if answer is None:
                return _retry(block, state, Reading(False), block.declined)
            if not answer:
                return _Move(state, (), block.declined)
            number = str(state.attributes.get(block.number_attribute))
            attributes = {**state.attributes, "callback_requested": True}
            schedule = ScheduleCallback(block.queue_id, number, _context(state))
            return _Move(replace(state, attributes=attributes), (schedule,), block.accepted)
        case m.SurveyBlock():
            question = block.questions[state.question]
            reading = Reading(False)
            if not isinstance(event, Timeout):
                reading = read_answer(question.kind, text)
            if not reading.ok and state.retries < block.max_retries:
                return _retry(block, state, reading, block.next)
            answers = {**state.slots, question.id: reading.value} if reading.ok else state.slots
            if state.question + 1 >= len(block.questions):
                return _Move(replace(state, slots=answers), (), block.next)
            following = replace(state, slots=answers, question=state.question + 1, retries=0)
            return _Move(following, (_ask_prompt(block, following),))
        case _:
            return None


def _retry(block: m.Block, state: FlowState, reading: Reading, give_up: str) -> _Move:
    """Ask again, saying what was wrong, or go to `give_up` once the retries are used."""
    max_retries = getattr(block, "max_retries", 0)
    if state.retries >= max_retries:
        return _Move(state, (), give_up)
    again = replace(state, retries=state.retries + 1)
    ask = _ask_prompt(block, again)
    reprompt = getattr(block, "reprompt", "")
    if reprompt:
        ask = replace(ask, prompt=render(reprompt, _context(state)))
    sorry = reading.hint or _SORRY
    return _Move(again, (Say(sorry), ask))


def _on_port(block: m.Block, state: FlowState, event: InputEvent) -> _Move | None:
    """Handle a port's answer (a Timeout is a failed one); None if not the awaited one."""
    if isinstance(event, Timeout):
        event = PortResult(block.kind, ok=False, data={"error": "timeout"})
    if not isinstance(event, PortResult) or event.kind != block.kind:
        return None
    if event.request_id is not None and event.request_id != state.pending:
        return None  # a late answer to an earlier request
    data = event.data
    ready = replace(state, waiting=Waiting.INPUT, pending=None)
    match block:
        case m.CrmLookupBlock():
            customer = data.get("customer")
            if event.ok and isinstance(customer, Mapping) and customer:
                attributes = {**state.attributes, block.save_as: dict(customer)}
                return _Move(replace(ready, attributes=attributes), (), block.found)
            return _Move(ready, (), block.not_found)
        case m.WebhookBlock():
            if event.ok:
                attributes = dict(state.attributes)
                if block.save_as:
                    attributes[block.save_as] = data.get("body", dict(data))
                return _Move(replace(ready, attributes=attributes), (), block.success)
            error = str(data.get("error") or f"status {data.get('status', 'unknown')}")
            attributes = {**state.attributes, "last_error": error}
            return _Move(replace(ready, attributes=attributes), (), block.error)
        case m.AiAgentBlock():
            outcome = data.get("outcome") if event.ok else "handoff"
            skill_slots = data.get("slots")
            slots = dict(state.slots)
            if isinstance(skill_slots, Mapping):
                slots.update({str(k): v for k, v in skill_slots.items()})
            summary = {k: v for k, v in data.items() if k != "slots"}
            moved = replace(ready, attributes={**state.attributes, "ai": summary}, slots=slots)
            target = block.on_contained if outcome == "contained" else block.on_handoff
            return _Move(moved, (), target)
        case m.EnqueueBlock():
            if not event.ok:
                attributes = {**state.attributes, "last_error": str(data.get("error", "failed"))}
                failed = replace(ready, attributes=attributes)
                if block.on_error:
                    return _Move(failed, (), block.on_error)
                reason = f"could not enqueue: {attributes['last_error']}"
                return _finish(failed, (Say(_ENQUEUE_FAILED),), End(reason, FlowOutcome.FAILED))
            context = {**_context(state), "queue": _queue_facts(data)}
            said = tuple(
                Say(render(text, context))
                for text in (block.position_message, block.wait_message)
                if text
            )
            queue = block.workflow_id or block.queue_id
            return _finish(ready, said, End(f"enqueued to {queue}", FlowOutcome.ENQUEUED))
        case _:
            return None


def _queue_facts(data: Mapping[str, object]) -> dict[str, object]:
    position, wait_s = data.get("position"), data.get("estimated_wait_s")
    facts: dict[str, object] = {}
    if isinstance(position, int) and not isinstance(position, bool):
        facts["position"] = position
    if isinstance(wait_s, int | float) and not isinstance(wait_s, bool) and math.isfinite(wait_s):
        facts["estimated_wait_s"] = wait_s
        facts["estimated_wait_min"] = max(1, math.ceil(wait_s / 60))
    return facts
