"""Contact flows in the simulator: each contact runs through the real `flows` interpreter.

A queue's `flow` (`sim.spec.FlowSpec`, checked at load time by `sim.flows_check`) names a flow
document and a caller model: the share of callers giving each answer at each block that asks,
the seconds a question takes, what the ports the simulator cannot run answer (webhook, CRM
lookup: a success share; an `ai_agent` block: the scenario's `ai` containment model).
`walk_flows` feeds every contact of the queue to `flows.start`/`flows.advance` at its virtual
times (business hours read them) and returns where each one went: enqueued or transferred to a
queue (the flow's queue and workflow ids mapped to scenario queues by `FlowSpec.queues`, else
taken as scenario queue ids), a callback booked (`callback_offer` accepted: a task that never
abandons), served by the flow (an `end` block: self-service) or failed (the step budget ran
out, or a loop of menus took a thousand answers), and how long it took.

Why before the event loop rather than inside it: nothing in a flow's path depends on the router.
The simulator answers an `Enqueue` with no position or expected wait (its messages render
without them), and callers do not hang up in the IVR: patience starts once queued (a `no_answer`
share models silence, which re-prompts and then takes the block's give-up branch). So each walk
is a pure function of the contact's arrival time and its random draws, the loop only sees a
hand-off after a delay, exactly like the AI containment model, and a scenario without flows
pays nothing. As live (`runtime.assistant`), every contact the flow handled gets one
`ai.outcome`: `contained` when the flow served it, `handed_off` otherwise, which is what the
containment KPI counts (its queue is the one the contact was routed to, or the queue it
arrived at when served or stopped). A contact runs one flow: that of the queue it arrives at.

The interpreter is pure, so one path of answers gives one path of steps: a run interprets each
distinct path once (`FlowCaller.memo`) unless the flow reads the clock (business hours), and a
500-agent day's 16,000 calls through a menu take about 0.1 s (`benchmarks/sim.py` day scenario).
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from agentfloor.flows import (
    Ask,
    BusinessHoursBlock,
    CallWebhook,
    CustomerSaid,
    End,
    Enqueue,
    Flow,
    FlowOutcome,
    InputEvent,
    LookupCustomer,
    OfferCallback,
    PortKind,
    PortResult,
    RunSkill,
    Say,
    ScheduleCallback,
    Step,
    Timeout,
    Transfer,
    advance,
    start,
)
from agentfloor.sim.flows_check import NO_ANSWER, sim_flow
from agentfloor.sim.spec import (
    AiContainment,
    EmpiricalTime,
    ExponentialTime,
    FlowSpec,
    LognormalTime,
)

__all__ = [
    "FAILED",
    "ROUTED",
    "SERVED",
    "FlowCaller",
    "FlowWalks",
    "compile_flow",
    "walk_flows",
]

_MAX_ANSWERS = 1_000  # answers one contact may give before the walk stops (a loop of menus)
_MAX_MEMO = 20_000  # interpreter steps remembered per run (distinct answer paths)
# what a successful CRM lookup returns: enough for `{customer.name}` templates
_CUSTOMER = {"id": "cus_sim", "name": "Customer"}

# where a walk ends (FlowWalks.outcome)
ROUTED, SERVED, FAILED = 0, 1, 2


# --- the caller model, compiled --------------------------------------------------------------

Sampler = Callable[[random.Random], float]


def _sampler(dist: float | ExponentialTime | LognormalTime | EmpiricalTime) -> Sampler:
    """Return a scalar sampler of a time distribution (a number: that constant)."""
    if isinstance(dist, int | float):
        value = float(dist)
        return lambda rng: value
    if isinstance(dist, ExponentialTime):
        rate = 1.0 / dist.mean_s
        return lambda rng: rng.expovariate(rate)
    if isinstance(dist, EmpiricalTime):
        samples = list(dist.samples_s)
        return lambda rng: rng.choice(samples)
    sigma2 = math.log1p((dist.sd_s / dist.mean_s) ** 2)  # as sim.sampling.draw_times
    mu, sigma = math.log(dist.mean_s) - sigma2 / 2, math.sqrt(sigma2)
    return lambda rng: rng.lognormvariate(mu, sigma)


@dataclass(frozen=True, slots=True)
class _Answers:
    events: tuple[InputEvent, ...]
    cumulative: tuple[float, ...]

    def draw(self, rng: random.Random) -> int:
        """Return the index of a drawn answer in `events`."""
        at = bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])
        return min(at, len(self.events) - 1)


@dataclass(frozen=True, slots=True)
class FlowCaller:
    """A checked flow and its caller model, ready to walk contacts (see `compile_flow`)."""

    flow: Flow
    entry: int  # the queue index the contacts arrive at
    channel: str
    answers: dict[str, _Answers]
    prompt: Sampler
    prompts: dict[str, Sampler]  # by block id, where `prompt_times` says
    message_s: float
    webhook: tuple[float, float]  # (success share, seconds)
    crm_lookup: tuple[float, float]
    queue_index: dict[str, int]  # flow queue/workflow id -> scenario queue index
    attributes: dict[str, object]
    ai_share: float
    ai_contained: Sampler
    ai_handoff: Sampler
    # The interpreter's answer to the same answers in the same order, when no block reads the
    # time (business hours): contacts share it, so each path is interpreted once (see _walk).
    memo: dict[tuple[int, ...], Step] | None


def compile_flow(
    spec: FlowSpec, entry: int, queue_ids: list[str], channel: str, ai: AiContainment | None
) -> FlowCaller:
    """Return the caller model of a checked scenario's flow, with its draws precomputed."""
    flow = sim_flow(spec.source)
    index = {q: i for i, q in enumerate(queue_ids)}
    index |= {name: index[target] for name, target in spec.queues.items()}
    answers: dict[str, _Answers] = {}
    for block_id, shares in spec.answers.items():
        events: list[InputEvent] = []
        cumulative: list[float] = []
        total = 0.0
        for answer, share in shares.items():
            if share <= 0:
                continue
            total += share
            events.append(Timeout() if answer == NO_ANSWER else CustomerSaid(answer, answer))
            cumulative.append(total)
        answers[block_id] = _Answers(tuple(events), tuple(cumulative))
    ports = spec.ports
    return FlowCaller(
        flow=flow,
        entry=entry,
        channel=channel,
        answers=answers,
        prompt=_sampler(spec.prompt_time),
        prompts={block_id: _sampler(t) for block_id, t in spec.prompt_times.items()},
        message_s=spec.message_s,
        webhook=(ports.webhook.success, ports.webhook.time_s),
        crm_lookup=(ports.crm_lookup.success, ports.crm_lookup.time_s),
        queue_index=index,
        attributes={**spec.attributes, "channel": channel},
        ai_share=0.0 if ai is None else ai.share,
        ai_contained=_sampler(0.0 if ai is None else ai.handle_time),
        ai_handoff=_sampler(0.0 if ai is None or ai.handoff_time is None else ai.handoff_time),
        memo=None if any(isinstance(b, BusinessHoursBlock) for b in flow.blocks.values()) else {},
    )


# --- walking contacts ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlowWalks:
    """Where each contact's walk ended, as parallel lists in the order of the arrivals given.

    `outcome` is `ROUTED` (to queue index `queue`), `SERVED` (by the flow: self-service) or
    `FAILED` (stopped: no task); `seconds` the time in the flow; `callback` whether the task is a
    booked callback (it never abandons).
    """

    outcome: list[int]
    queue: list[int]
    seconds: list[float]
    callback: list[bool]


def walk_flows(caller: FlowCaller, arrivals_s: list[float], rng: random.Random) -> FlowWalks:
    """Run each contact (arriving at epoch seconds `arrivals_s`) through the flow."""
    outcome: list[int] = []
    queue: list[int] = []
    seconds: list[float] = []
    callback: list[bool] = []
    for at in arrivals_s:
        result, target, elapsed, booked = _walk(caller, at, rng)
        outcome.append(result)
        queue.append(target)
        seconds.append(elapsed)
        callback.append(booked)
    return FlowWalks(outcome, queue, seconds, callback)


def _walk(caller: FlowCaller, at: float, rng: random.Random) -> tuple[int, int, float, bool]:
    """One contact's walk: (outcome, queue index, seconds in the flow, callback booked).

    Each event fed to the interpreter is coded by a small int (the answer's index, a port's
    success), so a path of codes names the interpreter's step after it: with `caller.memo`, a
    path seen before is not interpreted again (the interpreter is pure; only business hours
    read `now`, and a flow with them has no memo). The draws are made all the same.
    """
    flow, elapsed, memo = caller.flow, 0.0, caller.memo
    target, booked, result = caller.entry, False, FAILED
    path: tuple[int, ...] = ()
    found = None if memo is None else memo.get(path)
    step: Step = start(flow, caller.attributes, at) if found is None else found
    if memo is not None and found is None:
        memo[path] = step
    data: dict[str, object]
    for _ in range(_MAX_ANSWERS):
        event: InputEvent | None = None
        code = 0
        for action in step.outputs:
            if isinstance(action, Say):
                elapsed += caller.message_s
            elif isinstance(action, Ask | OfferCallback):
                block_id = step.state.block_id
                elapsed += caller.prompts.get(block_id, caller.prompt)(rng)
                answers = caller.answers[block_id]
                code = answers.draw(rng)
                event = answers.events[code]
            elif isinstance(action, CallWebhook):
                ok_share, time_s = caller.webhook
                elapsed += time_s
                ok = rng.random() < ok_share
                code = int(ok)
                data = {"status": 200, "body": {}} if ok else {"error": "failed"}
                event = PortResult(PortKind.WEBHOOK, ok, data, action.request_id)
            elif isinstance(action, LookupCustomer):
                ok_share, time_s = caller.crm_lookup
                elapsed += time_s
                ok = rng.random() < ok_share
                code = int(ok)
                data = {"customer": dict(_CUSTOMER)} if ok else {}
                event = PortResult(PortKind.CRM_LOOKUP, ok, data, action.request_id)
            elif isinstance(action, RunSkill):
                contained = rng.random() < caller.ai_share
                code = int(contained)
                elapsed += caller.ai_contained(rng) if contained else caller.ai_handoff(rng)
                data = {"outcome": "contained" if contained else "handoff"}
                event = PortResult(PortKind.AI_AGENT, True, data, action.request_id)
            elif isinstance(action, Enqueue):
                name = action.workflow_id or action.queue_id or ""
                target = caller.queue_index[name]
                event = PortResult(PortKind.ENQUEUE, True, {}, action.request_id)
            elif isinstance(action, Transfer):
                target = caller.queue_index[action.queue_id or ""]
            elif isinstance(action, ScheduleCallback):
                booked = True
                if action.queue_id is not None:
                    target = caller.queue_index[action.queue_id]
            elif isinstance(action, End):
                if action.outcome is FlowOutcome.COMPLETED:
                    result = ROUTED if booked else SERVED
                elif action.outcome is not FlowOutcome.FAILED:
                    result = ROUTED
        if step.state.is_done or event is None:
            break
        if memo is None:
            step = advance(flow, step.state, event, at + elapsed)
            continue
        path = (*path, code)
        found = memo.get(path)
        if found is None:
            found = advance(flow, step.state, event, at + elapsed)
            if len(memo) < _MAX_MEMO:
                memo[path] = found
        step = found
    return result, target, elapsed, booked
