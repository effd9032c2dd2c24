"""Scoring a replay against the wizard's query, per dialogue and per task."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agentfloor.agents.dialogue import DialogueOutcome
from agentfloor.agents.star.model import (
    DialogueScore,
    InputKind,
    Replay,
    SlotAccuracy,
    SlotCheck,
    StarDialogue,
    StarInput,
    StarTask,
    TaskSummary,
)

__all__ = ["score_dialogue", "summarise"]


def score_dialogue(task: StarTask, dialogue: StarDialogue, result: Replay) -> DialogueScore:
    """Check each of the dialogue's constraints on the task's inputs against the filled slots."""
    checks = []
    for item in task.inputs:
        expected = dialogue.constraints.get(item.name)
        if expected is None:
            continue
        got = result.slots.get(item.slot)
        checks.append(SlotCheck(item.name, item.kind, expected, got, _matches(item, expected, got)))
    return DialogueScore(dialogue.id, tuple(checks), result.outcome, dialogue.happy)


def _matches(item: StarInput, expected: str, got: object) -> bool:
    if got is None or isinstance(got, bool):
        return False
    if item.kind is InputKind.LONG_TEXT:
        return bool(str(got).strip())
    if item.kind is InputKind.TEXT:
        words = set(_words(expected))
        return bool(words) and words <= set(_words(got))
    return _fold(expected) == _fold(got)


def _words(value: object) -> list[str]:
    return re.findall(r"[^\W_]+", str(value).casefold())


def _fold(value: object) -> str:
    return " ".join(_words(value))


def summarise(task: StarTask, scores: Sequence[DialogueScore]) -> TaskSummary:
    """Return a task's figures: success, completion, handoffs and accuracy per input."""
    checked: dict[str, list[SlotCheck]] = {item.name: [] for item in task.inputs}
    for score in scores:
        for check in score.checks:
            checked[check.input].append(check)
    slots = tuple(
        SlotAccuracy(item.name, item.kind, len(found), sum(c.matched for c in found))
        for item in task.inputs
        if (found := checked[item.name])
    )
    return TaskSummary(
        task=task.name,
        dialogues=len(scores),
        scored=sum(s.scored for s in scores),
        successes=sum(s.success for s in scores),
        happy_scored=sum(s.scored and s.happy for s in scores),
        happy_successes=sum(s.success and s.happy for s in scores),
        completed=sum(s.outcome is DialogueOutcome.CONTAINED for s in scores),
        handed_off=sum(s.outcome is DialogueOutcome.HANDOFF for s in scores),
        slots=slots,
    )
