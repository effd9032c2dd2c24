"""What goes into and comes out of the flow interpreter: input events, actions, state, steps.

The interpreter is a pure state machine, so everything it knows about a contact is in `FlowState`
and everything it wants done is an action in `Step.outputs`: the runtime says the text, asks the
question, calls the webhook or the CRM, and feeds the answer back as an event. Actions that wait
for an answer carry a `request_id`, and a `PortResult` may quote it, so a late answer to an
earlier request is never taken for the current one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeAlias

__all__ = [
    "Action",
    "Ask",
    "CallWebhook",
    "Choice",
    "CustomerSaid",
    "Dtmf",
    "End",
    "Enqueue",
    "FlowOutcome",
    "FlowState",
    "InputEvent",
    "LookupCustomer",
    "OfferCallback",
    "PortKind",
    "PortResult",
    "RunSkill",
    "Say",
    "ScheduleCallback",
    "Step",
    "Timeout",
    "Transfer",
    "Waiting",
]


# --- input events -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomerSaid:
    """The customer wrote or said something; `intent` and `entities` come from NLU, if run."""

    text: str
    intent: str | None = None
    entities: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Dtmf:
    """The caller pressed keys (`0-9`, `*`, `#`)."""

    digits: str


@dataclass(frozen=True, slots=True)
class Timeout:
    """Nothing came in time: no answer from the customer, or none from a port the flow awaits."""


class PortKind(StrEnum):
    """The outside-world requests a flow waits on; a `PortResult` names which it answers."""

    CRM_LOOKUP = "crm_lookup"
    WEBHOOK = "webhook"
    AI_AGENT = "ai_agent"
    ENQUEUE = "enqueue"


@dataclass(frozen=True, slots=True)
class PortResult:
    """The answer to a request action.

    `data` by kind: crm_lookup `{"customer": {...}}`; webhook `{"status": 200, "body": ...}` or
    `{"error": "..."}`; ai_agent `{"outcome": "contained" | "handoff", "reason": ...,
    "slots": {...}}`; enqueue `{"position": 3, "estimated_wait_s": 120}` or `{"error": ...}`.
    """

    kind: PortKind | str
    ok: bool
    data: Mapping[str, object] = field(default_factory=dict)
    request_id: str | None = None


InputEvent: TypeAlias = CustomerSaid | Dtmf | Timeout | PortResult


# --- actions ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Say:
    """Send this text to the customer (chat message, or speech in voice)."""

    text: str


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer offered with a question: a button in chat, a key in voice."""

    label: str
    dtmf: str | None = None


@dataclass(frozen=True, slots=True)
class Ask:
    """Ask the customer and wait: `expect` is `choice`, `yes_no`, a slot type or a survey kind."""

    prompt: str
    expect: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True, slots=True)
class CallWebhook:
    """Make this HTTP request (the adapter retries `retries` times within its timeout)."""

    request_id: str
    url: str
    method: str
    headers: Mapping[str, str]
    body: object
    timeout_s: float
    retries: int


@dataclass(frozen=True, slots=True)
class LookupCustomer:
    """Find the CRM customer with any of these identities, as (kind, value) pairs."""

    request_id: str
    identities: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class RunSkill:
    """Hand the conversation to an AI skill with what the flow knows so far."""

    request_id: str
    skill: str
    attributes: Mapping[str, object]
    slots: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Enqueue:
    """Create a routed task for the contact (through a workflow, or straight into a queue)."""

    request_id: str
    workflow_id: str | None
    queue_id: str | None
    priority: int
    attributes: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Transfer:
    """Hand the contact to a queue or a given worker, with what the flow knows."""

    queue_id: str | None
    worker_id: str | None
    attributes: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class OfferCallback:
    """Offer to call the customer back on `number` (a yes/no question; answers come as input)."""

    prompt: str
    number: str


@dataclass(frozen=True, slots=True)
class ScheduleCallback:
    """The customer accepted: create a callback task for `number` (no answer awaited)."""

    queue_id: str | None
    number: str
    attributes: Mapping[str, object]


class FlowOutcome(StrEnum):
    """How a flow ended, for the runtime (close or keep the conversation) and the reports."""

    COMPLETED = "completed"  # an end block: the conversation is over
    ENQUEUED = "enqueued"  # waiting in a queue for a worker
    TRANSFERRED = "transferred"  # handed to a queue or worker directly
    FAILED = "failed"  # the step budget ran out, or enqueueing failed with nowhere to go


@dataclass(frozen=True, slots=True)
class End:
    """The flow is over for this contact; `reason` says why, in words for the reports."""

    reason: str
    outcome: FlowOutcome


Action: TypeAlias = (
    Say
    | Ask
    | CallWebhook
    | LookupCustomer
    | RunSkill
    | Enqueue
    | Transfer
    | OfferCallback
    | ScheduleCallback
    | End
)


# --- state --------------------------------------------------------------------------------------


class Waiting(StrEnum):
    """What the flow waits for at its current block."""

    INPUT = "input"  # the customer (CustomerSaid, Dtmf or Timeout)
    PORT = "port"  # a PortResult for `FlowState.pending` (or a Timeout)
    DONE = "done"  # nothing: the flow has ended


@dataclass(frozen=True, slots=True)
class FlowState:
    """One contact's place in one flow version; store it between events.

    Attributes:
        flow_id: The flow, and `version` the version the contact started on (pinned).
        block_id: The current block.
        attributes: The contact's attributes, as given at start and set by blocks.
        slots: Values collected from the customer (collect, survey, menu choices).
        retries: Failed tries at the current question.
        question: The current survey question (index).
        steps: Blocks entered in all.
        auto_steps: Blocks entered since the customer last said or keyed something.
        waiting: What the flow waits for.
        pending: The request id of the awaited port answer.
        outcome: How the flow ended, once it has.
    """

    flow_id: str
    version: int
    block_id: str
    attributes: Mapping[str, object]
    slots: Mapping[str, object] = field(default_factory=dict)
    retries: int = 0
    question: int = 0
    steps: int = 0
    auto_steps: int = 0
    waiting: Waiting = Waiting.INPUT
    pending: str | None = None
    outcome: FlowOutcome | None = None

    @property
    def is_done(self) -> bool:
        """Whether the flow has ended for this contact."""
        return self.waiting is Waiting.DONE


@dataclass(frozen=True, slots=True)
class Step:
    """The interpreter's answer to one event: the new state and the actions to carry out."""

    state: FlowState
    outputs: tuple[Action, ...] = ()
