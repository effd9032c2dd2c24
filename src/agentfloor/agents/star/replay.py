"""Replaying a STAR dialogue's customer messages into the dialogue manager."""

from __future__ import annotations

from collections.abc import Callable

from agentfloor.agents.dialogue import DialoguePolicy, Understanding, begin, hear
from agentfloor.agents.skills.model import SkillSet
from agentfloor.agents.star.model import Heard, Replay, StarDialogue, StarTask

__all__ = ["replay"]


def replay(
    task: StarTask,
    dialogue: StarDialogue,
    understand: Callable[[str], Heard],
    policy: DialoguePolicy | None = None,
) -> Replay:
    """Feed the dialogue's customer messages to the dialogue manager until it ends or they do.

    The entities go to the manager as the runtime keys them: the manager itself places a named
    weekday or time on the skill's enum slots.

    Args:
        task: The task and its skill.
        dialogue: The dialogue to replay.
        understand: Entity extraction for one message.
        policy: The dialogue policy (default: a tenant's default).
    """
    skills = SkillSet({task.skill.name: task.skill})
    rules = policy or DialoguePolicy()
    state = begin(skills, rules, single=True).state
    turns = 0
    for text in dialogue.user_turns:
        if state.is_done:
            break
        found = understand(text)
        intent = task.intent
        if state.skill is None and found.intent in rules.greeting_intents and not found.entities:
            intent = found.intent  # "Hello" before any request is greeted, not a request
        entities = dict(found.entities)
        if found.times:
            entities.setdefault("times", list(found.times))
        heard = Understanding(
            text=text, intent=intent, confidence=1.0, guess=intent, entities=entities
        )
        state = hear(skills, rules, state, heard).state
        turns += 1
    return Replay({**state.collected, **state.slots}, state.outcome, turns)
