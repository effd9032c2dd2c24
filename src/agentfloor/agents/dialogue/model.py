"""The dialogue manager's values: its inputs, the conversation state, its outputs and texts.

`Understanding` and `DialoguePolicy` go in, `DialogueState` (with its JSON round-trip) is stored
between messages, and a `DialogueStep` carries the new state and the outputs (`Reply`,
`RunAction`, `HandOff` with its `HandoffSummary`, `Finished`). The text constants are what the
manager says itself, outside any skill or policy text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Literal, TypeAlias

from agentfloor.agents.skills.model import SkillAction

__all__ = [
    "ANYTHING_ELSE",
    "CHANGED",
    "NOT_FOUND",
    "START_AGAIN",
    "STILL_WORKING",
    "WHAT_ELSE",
    "YES_OR_NO",
    "DialogueOutcome",
    "DialoguePolicy",
    "DialogueState",
    "DialogueStep",
    "Finished",
    "HandOff",
    "HandoffReason",
    "HandoffSummary",
    "Output",
    "Reply",
    "RunAction",
    "Turn",
    "Understanding",
]

ANYTHING_ELSE: Final = "Is there anything else I can help with?"
CHANGED: Final = "OK, I've changed {changes}."  # {changes}: "the day to Saturday and ..."
START_AGAIN: Final = "No problem, let's start again."
STILL_WORKING: Final = "Just a moment, I'm still working on that."
WHAT_ELSE: Final = "Sure, what can I help you with?"
NOT_FOUND: Final = "Sorry, I couldn't find that."
YES_OR_NO: Final = "Sorry, please answer yes or no."
_SHOWN_CHARS: Final = 200  # a message in the summary text is cut to this


class HandoffReason(StrEnum):
    """Why the AI agent hands the contact to a person."""

    ASKED_FOR_PERSON = "asked_for_person"
    LOW_CONFIDENCE = "low_confidence"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    SKILL_RULE = "skill_rule"
    ACTION_FAILED = "action_failed"
    UNKNOWN_SKILL = "unknown_skill"
    SLOT_RETRIES = "slot_retries"


_REASON_TEXT: Final = {
    HandoffReason.ASKED_FOR_PERSON: "asked for a person",
    HandoffReason.LOW_CONFIDENCE: "the AI agent did not understand the customer",
    HandoffReason.NEGATIVE_SENTIMENT: "the customer seems unhappy",
    HandoffReason.SKILL_RULE: "skill rule",
    HandoffReason.ACTION_FAILED: "an action failed",
    HandoffReason.UNKNOWN_SKILL: "unknown skill",
    HandoffReason.SLOT_RETRIES: "could not get an answer",
}


class DialogueOutcome(StrEnum):
    """How a conversation ended: contained by the AI agent, handed off, or left unserved."""

    CONTAINED = "contained"
    HANDOFF = "handoff"
    ABANDONED = "abandoned"  # the customer said goodbye before any skill or answer served them


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Understanding:
    """What NLU made of one customer message.

    Attributes:
        text: The message.
        intent: The intent, or None when out of scope (confidence below the model's threshold).
        confidence: The probability of the best guess, 0..1.
        guess: The best guess even when out of scope (shown in a handoff summary).
        entities: Normal-form values by slot type value (`date`, `time`, `phone`, `email`,
            `order_id`, `money`, `number`) and by enum slot name.
        sentiment: -1 (very negative) .. 1 (very positive), e.g. VADER's compound score.
    """

    text: str
    intent: str | None = None
    confidence: float = 0.0
    guess: str | None = None
    entities: Mapping[str, object] = field(default_factory=dict)
    sentiment: float = 0.0


@dataclass(frozen=True, slots=True)
class DialoguePolicy:
    """When to hand off or finish, and what to say outside skills (one per tenant).

    Attributes:
        handoff_intents: Intents that ask for a person.
        goodbye_intents: Intents that end the conversation when no skill is active.
        greeting_intents: Intents answered with `greeting`.
        low_confidence_limit: Out-of-scope messages in a row (no skill active) before a handoff.
        negative_sentiment: A sentiment at or below this counts as negative.
        negative_limit: Negative messages in a row before a handoff.
        transcript_turns: Turns kept in the state (and shown in a handoff summary).
        answers: FAQ intent -> answer text; also answered in the middle of a skill.
        greeting: Said to a greeting.
        fallback: Said to an out-of-scope message.
        goodbye: Said when the customer ends the conversation.
    """

    handoff_intents: frozenset[str] = frozenset({"human"})
    goodbye_intents: frozenset[str] = frozenset({"goodbye", "thanks"})
    greeting_intents: frozenset[str] = frozenset({"greet"})
    low_confidence_limit: int = 2
    negative_sentiment: float = -0.5
    negative_limit: int = 2
    transcript_turns: int = 12
    answers: Mapping[str, str] = field(default_factory=dict)
    greeting: str = "Hi! I can help with your questions and requests. What can I do for you?"
    fallback: str = (
        "Sorry, I didn't understand that. Could you put it another way? "
        "You can also ask for a person."
    )
    goodbye: str = "Thanks for getting in touch. Goodbye!"


# --- state --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of the conversation."""

    sender: Literal["customer", "ai"]
    text: str


@dataclass(frozen=True, slots=True)
class DialogueState:
    """Everything the dialogue manager knows about one conversation; store it between messages.

    Attributes:
        skill: The active skill's name, or None.
        slots: The active skill's filled slots.
        pending: The slot being asked, or None.
        retries: Failed tries at the slot or confirmation being asked.
        confirming: The skill's confirmation is being asked.
        request_id: The `RunAction` whose answer is awaited, or None.
        requests: Actions requested so far (numbers request ids).
        lookups: `found: false` answers for the active skill so far.
        skipped: Optional slots asked and left empty.
        low_confidence: Out-of-scope messages in a row.
        negative: Negative messages in a row.
        sentiment: The last message's sentiment.
        intent: The last in-scope skill or FAQ intent.
        guess: The last message's best-guess intent.
        transcript: The last `policy.transcript_turns` turns.
        completed: Skills completed, in order.
        collected: The slots of completed skills, merged.
        answered: FAQ answers given.
        wrap_up: "Anything else?" was the last question.
        single: Finish as soon as the first skill succeeds (a flow's `ai_agent` block).
        attributes: The contact's attributes (customer_id, CRM record, ...), read by templates.
        outcome: How the conversation ended, once it has.
    """

    skill: str | None = None
    slots: Mapping[str, object] = field(default_factory=dict)
    pending: str | None = None
    retries: int = 0
    confirming: bool = False
    request_id: str | None = None
    requests: int = 0
    lookups: int = 0
    skipped: tuple[str, ...] = ()
    low_confidence: int = 0
    negative: int = 0
    sentiment: float = 0.0
    intent: str | None = None
    guess: str | None = None
    transcript: tuple[Turn, ...] = ()
    completed: tuple[str, ...] = ()
    collected: Mapping[str, object] = field(default_factory=dict)
    answered: int = 0
    wrap_up: bool = False
    single: bool = False
    attributes: Mapping[str, object] = field(default_factory=dict)
    outcome: DialogueOutcome | None = None

    @property
    def is_done(self) -> bool:
        """Whether the conversation has ended (handed off or finished)."""
        return self.outcome is not None

    def to_dict(self) -> dict[str, Any]:
        """Return the state as a JSON-safe document (slot values are JSON-like already)."""
        return {
            "skill": self.skill,
            "slots": dict(self.slots),
            "pending": self.pending,
            "retries": self.retries,
            "confirming": self.confirming,
            "request_id": self.request_id,
            "requests": self.requests,
            "lookups": self.lookups,
            "skipped": list(self.skipped),
            "low_confidence": self.low_confidence,
            "negative": self.negative,
            "sentiment": self.sentiment,
            "intent": self.intent,
            "guess": self.guess,
            "transcript": [_turn_dict(t) for t in self.transcript],
            "completed": list(self.completed),
            "collected": dict(self.collected),
            "answered": self.answered,
            "wrap_up": self.wrap_up,
            "single": self.single,
            "attributes": dict(self.attributes),
            "outcome": self.outcome.value if self.outcome else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DialogueState:
        """Rebuild a state from `to_dict`'s document; a missing key takes its default."""
        outcome = data.get("outcome")
        return cls(
            skill=data.get("skill"),
            slots=dict(data.get("slots") or {}),
            pending=data.get("pending"),
            retries=int(data.get("retries", 0)),
            confirming=bool(data.get("confirming", False)),
            request_id=data.get("request_id"),
            requests=int(data.get("requests", 0)),
            lookups=int(data.get("lookups", 0)),
            skipped=tuple(data.get("skipped") or ()),
            low_confidence=int(data.get("low_confidence", 0)),
            negative=int(data.get("negative", 0)),
            sentiment=float(data.get("sentiment", 0.0)),
            intent=data.get("intent"),
            guess=data.get("guess"),
            transcript=tuple(
                Turn("ai" if t["sender"] == "ai" else "customer", str(t["text"]))
                for t in data.get("transcript") or ()
            ),
            completed=tuple(data.get("completed") or ()),
            collected=dict(data.get("collected") or {}),
            answered=int(data.get("answered", 0)),
            wrap_up=bool(data.get("wrap_up", False)),
            single=bool(data.get("single", False)),
            attributes=dict(data.get("attributes") or {}),
            outcome=DialogueOutcome(outcome) if outcome else None,
        )


# --- outputs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    """Say `text` to the customer."""

    text: str


@dataclass(frozen=True, slots=True)
class RunAction:
    """Run the skill's action, then call `action_done` with this `request_id` and its result.

    `context` is what templates in the action (webhook url, body) read: attributes and slots.
    """

    request_id: str
    skill: str
    action: SkillAction
    slots: Mapping[str, object]
    context: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class HandoffSummary:
    """What the person taking over needs to know, built from the conversation."""

    reason: HandoffReason
    detail: str
    intent: str | None
    skill: str | None
    slots: Mapping[str, object]
    transcript: tuple[Turn, ...]
    sentiment: float
    customer_id: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as a JSON-safe document."""
        return {
            "reason": self.reason.value,
            "detail": self.detail,
            "intent": self.intent,
            "skill": self.skill,
            "slots": dict(self.slots),
            "transcript": [_turn_dict(t) for t in self.transcript],
            "sentiment": self.sentiment,
            "customer_id": self.customer_id,
        }

    def text(self) -> str:
        """Return a short multi-line summary for the agent desktop."""
        reason = _REASON_TEXT[self.reason]
        lines = [f"Reason: {reason}: {self.detail}" if self.detail else f"Reason: {reason}"]
        if self.intent:
            lines.append(f"Intent: {self.intent}")
        if self.skill:
            lines.append(f"Skill: {self.skill}")
        if self.customer_id:
            lines.append(f"Customer: {self.customer_id}")
        lines += [f"{_label(name)}: {_shown(value)}" for name, value in self.slots.items()]
        lines.append(f"Sentiment: {_mood(self.sentiment)} ({self.sentiment:.2f})")
        if self.transcript:
            lines.append("Last messages:")
            lines += [f" {t.sender}: {_clip(t.text)}" for t in self.transcript]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class HandOff:
    """Hand the contact to a person (terminal): to `queue` (a handoff workflow key) or default."""

    reason: HandoffReason
    detail: str
    queue: str | None
    summary: HandoffSummary


@dataclass(frozen=True, slots=True)
class Finished:
    """The conversation ended without a person (terminal); `reason` is recorded."""

    reason: str


Output: TypeAlias = Reply | RunAction | HandOff | Finished


@dataclass(frozen=True, slots=True)
class DialogueStep:
    """The manager's answer to one input: the new state and what to do, in order."""

    state: DialogueState
    outputs: tuple[Output, ...] = ()


# --- summary text -------------------------------------------------------------------------------


def _turn_dict(turn: Turn) -> dict[str, str]:
    return {"sender": turn.sender, "text": turn.text}


def _label(name: str) -> str:
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, Mapping) and isinstance(value.get("amount_cents"), int):
        amount = f"{value['amount_cents'] / 100:.2f}"
        return f"{amount} {value['currency']}" if value.get("currency") else amount
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _mood(sentiment: float) -> str:
    # VADER's own cut-offs for its compound score.
    if sentiment <= -0.05:
        return "negative"
    if sentiment >= 0.05:
        return "positive"
    return "neutral"


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHOWN_CHARS else flat[: _SHOWN_CHARS - 3] + "..."
