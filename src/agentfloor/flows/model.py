"""Flow documents as typed values: a flow version and its blocks.

A contact flow (IVR or bot script) is a versioned document of named blocks, each saying what to do
with the contact and which block comes next. This module owns only the shapes; `validation` turns a
YAML/JSON document into these values (collecting every problem), `interpreter` runs them. They are
written by hand because no library runs contact flows: the block set, the branch names and the
step semantics are this product's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, TypeAlias

__all__ = [
    "AiAgentBlock",
    "Block",
    "BusinessHoursBlock",
    "CallbackOfferBlock",
    "CollectBlock",
    "ConditionBlock",
    "CrmLookupBlock",
    "EndBlock",
    "EnqueueBlock",
    "Flow",
    "FlowDefinition",
    "MenuBlock",
    "MenuOption",
    "MessageBlock",
    "OpenHours",
    "QuestionKind",
    "SetAttributeBlock",
    "Slot",
    "SlotType",
    "SurveyBlock",
    "SurveyQuestion",
    "TransferBlock",
    "WebhookBlock",
    "is_terminal",
    "successors",
]

# A value in a flow document or a contact's attributes: JSON-like (dict, list, str, number, bool,
# None). `object` rather than a recursive alias keeps mypy strict simple; readers check kinds.
Value: TypeAlias = object


class SlotType(StrEnum):
    """What a `collect` block accepts; each has its own validation (see `flows.slots`)."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    TIME = "time"
    PHONE = "phone"
    EMAIL = "email"
    MONEY = "money"
    ORDER_ID = "order_id"
    ENUM = "enum"


class QuestionKind(StrEnum):
    """A survey question: CSAT (1-5), NPS (0-10) or free text."""

    CSAT = "csat"
    NPS = "nps"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class MessageBlock:
    """Say `text` (with `{attribute}` placeholders filled in), then go to `next`."""

    kind: ClassVar[str] = "message"
    id: str
    text: str
    next: str


@dataclass(frozen=True, slots=True)
class MenuOption:
    """One choice of a menu: chosen by its DTMF digits, its NLU intent or its label as text."""

    label: str
    next: str
    dtmf: str | None = None
    intent: str | None = None


@dataclass(frozen=True, slots=True)
class MenuBlock:
    """Ask the contact to choose; after `max_retries` failed re-prompts go to `no_match`."""

    kind: ClassVar[str] = "menu"
    id: str
    prompt: str
    options: tuple[MenuOption, ...]
    no_match: str
    reprompt: str = ""
    max_retries: int = 2


@dataclass(frozen=True, slots=True)
class Slot:
    """A typed value to collect: `values` (enum), `pattern` (order id), `region` (phone)."""

    name: str
    type: SlotType
    values: tuple[str, ...] = ()
    pattern: str = ""
    region: str | None = None


@dataclass(frozen=True, slots=True)
class CollectBlock:
    """Ask for a slot until a valid value arrives (then `next`) or retries run out (`on_fail`)."""

    kind: ClassVar[str] = "collect"
    id: str
    slot: Slot
    prompt: str
    next: str
    on_fail: str
    reprompt: str = ""
    max_retries: int = 2


@dataclass(frozen=True, slots=True)
class ConditionBlock:
    """Branch on a routing expression over the contact's attributes (`task.<attribute>`)."""

    kind: ClassVar[str] = "condition"
    id: str
    expression: str
    then: str
    else_: str  # `else` in the document


@dataclass(frozen=True, slots=True)
class SetAttributeBlock:
    """Set attribute `name` to `value`; a string is a template, other values are kept as is."""

    kind: ClassVar[str] = "set_attribute"
    id: str
    name: str
    value: Value
    next: str


@dataclass(frozen=True, slots=True)
class CrmLookupBlock:
    """Look the contact up in the CRM by the identities in `by`; save the customer as `save_as`."""

    kind: ClassVar[str] = "crm_lookup"
    id: str
    by: tuple[str, ...]
    found: str
    not_found: str
    save_as: str = "customer"


@dataclass(frozen=True, slots=True)
class WebhookBlock:
    """Call an HTTP endpoint (through a port) and branch on success or error (timeouts included)."""

    kind: ClassVar[str] = "webhook"
    id: str
    url: str
    success: str
    error: str
    method: str = "POST"
    headers: Mapping[str, str] | None = None
    body: Value = None
    timeout_s: float = 5.0
    retries: int = 0
    save_as: str | None = None


@dataclass(frozen=True, slots=True)
class OpenHours:
    """One opening interval on a weekday (0 = Monday), in minutes after local midnight."""

    weekday: int
    start_min: int
    end_min: int


@dataclass(frozen=True, slots=True)
class BusinessHoursBlock:
    """Go to `open` or `closed` by local time in `timezone`, public holidays, closed dates."""

    kind: ClassVar[str] = "business_hours"
    id: str
    timezone: str
    hours: tuple[OpenHours, ...]
    open: str
    closed: str
    country: str | None = None
    subdivision: str | None = None
    closed_dates: tuple[str, ...] = ()  # ISO dates, local to `timezone`


@dataclass(frozen=True, slots=True)
class AiAgentBlock:
    """Hand the conversation to an AI skill; it ends contained or asks for a person (handoff)."""

    kind: ClassVar[str] = "ai_agent"
    id: str
    skill: str
    on_contained: str
    on_handoff: str


@dataclass(frozen=True, slots=True)
class EnqueueBlock:
    """Put the contact in a queue (through a workflow or straight to a queue); ends the flow.

    `position_message` and `wait_message` may use `{queue.position}` and
    `{queue.estimated_wait_min}`; `on_error` (optional) is where to go if enqueueing fails.
    """

    kind: ClassVar[str] = "enqueue"
    id: str
    workflow_id: str | None = None
    queue_id: str | None = None
    priority: int = 0
    attributes: Mapping[str, Value] | None = None
    position_message: str = ""
    wait_message: str = ""
    on_error: str | None = None


@dataclass(frozen=True, slots=True)
class TransferBlock:
    """Transfer the contact to a queue or a given worker; ends the flow."""

    kind: ClassVar[str] = "transfer"
    id: str
    queue_id: str | None = None
    worker_id: str | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class CallbackOfferBlock:
    """Offer a call back (yes/no); on yes a callback is scheduled to `queue_id` for the number."""

    kind: ClassVar[str] = "callback_offer"
    id: str
    prompt: str
    accepted: str
    declined: str
    queue_id: str | None = None
    number_attribute: str = "phone"
    max_retries: int = 1


@dataclass(frozen=True, slots=True)
class SurveyQuestion:
    """One survey question; the answer is stored as the slot named `id`."""

    id: str
    kind: QuestionKind
    prompt: str


@dataclass(frozen=True, slots=True)
class SurveyBlock:
    """Ask the questions in order (a question unanswered after `max_retries` is skipped)."""

    kind: ClassVar[str] = "survey"
    id: str
    questions: tuple[SurveyQuestion, ...]
    next: str
    max_retries: int = 1


@dataclass(frozen=True, slots=True)
class EndBlock:
    """End the flow (and the conversation), optionally saying `message` first."""

    kind: ClassVar[str] = "end"
    id: str
    message: str = ""


Block: TypeAlias = (
    MessageBlock
    | MenuBlock
    | CollectBlock
    | ConditionBlock
    | SetAttributeBlock
    | CrmLookupBlock
    | WebhookBlock
    | BusinessHoursBlock
    | AiAgentBlock
    | EnqueueBlock
    | TransferBlock
    | CallbackOfferBlock
    | SurveyBlock
    | EndBlock
)


@dataclass(frozen=True, slots=True)
class FlowDefinition:
    """The content of a flow document, checked: what `validate_flow` returns."""

    name: str
    start: str
    blocks: Mapping[str, Block]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Flow:
    """One published version of a tenant's flow; `source` is the document as uploaded."""

    id: str
    tenant_id: str
    name: str
    version: int
    start: str
    blocks: Mapping[str, Block]
    created_at: float
    description: str = ""
    source: str = ""


def successors(block: Block) -> tuple[str, ...]:
    """Every block this one can go to, in document order (no duplicates removed)."""
    match block:
        case MessageBlock() | SetAttributeBlock() | SurveyBlock():
            return (block.next,)
        case MenuBlock():
            return (*(option.next for option in block.options), block.no_match)
        case CollectBlock():
            return (block.next, block.on_fail)
        case ConditionBlock():
            return (block.then, block.else_)
        case CrmLookupBlock():
            return (block.found, block.not_found)
        case WebhookBlock():
            return (block.success, block.error)
        case BusinessHoursBlock():
            return (block.open, block.closed)
        case AiAgentBlock():
            return (block.on_contained, block.on_handoff)
        case CallbackOfferBlock():
            return (block.accepted, block.declined)
        case EnqueueBlock():
            return (block.on_error,) if block.on_error else ()
        case TransferBlock() | EndBlock():
            return ()


def is_terminal(block: Block) -> bool:
    """Whether the flow ends at this block (end, enqueue, transfer): a loop's way out."""
    return isinstance(block, EndBlock | EnqueueBlock | TransferBlock)
