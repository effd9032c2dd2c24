"""What a skill is: intents it serves, typed slots to fill, a confirmation, an action, rules.

A skill is data (a YAML/JSON document, see `agents.skills.parse`), so a tenant adds or changes
one without code. The dialogue manager (`agents.dialogue`) fills the slots turn by turn, reading
each with the same slot readers as a flow's `collect` block (`flows.slots`), asks the confirmation
when there is one, then requests the action; the runtime runs it and feeds the result back.
Templates (`confirm`, `success`, `not_found`, `failure`) use the flow template syntax over the
context `{**attributes, **slots, "result": <action result>}`; handoff rules are routing
expressions over the same context as `task.<name>` (`task.hot == true`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from agentfloor.flows.model import QuestionKind, Slot

__all__ = [
    "ActionKind",
    "HandoffRule",
    "Skill",
    "SkillAction",
    "SkillSet",
    "SkillSlot",
]


class ActionKind(StrEnum):
    """Who carries out a skill's action once its slots are filled (and confirmed)."""

    BUILTIN = "builtin"  # one of the runtime's actions, by `SkillAction.name`
    CRM = "crm"  # look the customer up / check details against the CRM record
    WEBHOOK = "webhook"  # an HTTP call to the tenant's system (url, method, headers, body)
    NONE = "none"  # nothing to run: the filled slots are the result (e.g. a survey)


@dataclass(frozen=True, slots=True)
class SkillSlot:
    """One value the skill needs, the question that asks for it, and how it is read.

    `slot` carries name, type, enum values, pattern and region exactly as a `collect` block's.
    `scale` (csat or nps) reads a whole number on that survey scale instead of `slot.type`.
    An optional slot (`required: false`) is asked once; "skip" or a bad answer leaves it empty.
    """

    slot: Slot
    prompt: str
    reprompt: str = ""
    required: bool = True
    scale: QuestionKind | None = None
    max_retries: int = 2

    @property
    def name(self) -> str:
        """The slot's name (the key in the filled slots)."""
        return self.slot.name


@dataclass(frozen=True, slots=True)
class SkillAction:
    """What runs once the slots are in.

    builtin: `name` is the runtime action (`order_status`, `appointment_book`,
    `appointment_reschedule`, `appointment_cancel`, `lead_score`, `verify_identity`,
    `survey_record`). webhook: `url` (template), `method`, `headers`, `body` (templates),
    `timeout_s`, `retries`. crm: `name` is `lookup` or `verify`.
    """

    kind: ActionKind
    name: str = ""
    url: str = ""
    method: str = "POST"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: object = None
    timeout_s: float = 5.0
    retries: int = 0


@dataclass(frozen=True, slots=True)
class HandoffRule:
    """Hand the contact to a person when `when` (a routing expression) holds after the action.

    `queue` names where to (a key of the tenant's assistant settings `handoff_workflows`, such as
    `sales`; None: the default handoff workflow); `reason` is shown to the agent and recorded.
    """

    when: str
    reason: str
    queue: str | None = None


@dataclass(frozen=True, slots=True)
class Skill:
    """A task the AI agent can do from start to end.

    Result handling: the action answers a mapping (`result`). When `result["found"]` is False the
    skill says `not_found` and asks `retry_slot` again (default: its first slot), counting a
    retry; an action that fails (error, timeout, garbage) says `failure` and hands off.
    """

    name: str
    description: str
    intents: tuple[str, ...]
    slots: tuple[SkillSlot, ...]
    action: SkillAction
    success: str
    confirm: str | None = None
    not_found: str = ""
    retry_slot: str | None = None
    failure: str = "Sorry, something went wrong on our side. Let me find a colleague for you."
    handoff: tuple[HandoffRule, ...] = ()

    def slot(self, name: str) -> SkillSlot | None:
        """Return the slot called `name`, or None."""
        return next((s for s in self.slots if s.name == name), None)


@dataclass(frozen=True, slots=True)
class SkillSet:
    """The skills one tenant's AI agent has, by name, and which skill serves which intent."""

    skills: Mapping[str, Skill]

    def get(self, name: str) -> Skill | None:
        """Return the skill called `name`, or None."""
        return self.skills.get(name)

    def for_intent(self, intent: str) -> Skill | None:
        """Return the first skill (in name order) that lists `intent`, or None."""
        for name in sorted(self.skills):
            if intent in self.skills[name].intents:
                return self.skills[name]
        return None

    @property
    def intents(self) -> frozenset[str]:
        """Every intent some skill serves."""
        return frozenset(i for s in self.skills.values() for i in s.intents)
