"""The STAR replay's values: a task's inputs and skill, a dialogue, a replay's end, scores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from agentfloor.agents.dialogue import DialogueOutcome
from agentfloor.agents.skills.model import Skill

__all__ = [
    "DialogueScore",
    "Heard",
    "InputKind",
    "Replay",
    "SlotAccuracy",
    "SlotCheck",
    "StarDialogue",
    "StarInput",
    "StarTask",
    "TaskSummary",
]


class InputKind(StrEnum):
    """How an API input becomes a slot, and how its value is scored."""

    ENUM = "enum"  # Categorical: equal after folding case and punctuation
    TEXT = "text"  # ShortString (names, account numbers): contains the value's words
    LONG_TEXT = "long_text"  # LongString: filled or not; not part of task success
    NUMBER = "number"  # Integer: equal


@dataclass(frozen=True, slots=True)
class StarInput:
    """One input of a STAR API and the slot that holds it."""

    name: str  # the API's name (`StartTimeHour`)
    slot: str  # the skill's slot name (`start_time_hour`)
    kind: InputKind
    label: str  # the API's readable name
    values: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True, slots=True)
class StarTask:
    """A STAR task and the skill generated from its API schema."""

    name: str
    skill: Skill
    inputs: tuple[StarInput, ...]

    @property
    def intent(self) -> str:
        """The intent that starts the skill."""
        return self.skill.intents[0]


@dataclass(frozen=True, slots=True)
class StarDialogue:
    """The part of a STAR dialogue the replay needs.

    Attributes:
        id: The dialogue's id.
        task: The one task the wizard could do.
        user_turns: What the customer said, in order.
        constraints: The last query's scorable values by API input name (see `parse_constraint`).
        happy: STAR's happy-path scenario (the customer does not change their mind or wander).
    """

    id: str
    task: str
    user_turns: tuple[str, ...]
    constraints: Mapping[str, str]
    happy: bool = True


@dataclass(frozen=True, slots=True)
class Heard:
    """What entity extraction found in one message, keyed as the runtime keys it.

    Attributes:
        entities: By slot type (`date` ISO, `time` HH:MM, `times`, ...) and by enum slot name.
        times: Every time (HH:MM) the message named, in order; the replay adds it to `entities`
            as `times` when they have none (`runtime.nlu.entity_slots` gives it already).
        intent: The intent model's in-scope intent, if one was asked (None: not asked, or out
            of scope); the replay uses only greetings before the skill starts.
    """

    entities: Mapping[str, object]
    times: tuple[str, ...] = ()
    intent: str | None = None


@dataclass(frozen=True, slots=True)
class Replay:
    """The end of a replayed conversation: the slots filled and how it ended (None: unfinished)."""

    slots: Mapping[str, object]
    outcome: DialogueOutcome | None
    turns: int  # customer messages heard before the conversation ended


@dataclass(frozen=True, slots=True)
class SlotCheck:
    """One constraint of the wizard's query against the slot our skill filled."""

    input: str
    kind: InputKind
    expected: str
    got: object
    matched: bool


@dataclass(frozen=True, slots=True)
class DialogueScore:
    """One dialogue's checks and outcome."""

    dialogue_id: str
    checks: tuple[SlotCheck, ...]
    outcome: DialogueOutcome | None
    happy: bool = True

    @property
    def scored(self) -> bool:
        """Whether any constraint decides task success (some queries hold only long text)."""
        return any(c.kind is not InputKind.LONG_TEXT for c in self.checks)

    @property
    def success(self) -> bool:
        """Every constraint but long free text matched."""
        return self.scored and all(
            c.matched for c in self.checks if c.kind is not InputKind.LONG_TEXT
        )


@dataclass(frozen=True, slots=True)
class SlotAccuracy:
    """How often one input's constraint was matched (long text: filled)."""

    input: str
    kind: InputKind
    checked: int
    matched: int


@dataclass(frozen=True, slots=True)
class TaskSummary:
    """One task's figures over its dialogues."""

    task: str
    dialogues: int
    scored: int
    successes: int
    happy_scored: int  # scored dialogues on STAR's happy path
    happy_successes: int
    completed: int  # the skill filled its form and finished
    handed_off: int
    slots: tuple[SlotAccuracy, ...]
