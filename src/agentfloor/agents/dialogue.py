"""The AI agent's dialogue manager: one conversation as a pure, storable slot-filling machine.

`begin` starts a conversation (optionally straight into one skill, for a flow's `ai_agent` block),
`hear` feeds one understood customer message, `action_done` feeds the answer to a `RunAction`.
Each returns a `DialogueStep`: the new `DialogueState` (JSON round-trip with `to_dict` /
`from_dict`, so the runtime stores it between messages) and outputs for the runtime to carry out:
`Reply`, `RunAction`, and the terminal `HandOff` or `Finished`. No I/O, no clock, no model: the
NLU result arrives as an `Understanding`.

Policy, for each customer message, in this order:
1. The message goes into the transcript; a sentiment at or below `negative_sentiment` extends the
   negative streak, any other resets it. An in-scope intent resets the low-confidence streak.
2. A handoff intent ("human") hands off at once; so does a negative streak of `negative_limit`.
3. While a confirmation is asked, yes runs the action, no starts the form again; anything else is
   a digression (an FAQ intent in `answers`: answered, then the question is asked again) or a retry.
4. While a slot is asked, entities first fill the skill's other empty slots (over-informing:
   "Tuesday at 3pm" fills date and time), then the asked slot is read with the flow slot readers.
   A value moves on to the next slot, the confirmation or the action. No value: a digression is
   answered and the form resumes; another skill's intent switches skill (slot values both skills
   name carry over); goodbye ends; else the slot is asked again up to `SkillSlot.max_retries`,
   then the contact is handed off (`slot_retries`). Slot readers are lenient (a free-text slot
   reads anything), so a recognised digression, skill or goodbye intent wins over the text unless
   NLU found an entity for the asked slot itself. An optional slot is asked
   once: "skip", "no", "none" or an unreadable answer leave it empty. While a slot is asked an
   out-of-scope message is just an unreadable answer: the slot's retries bound it, not the
   low-confidence streak.
5. With no skill active: an FAQ intent is answered, a skill's intent starts that skill (slots
   prefilled from entities), a greeting is greeted, goodbye (or "no" to "anything else?") ends the
   conversation, and an out-of-scope message gets the fallback until `low_confidence_limit` in a
   row hands off.
Results: `found: false` says `not_found` and asks the skill's `retry_slot` again (a retry of that
slot; past its `max_retries` the contact is handed off); success says `success`, then the skill's
handoff rules (routing expressions over `task.<name>`) may hand off to a queue; failure says
`failure` and hands off. A `single` conversation (a flow's `ai_agent` block) finishes as soon as
its skill succeeds, so the flow can go on.

Hand-written because no well-kept Python library runs slot-filling dialogue as a pure state
machine whose state is a small JSON document: Rasa is a whole server (its own tracker store,
action server, TensorFlow-era dependencies), and the others are hosted services or LLM loops.
The policy above is the product's own, and the slot readers are the flow's (`flows.slots`), so a
skill and a `collect` block read a date the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final, Literal, TypeAlias

from agentfloor.agents.skills.model import ActionKind, Skill, SkillAction, SkillSet, SkillSlot
from agentfloor.flows.model import SlotType
from agentfloor.flows.slots import Reading, read_answer, read_slot, read_yes_no
from agentfloor.flows.templates import lookup, render
from agentfloor.routing.expressions import parse_expression

__all__ = [
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
    "action_done",
    "begin",
    "hear",
]

ANYTHING_ELSE: Final = "Is there anything else I can help with?"
START_AGAIN: Final = "No problem, let's start again."
STILL_WORKING: Final = "Just a moment, I'm still working on that."
WHAT_ELSE: Final = "Sure, what can I help you with?"
NOT_FOUND: Final = "Sorry, I couldn't find that."
YES_OR_NO: Final = "Sorry, please answer yes or no."
CONFIRM_RETRIES: Final = 2  # a confirmation is asked again this often before a handoff
_SKIP_WORDS: Final = frozenset(
    {"skip", "no", "none", "nope", "nothing", "no thanks", "n/a", "pass"}
)
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


# --- entry points -------------------------------------------------------------------------------


def begin(
    skills: SkillSet,
    policy: DialoguePolicy,
    *,
    skill: str | None = None,
    attributes: Mapping[str, object] | None = None,
    slots: Mapping[str, object] | None = None,
    single: bool = False,
) -> DialogueStep:
    """Start a conversation, with no skill (wait for the customer) or straight into `skill`.

    Args:
        skills: The tenant's skills.
        policy: The tenant's dialogue policy.
        skill: A skill to start now (a flow's `ai_agent` block); unknown: hand off.
        attributes: The contact's attributes (customer_id, CRM record...), read by templates.
        slots: Values the flow already has; those the skill names are read as its slots.
        single: Finish as soon as `skill` succeeds, so the flow can go on.
    """
    turn = _Turn(policy, DialogueState(single=single, attributes=dict(attributes or {})))
    if skill is None:
        return turn.step()
    found = skills.get(skill)
    if found is None:
        known = ", ".join(sorted(skills.skills)) or "none"
        detail = f"there is no skill called {skill!r}; known skills: {known}"
        return turn.hand_off(HandoffReason.UNKNOWN_SKILL, detail)
    given = {s.name: r.value for s in found.slots if (r := _prefill(s, (slots or {}).get(s.name)))}
    turn.state = replace(turn.state, skill=found.name, slots=given)
    _advance(turn, found)
    return turn.step()


def hear(
    skills: SkillSet, policy: DialoguePolicy, state: DialogueState, understanding: Understanding
) -> DialogueStep:
    """Feed one customer message; a finished conversation ignores it (no outputs)."""
    if state.is_done:
        return DialogueStep(state)
    turn = _Turn(policy, state)
    turn.record(understanding, skills)
    heard = understanding
    if heard.intent is not None and heard.intent in policy.handoff_intents:
        return turn.hand_off(HandoffReason.ASKED_FOR_PERSON, "")
    if turn.state.negative >= policy.negative_limit:
        detail = f"{turn.state.negative} negative messages in a row"
        return turn.hand_off(HandoffReason.NEGATIVE_SENTIMENT, detail)
    if state.request_id is not None:
        turn.say(STILL_WORKING)
        return turn.step()
    skill = skills.get(state.skill) if state.skill else None
    if state.skill and skill is None:
        detail = f"the skill {state.skill!r} was removed during the conversation"
        return turn.hand_off(HandoffReason.UNKNOWN_SKILL, detail)
    if skill is not None and state.confirming:
        _on_confirmation(turn, skill, heard)
    elif skill is not None and state.pending is not None:
        _on_slot(turn, skills, skill, heard)
    else:
        _on_idle(turn, skills, heard, asked_more=state.wrap_up)
    return turn.step()


def action_done(
    skills: SkillSet,
    policy: DialoguePolicy,
    state: DialogueState,
    request_id: str,
    ok: bool,
    result: Mapping[str, object],
) -> DialogueStep:
    """Feed the answer to a `RunAction`; a stale `request_id` changes nothing (no outputs)."""
    if state.is_done or state.request_id is None or request_id != state.request_id:
        return DialogueStep(state)
    turn = _Turn(policy, replace(state, request_id=None))
    skill = skills.get(state.skill) if state.skill else None
    if skill is None:
        detail = f"the skill {state.skill!r} was removed during the conversation"
        return turn.hand_off(HandoffReason.UNKNOWN_SKILL, detail)
    context = {**turn.context(), "result": dict(result)}
    if not ok:
        turn.say(render(skill.failure, context))
        error = result.get("error")
        return turn.hand_off(HandoffReason.ACTION_FAILED, str(error or "the action failed"))
    if result.get("found") is False:
        _on_not_found(turn, skill, context)
        return turn.step()
    _on_success(turn, skill, result)
    return turn.step()


# --- the policy ---------------------------------------------------------------------------------


class _Turn:
    """The state and outputs of one call, built up as the policy decides (local, never shared)."""

    def __init__(self, policy: DialoguePolicy, state: DialogueState) -> None:
        self.policy = policy
        self.state = state
        self.outputs: list[Output] = []

    def step(self) -> DialogueStep:
        return DialogueStep(self.state, tuple(self.outputs))

    def context(self) -> dict[str, object]:
        """Return what templates read: attributes, then slots (slots win on a clash)."""
        return {**self.state.attributes, **self.state.slots}

    def add_turn(self, turn: Turn) -> None:
        kept = (*self.state.transcript, turn)[-self.policy.transcript_turns :]
        self.state = replace(self.state, transcript=kept if self.policy.transcript_turns else ())

    def record(self, heard: Understanding, skills: SkillSet) -> None:
        self.add_turn(Turn("customer", heard.text))
        negative = heard.sentiment <= self.policy.negative_sentiment
        intent = self.state.intent
        if heard.intent in skills.intents or heard.intent in self.policy.answers:
            intent = heard.intent
        self.state = replace(
            self.state,
            negative=self.state.negative + 1 if negative else 0,
            sentiment=heard.sentiment,
            low_confidence=0 if heard.intent is not None else self.state.low_confidence,
            intent=intent,
            guess=heard.intent or heard.guess,
            wrap_up=False,
        )

    def say(self, text: str) -> None:
        if text:
            self.outputs.append(Reply(text))
            self.add_turn(Turn("ai", text))

    def ask(self, skill: Skill, slot: SkillSlot) -> None:
        """Ask for `slot` afresh (its retries start again)."""
        self.state = replace(
            self.state, pending=slot.name, retries=0, confirming=False, skill=skill.name
        )
        self.say(render(slot.prompt, self.context()))

    def hand_off(
        self, reason: HandoffReason, detail: str, queue: str | None = None
    ) -> DialogueStep:
        state = self.state
        customer_id = state.attributes.get("customer_id") or lookup(state.attributes, "customer.id")
        summary = HandoffSummary(
            reason=reason,
            detail=detail,
            intent=state.intent or state.guess,
            skill=state.skill,
            slots={**state.collected, **state.slots},
            transcript=state.transcript,
            sentiment=state.sentiment,
            customer_id=str(customer_id) if isinstance(customer_id, str | int) else None,
        )
        self.outputs.append(HandOff(reason, detail, queue, summary))
        self.state = replace(state, outcome=DialogueOutcome.HANDOFF, request_id=None)
        return self.step()

    def finish(self, reason: str, outcome: DialogueOutcome) -> None:
        self.outputs.append(Finished(reason))
        self.state = replace(self.state, outcome=outcome, request_id=None)


def _advance(turn: _Turn, skill: Skill, *, confirmed: bool = False) -> None:
    """Ask the next empty slot, else the confirmation, else request the action."""
    state = turn.state
    for slot in skill.slots:
        if slot.name not in state.slots and slot.name not in state.skipped:
            turn.ask(skill, slot)
            return
    if skill.confirm and not confirmed:
        turn.state = replace(state, pending=None, retries=0, confirming=True)
        turn.say(render(skill.confirm, turn.context()))
        return
    turn.state = replace(state, pending=None, retries=0, confirming=False)
    if skill.action.kind is ActionKind.NONE:  # nothing to run: the slots are the result
        _on_success(turn, skill, {})
        return
    request_id = f"{skill.name}:{state.requests + 1}"
    turn.state = replace(turn.state, request_id=request_id, requests=state.requests + 1)
    slots = dict(state.slots)
    turn.outputs.append(RunAction(request_id, skill.name, skill.action, slots, turn.context()))


def _start_skill(
    turn: _Turn, skill: Skill, entities: Mapping[str, object], keep: Mapping[str, object]
) -> None:
    """Make `skill` the active one: carried-over values, then entities, then ask what is missing."""
    slots = {s.name: keep[s.name] for s in skill.slots if s.name in keep}
    turn.state = replace(
        turn.state,
        skill=skill.name,
        slots=slots,
        pending=None,
        retries=0,
        confirming=False,
        lookups=0,
        skipped=(),
    )
    _fill_from_entities(turn, skill, entities, skip=None)
    _advance(turn, skill)


def _fill_from_entities(
    turn: _Turn, skill: Skill, entities: Mapping[str, object], skip: SkillSlot | None
) -> None:
    """Fill the skill's empty slots (but `skip`) from entities, each entity used once."""
    taken = {skip.name, skip.slot.type.value} if skip else set()
    slots = dict(turn.state.slots)
    for slot in skill.slots:
        if slot is skip or slot.name in slots:
            continue
        for key in (slot.name, slot.slot.type.value):
            if key in taken or entities.get(key) is None:
                continue
            reading = _read_value(slot, entities[key])
            if reading.ok:
                slots[slot.name] = reading.value
                taken.add(key)
                break
    turn.state = replace(turn.state, slots=slots)


def _on_slot(turn: _Turn, skills: SkillSet, skill: Skill, heard: Understanding) -> None:
    slot = skill.slot(turn.state.pending or "")
    if slot is None:  # the skill changed under a stored conversation: carry on with what it has
        _advance(turn, skill)
        return
    _fill_from_entities(turn, skill, heard.entities, skip=slot)
    other = skills.for_intent(heard.intent) if heard.intent else None
    switch = other is not None and other.name != skill.name
    digression = heard.intent is not None and heard.intent in turn.policy.answers
    goodbye = heard.intent is not None and heard.intent in turn.policy.goodbye_intents
    if not slot.required and _is_skip(slot, heard.text):
        turn.state = replace(turn.state, skipped=(*turn.state.skipped, slot.name))
        _advance(turn, skill)
        return
    # Slot readers are lenient (a text slot takes anything, "2026-04-01" holds an order id), so a
    # recognised intent wins unless NLU found an entity for the asked slot itself.
    entity = any(heard.entities.get(k) is not None for k in (slot.name, slot.slot.type.value))
    if (switch or digression or goodbye) and not entity:
        reading = Reading(False)
    else:
        reading = _read(slot, heard.text, heard.entities)
    if reading.ok:
        turn.state = replace(turn.state, slots={**turn.state.slots, slot.name: reading.value})
        _advance(turn, skill)
    elif digression:
        _digress(turn, skill, heard, render(slot.prompt, turn.context()))
    elif switch and other is not None:
        _start_skill(turn, other, heard.entities, turn.state.slots)
    elif goodbye:
        _goodbye(turn)
    elif not slot.required:
        turn.state = replace(turn.state, skipped=(*turn.state.skipped, slot.name))
        _advance(turn, skill)
    elif turn.state.retries < slot.max_retries:
        turn.state = replace(turn.state, retries=turn.state.retries + 1)
        reprompt = render(slot.reprompt, turn.context()) if slot.reprompt else ""
        turn.say(reprompt or reading.hint or render(slot.prompt, turn.context()))
    else:
        tries = turn.state.retries + 1
        detail = f"no valid {_label(slot.name).lower()} after {tries} tries"
        turn.hand_off(HandoffReason.SLOT_RETRIES, detail)


def _on_confirmation(turn: _Turn, skill: Skill, heard: Understanding) -> None:
    answer = read_yes_no(heard.text, heard.intent)
    if answer is True:
        _advance(turn, skill, confirmed=True)
    elif answer is False:
        turn.state = replace(turn.state, slots={}, skipped=(), confirming=False)
        turn.say(START_AGAIN)
        _advance(turn, skill)
    elif heard.intent is not None and heard.intent in turn.policy.answers:
        _digress(turn, skill, heard, render(skill.confirm or "", turn.context()))
    elif turn.state.retries < CONFIRM_RETRIES:
        turn.state = replace(turn.state, retries=turn.state.retries + 1)
        turn.say(f"{YES_OR_NO} {render(skill.confirm or '', turn.context())}".strip())
    else:
        detail = f"no yes or no to the confirmation after {turn.state.retries + 1} tries"
        turn.hand_off(HandoffReason.SLOT_RETRIES, detail)


def _on_idle(turn: _Turn, skills: SkillSet, heard: Understanding, *, asked_more: bool) -> None:
    policy, intent = turn.policy, heard.intent
    skill = skills.for_intent(intent) if intent else None
    if intent is not None and intent in policy.answers:
        turn.state = replace(turn.state, answered=turn.state.answered + 1)
        turn.say(policy.answers[intent])
        _offer_more(turn)
    elif skill is not None:
        _start_skill(turn, skill, heard.entities, {})
    elif intent is not None and intent in policy.greeting_intents:
        turn.say(policy.greeting)
    elif intent is not None and intent in policy.goodbye_intents:
        _goodbye(turn)
    elif asked_more and (wants_more := read_yes_no(heard.text, intent)) is not None:
        if wants_more:  # a yes to "anything else?"
            turn.say(WHAT_ELSE)
        else:
            _goodbye(turn)
    elif intent is None:
        streak = turn.state.low_confidence + 1
        turn.state = replace(turn.state, low_confidence=streak)
        if streak >= policy.low_confidence_limit:
            guess = f"; best guess {heard.guess} ({heard.confidence:.2f})" if heard.guess else ""
            turn.hand_off(HandoffReason.LOW_CONFIDENCE, f"{streak} messages not understood{guess}")
        else:
            turn.say(policy.fallback)
    else:  # understood, but nothing here serves it (e.g. "yes" out of the blue)
        turn.say(policy.fallback)


def _on_not_found(turn: _Turn, skill: Skill, context: Mapping[str, object]) -> None:
    name = skill.retry_slot or (skill.slots[0].name if skill.slots else None)
    slot = skill.slot(name) if name else None
    turn.say(render(skill.not_found, context) or NOT_FOUND)
    lookups = turn.state.lookups + 1
    if slot is None or lookups > slot.max_retries:
        detail = f"{skill.name}: nothing found after {lookups} tries"
        turn.hand_off(HandoffReason.ACTION_FAILED, detail)
        return
    slots = {k: v for k, v in turn.state.slots.items() if k != slot.name}
    turn.state = replace(turn.state, slots=slots, lookups=lookups)
    turn.ask(skill, slot)


def _on_success(turn: _Turn, skill: Skill, result: Mapping[str, object]) -> None:
    turn.say(render(skill.success, {**turn.context(), "result": dict(result)}))
    facts = {**turn.context(), **result, "result": dict(result)}
    for rule in skill.handoff:
        if parse_expression(rule.when).matches({}, facts):
            turn.hand_off(HandoffReason.SKILL_RULE, rule.reason, rule.queue)
            return
    state = turn.state
    turn.state = replace(
        state,
        completed=(*state.completed, skill.name),
        collected={**state.collected, **state.slots},
        lookups=0,
        retries=0,
    )
    if state.single:  # the flow goes on: keep the form, so the runtime can hand its slots back
        turn.finish("skill completed", DialogueOutcome.CONTAINED)
        return
    turn.state = replace(turn.state, skill=None, slots={}, pending=None, skipped=())
    _offer_more(turn)


def _offer_more(turn: _Turn) -> None:
    turn.say(ANYTHING_ELSE)
    turn.state = replace(turn.state, wrap_up=True)


def _digress(turn: _Turn, skill: Skill, heard: Understanding, question: str) -> None:
    """Answer an FAQ in the middle of a skill, then ask the same question again."""
    turn.state = replace(turn.state, answered=turn.state.answered + 1)
    turn.say(turn.policy.answers[heard.intent or ""])
    topic = skill.description.strip().rstrip(".!?") or skill.name.replace("_", " ")
    turn.say(f"Now, back to {topic[:1].lower()}{topic[1:]}: {question}")


def _goodbye(turn: _Turn) -> None:
    served = bool(turn.state.completed) or turn.state.answered > 0
    turn.say(turn.policy.goodbye)
    if served:
        turn.finish("customer finished", DialogueOutcome.CONTAINED)
    else:
        turn.finish("left without being served", DialogueOutcome.ABANDONED)


# --- reading values -----------------------------------------------------------------------------


def _read(slot: SkillSlot, text: str, entities: Mapping[str, object]) -> Reading:
    if slot.scale is not None:
        given = entities.get(slot.name)
        return read_answer(slot.scale, str(given) if given is not None else text)
    money = entities.get(slot.name, entities.get(slot.slot.type.value))
    if slot.slot.type is SlotType.MONEY and isinstance(money, Mapping):
        return _read_value(slot, money)
    return read_slot(slot.slot, text, entities)


def _read_value(slot: SkillSlot, value: object) -> Reading:
    """Read a value that arrived already extracted (an entity, or a slot the flow has)."""
    if slot.slot.type is SlotType.MONEY and isinstance(value, Mapping):
        cents, currency = value.get("amount_cents"), value.get("currency")
        if isinstance(cents, int) and not isinstance(cents, bool):
            return Reading(True, {"amount_cents": cents, "currency": currency})
        return Reading(False)
    if isinstance(value, Mapping | list):
        return Reading(False)
    if slot.scale is not None:
        return read_answer(slot.scale, str(value))
    return read_slot(slot.slot, str(value))


def _prefill(slot: SkillSlot, value: object) -> Reading | None:
    if value is None:
        return None
    reading = _read_value(slot, value)
    return reading if reading.ok else None


def _is_skip(slot: SkillSlot, text: str) -> bool:
    words = re.sub(r"[^\w\s/]", "", text.casefold()).strip()
    if slot.slot.type is SlotType.ENUM and words in {v.casefold() for v in slot.slot.values}:
        return False
    return words in _SKIP_WORDS


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
