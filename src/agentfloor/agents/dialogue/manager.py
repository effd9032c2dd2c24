"""The dialogue manager's entry points, `begin`, `hear` and `action_done`, and the idle policy.

Each entry point checks what applies to every message (handoff intent, negative streak, an action
still running, a removed skill), then hands the message to the skill's form (`forms`) or, with no
skill active, answers FAQs, starts skills, greets, says goodbye or falls back (`_on_idle`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from agentfloor.agents.dialogue.forms import (
    _advance,
    _on_confirmation,
    _on_not_found,
    _on_slot,
    _on_success,
    _start_skill,
)
from agentfloor.agents.dialogue.model import (
    STILL_WORKING,
    WHAT_ELSE,
    DialoguePolicy,
    DialogueState,
    DialogueStep,
    HandoffReason,
    Understanding,
)
from agentfloor.agents.dialogue.reading import _prefill
from agentfloor.agents.dialogue.turn import _goodbye, _offer_more, _Turn
from agentfloor.agents.skills.model import SkillSet
from agentfloor.flows.slots import read_yes_no
from agentfloor.flows.templates import render

__all__ = ["action_done", "begin", "hear"]


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


# --- with no skill active -----------------------------------------------------------------------


def _on_idle(turn: _Turn, skills: SkillSet, heard: Understanding, *, asked_more: bool) -> None:
    policy, intent = turn.policy, heard.intent
    skill = skills.for_intent(intent) if intent else None
    if intent is not None and intent in policy.answers:
        turn.state = replace(turn.state, answered=turn.state.answered + 1)
        turn.say(policy.answers[intent])
        _offer_more(turn)
    elif skill is not None:
        _start_skill(turn, skill, heard, {})
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
