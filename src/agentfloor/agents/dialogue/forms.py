"""A skill's form: filling its slots, confirming, requesting its action and taking the result.

Slots are filled from entities first (over-informing), filled ones are changed when the message
corrects them (or answers the confirmation), then the asked slot is read with the flow slot
readers (`flows.slots`), so a skill and a `collect` block read a value the same way. Outside the
confirmation a change needs a correction cue ("instead", "actually", "make it"): customers name
other days and times for other reasons too ("I have a wedding on Monday at 9"). The action's
answer comes back here too: `found: false` asks the skill's `retry_slot` again, success applies
the skill's handoff rules and completes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Final

from agentfloor.agents.dialogue.model import (
    CHANGED,
    NOT_FOUND,
    START_AGAIN,
    YES_OR_NO,
    DialogueOutcome,
    HandoffReason,
    RunAction,
    Understanding,
    _label,
    _shown,
)
from agentfloor.agents.dialogue.reading import (
    _answers_free_text,
    _corrects,
    _is_free_text,
    _is_skip,
    _keyed,
    _names_slot,
    _other_values,
    _read,
    _read_value,
)
from agentfloor.agents.dialogue.turn import _goodbye, _offer_more, _Turn
from agentfloor.agents.skills.model import ActionKind, Skill, SkillSet, SkillSlot
from agentfloor.flows.slots import Reading, is_yes_no_enum, read_yes_no
from agentfloor.flows.templates import render
from agentfloor.routing.expressions import parse_expression

__all__ = ["CONFIRM_RETRIES"]

CONFIRM_RETRIES: Final = 2  # a confirmation is asked again this often before a handoff


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
    turn: _Turn, skill: Skill, heard: Understanding, keep: Mapping[str, object]
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
    _fill_from_entities(turn, skill, _keyed(skill, slots, heard.entities), None, heard.text)
    _advance(turn, skill)


def _fill_from_entities(
    turn: _Turn, skill: Skill, entities: Mapping[str, object], skip: SkillSlot | None, text: str
) -> set[str]:
    """Fill the skill's empty slots (but `skip`) from entities, each entity used once.

    Returns the entity keys used, and those `skip` reads, for `_revise` to leave alone.
    """
    taken = {skip.name, skip.slot.type.value} if skip else set()
    slots = dict(turn.state.slots)
    for slot in skill.slots:
        if slot is not skip and slot.name not in slots:
            found = _entity_value(slot, entities, taken, text)
            if found is not None:
                slots[slot.name] = found
    turn.state = replace(turn.state, slots=slots)
    return taken


def _revise(
    turn: _Turn, skill: Skill, entities: Mapping[str, object], text: str, taken: set[str]
) -> list[SkillSlot]:
    """Give filled slots the new values the message's entities carry; return the slots changed.

    The caller decides that the message corrects one (a cue such as "instead", or any answer to
    the confirmation). Entity keys already used (`taken`) are not used again.
    """
    slots = dict(turn.state.slots)
    changed = []
    for slot in skill.slots:
        if slot.name in slots:
            found = _entity_value(slot, entities, taken, text)
            if found is not None and found != slots[slot.name]:
                slots[slot.name] = found
                changed.append(slot)
    turn.state = replace(turn.state, slots=slots)
    return changed


def _entity_value(
    slot: SkillSlot, entities: Mapping[str, object], taken: set[str], text: str
) -> object | None:
    """Return the value an unused entity gives `slot` (marking the entity used), else None.

    A yes-or-no slot takes one only when the message names it ("no, I haven't paid the fee"
    fills `fee_paid`; "yes, my name is Ann" does not): a "yes" in passing answers the question
    asked.
    """
    if is_yes_no_enum(slot.slot.values) and not _names_slot(slot, text):
        return None
    for key in (slot.name, slot.slot.type.value):
        if key in taken or entities.get(key) is None:
            continue
        reading = _read_value(slot, entities[key])
        if reading.ok:
            taken.add(key)
            return reading.value
    return None


def _say_changed(turn: _Turn, changed: list[SkillSlot]) -> None:
    said = [f"the {_label(s.name).lower()} to {_shown(turn.state.slots[s.name])}" for s in changed]
    turn.say(CHANGED.format(changes=" and ".join(said)))


def _on_slot(turn: _Turn, skills: SkillSet, skill: Skill, heard: Understanding) -> None:
    slot = skill.slot(turn.state.pending or "")
    if slot is None:  # the skill changed under a stored conversation: carry on with what it has
        _advance(turn, skill)
        return
    entities = _keyed(skill, turn.state.slots, heard.entities)
    taken = _fill_from_entities(turn, skill, entities, slot, heard.text)
    changed = _revise(turn, skill, entities, heard.text, taken) if _corrects(heard.text) else []
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
    entity = any(entities.get(k) is not None for k in (slot.name, slot.slot.type.value))
    if (switch or digression or goodbye) and not entity:
        reading = Reading(False)
    else:
        reading = _read(slot, heard.text, entities)
    if reading.ok and _is_free_text(slot):
        others = _other_values(skill, slot, entities)
        reading = reading if _answers_free_text(heard.text, others) else Reading(False)
    if reading.ok:
        turn.state = replace(turn.state, slots={**turn.state.slots, slot.name: reading.value})
        if changed:
            _say_changed(turn, changed)
        _advance(turn, skill)
    elif changed:  # a correction, not an answer: ask the same question again, not as a retry
        _say_changed(turn, changed)
        turn.say(render(slot.prompt, turn.context()))
    elif digression:
        _digress(turn, skill, heard, render(slot.prompt, turn.context()))
    elif switch and other is not None:
        _start_skill(turn, other, heard, turn.state.slots)
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
    entities = _keyed(skill, turn.state.slots, heard.entities)
    changed = _revise(turn, skill, entities, heard.text, set())
    answer = read_yes_no(heard.text, heard.intent)
    if changed:  # "no, make it Saturday": change it and confirm again
        turn.state = replace(turn.state, retries=0)
        _say_changed(turn, changed)
        turn.say(render(skill.confirm or "", turn.context()))
    elif answer is True:
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


def _digress(turn: _Turn, skill: Skill, heard: Understanding, question: str) -> None:
    """Answer an FAQ in the middle of a skill, then ask the same question again."""
    turn.state = replace(turn.state, answered=turn.state.answered + 1)
    turn.say(turn.policy.answers[heard.intent or ""])
    topic = skill.description.strip().rstrip(".!?") or skill.name.replace("_", " ")
    turn.say(f"Now, back to {topic[:1].lower()}{topic[1:]}: {question}")
