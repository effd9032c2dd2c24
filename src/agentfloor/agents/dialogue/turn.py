"""One call's work in progress: the state and outputs the policy builds up, and shared moves.

`_Turn` is created by each entry point (`manager`) and handed to the policy (`manager`, `forms`),
which says things, asks slots, hands off or finishes through it; `_offer_more` and `_goodbye`
are the closing moves both the no-skill policy and a skill's form make.
"""

from __future__ import annotations

from dataclasses import replace

from agentfloor.agents.dialogue.model import (
    ANYTHING_ELSE,
    DialogueOutcome,
    DialoguePolicy,
    DialogueState,
    DialogueStep,
    Finished,
    HandOff,
    HandoffReason,
    HandoffSummary,
    Output,
    Reply,
    Turn,
    Understanding,
)
from agentfloor.agents.skills.model import Skill, SkillSet, SkillSlot
from agentfloor.flows.templates import lookup, render

__all__: list[str] = []  # package-internal: `manager` and `forms` import the underscore names


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


def _offer_more(turn: _Turn) -> None:
    turn.say(ANYTHING_ELSE)
    turn.state = replace(turn.state, wrap_up=True)


def _goodbye(turn: _Turn) -> None:
    served = bool(turn.state.completed) or turn.state.answered > 0
    turn.say(turn.policy.goodbye)
    if served:
        turn.finish("customer finished", DialogueOutcome.CONTAINED)
    else:
        turn.finish("left without being served", DialogueOutcome.ABANDONED)
