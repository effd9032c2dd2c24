"""STAR task dialogues as a test of the AI agent's forms: skills from API schemas, replay, scores.

STAR (Mosig et al., 2020, "STAR: A Schema-Guided Dialog Dataset for Transfer Learning") pairs
crowd-worker customers with crowd-worker wizards; each wizard fills a task's backend query
(`Constraints`) from what the customer says. We replay the customer's messages into our own
dialogue manager with a skill built from the same task's API schema, and score the slots our
skill filled against the wizard's last query. Everything here is pure: the caller reads the files
(`cli.eval_dialogues`) and supplies the entity extractor.

Design, and why:
- The skill is generated as a skill *document* and read by `parse_skill`, so it is checked like a
  tenant's upload and uses only what a tenant could write. Inputs: `Categorical` -> `enum` (the
  categories as values), `ShortString` and `LongString` -> `text`, `Integer` -> `number`;
  `RequestType` (check or book, the wizard's choice) and unknown types are left out. A slot is
  required when the API lists it in `required` (bank_balance lists none: all are optional,
  asked once). The action is `none`: the filled slots are the result.
- Question order and wording come from the task's reply templates: an `*ask*` reply
  (`doctor_ask_day`) is matched to the input whose name words cover at least half of the words
  after "ask" (initials count, so `dob` finds "Date Of Birth"), best cover first, a tie going
  to a free-text input (the shared `ask_name` reply asks for the customer's own name, which
  every STAR API types as ShortString). Matched inputs are asked in the order of the task's
  reply graph (walked from `hello`, then the replies' own order), which is the order wizards were
  shown; unmatched inputs follow in schema order with a generic question.
- Two enum families need help from the date and time entities, because the date extractor runs
  before the enum matcher and masks "Friday" and "7 pm": an enum of weekday names takes the
  weekday of a named date, and enums of hour labels ("1 pm") take the message's times in order,
  one per hour slot still empty ("from 2 pm to 4 pm": start, then end); minutes are dropped, as
  the API's `StartTimeHour` is an hour.
- Every message is understood with the skill's intent (the intent is an oracle here: intent
  accuracy is `agentfloor eval intents`' job), and the conversation starts with no skill, so the
  customer's opening request starts the skill and fills it from its entities, as a chat that
  opens with "I need an appointment with Dr. Alexis on Friday" does in production. Starting
  inside the skill (a flow's `ai_agent` block) would instead read that request, or the "Hello"
  a third of STAR customers open with, as the answer to the first question. One exception:
  before the skill starts, a message the caller's intent model reads as a greeting and that
  holds no entity is passed on as that greeting (the manager greets and waits for the request);
  the CLI uses the default intent model every tenant starts with, `--no-greetings` turns it off.
- STAR scenarios are "happy" or not (the customer changes their mind, wanders, forgets): task
  success is also reported on the happy ones, since the manager never revises a filled slot.
- Scoring reads the dialogue's last query for the task's API: a constraint counts when its value
  is a literal (quoted, or a bare number such as an account number) or `api.is_equal_to(x)`
  (a one-item list is that item); `api.is_one_of`, `null` and RequestType are skipped. Enum and
  number slots must equal the value once case and punctuation are folded ("Dr. Morgan" = "dr
  morgan"); short free text must contain the value's words ("My name is Angela" holds
  "Angela"); long free text (symptoms, a message) counts as filled when non-empty, is reported
  on its own, and does not decide task success, which needs every other constraint matched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Final

from agentfloor.agents.dialogue import (
    DialogueOutcome,
    DialoguePolicy,
    Understanding,
    begin,
    hear,
)
from agentfloor.agents.skills.model import Skill, SkillSet
from agentfloor.agents.skills.parse import parse_skill

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
    "parse_constraint",
    "read_dialogue",
    "replay",
    "score_dialogue",
    "skill_document",
    "slot_entities",
    "star_task",
    "summarise",
]

_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HOUR: Final = re.compile(r"(\d{1,2})\s*([ap])\.?m\.?", re.I)
_CALL: Final = re.compile(r"api\.(\w+)\((.*)\)", re.S)
_BARE: Final = re.compile(r"[\w.+-]+")  # an unquoted value such as 0123 (not valid JSON)
_CAMEL: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_MIN_COVER: Final = 0.5  # share of an ask reply's topic words an input's words must cover
_SUCCESS: Final = "Thank you, I have everything I need."


class InputKind(StrEnum):
    """How an API input becomes a slot, and how its value is scored."""

    ENUM = "enum"  # Categorical: equal after folding case and punctuation
    TEXT = "text"  # ShortString (names, account numbers): contains the value's words
    LONG_TEXT = "long_text"  # LongString: filled or not; not part of task success
    NUMBER = "number"  # Integer: equal


_KINDS: Final = {
    "Categorical": InputKind.ENUM,
    "ShortString": InputKind.TEXT,
    "LongString": InputKind.LONG_TEXT,
    "Integer": InputKind.NUMBER,
}


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
        entities: By slot type (`date` ISO, `time` HH:MM, ...) and by enum slot name.
        times: Every time (HH:MM) the message named, in order (`entities` keeps only the first).
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


# --- the skill ----------------------------------------------------------------------------------


def star_task(
    name: str, api: Mapping[str, Any], task_doc: Mapping[str, Any] | None = None
) -> StarTask:
    """Build the skill for a STAR task from its API schema (`apis/<task>.json`) and replies.

    Args:
        name: The task (`doctor_schedule`).
        api: The API schema: `input` (Name, Type, Categories, ReadableName) and `required`.
        task_doc: The task file (`tasks/<task>/<task>.json`: `replies`, `graph`), if any.

    Raises:
        SkillInvalid: The generated document does not make a valid skill.
    """
    asked, unasked = _ordered_inputs(_inputs(api), task_doc or {})
    skill = parse_skill(skill_document(name, asked, unasked), path=name)
    return StarTask(name, skill, tuple(item for item, _ in asked) + unasked)


def skill_document(
    name: str,
    asked: Sequence[tuple[StarInput, str]],
    unasked: Sequence[StarInput] = (),
) -> dict[str, object]:
    """Return the skill document for a task: `asked` with their prompts, then `unasked`."""
    slots = [_slot_document(item, prompt) for item, prompt in asked]
    slots += [_slot_document(item, _generic_prompt(item)) for item in unasked]
    slug = _snake(name)
    return {
        "name": slug,
        "description": f"STAR task {name}, built from its API schema.",
        "intents": [slug],
        "slots": slots,
        "action": {"kind": "none"},
        "success": _SUCCESS,
    }


def _slot_document(item: StarInput, prompt: str) -> dict[str, object]:
    kind = "text" if item.kind is InputKind.LONG_TEXT else item.kind.value
    doc: dict[str, object] = {"name": item.slot, "type": kind, "prompt": prompt}
    if item.values:
        doc["values"] = list(item.values)
    if not item.required:
        doc["required"] = False
    return doc


def _generic_prompt(item: StarInput) -> str:
    if item.values:
        return f"Please choose the {item.label.lower()}: {', '.join(item.values)}."
    return f"Please tell me the {item.label.lower()}."


def _inputs(api: Mapping[str, Any]) -> list[StarInput]:
    required = {str(r) for r in api.get("required") or ()}
    found: list[StarInput] = []
    for raw in api.get("input") or ():
        name, kind = str(raw.get("Name", "")), str(raw.get("Type", ""))
        values = tuple(str(v) for v in raw.get("Categories") or ())
        chosen = _KINDS.get(kind)
        if chosen is None or (chosen is InputKind.ENUM and not values):
            continue  # RequestType (the wizard's check-or-book), or a type with no slot reader
        slot = _snake(name)
        if not name or any(f.slot == slot for f in found):
            continue
        label = str(raw.get("ReadableName") or " ".join(_CAMEL.findall(name)))
        found.append(StarInput(name, slot, chosen, label, values, name in required))
    return found


def _ordered_inputs(
    inputs: list[StarInput], task_doc: Mapping[str, Any]
) -> tuple[list[tuple[StarInput, str]], tuple[StarInput, ...]]:
    """Match ask replies to inputs; return (input, prompt) in graph order, then the rest."""
    asks = _asks(task_doc)
    pairs = []
    for a, (_, _, topic) in enumerate(asks):
        for i, item in enumerate(inputs):
            cover = len(topic & _input_words(item)) / len(topic)
            if cover >= _MIN_COVER:
                pairs.append((-cover, item.kind is not InputKind.TEXT, a, i))
    prompts: dict[int, tuple[int, str]] = {}  # input index -> (ask index, prompt)
    used: set[int] = set()
    for _, _, a, i in sorted(pairs):
        if a not in used and i not in prompts:
            used.add(a)
            prompts[i] = (a, asks[a][1])
    asked = [(inputs[i], prompt) for i, (_, prompt) in sorted(prompts.items(), key=lambda p: p[1])]
    return asked, tuple(item for i, item in enumerate(inputs) if i not in prompts)


def _asks(task_doc: Mapping[str, Any]) -> list[tuple[str, str, frozenset[str]]]:
    """Return the ask replies as (key, text, topic words), in the reply graph's order."""
    replies = task_doc.get("replies") or {}
    graph = task_doc.get("graph") or {}
    order: list[str] = []
    node: object = "hello"
    while isinstance(node, str) and node not in order:  # the graph's main path
        order.append(node)
        node = graph.get(node)
    order += [key for key in replies if key not in order]
    asks = []
    for key in order:
        words = key.split("_")
        text = replies.get(key)
        if "ask" not in words or not isinstance(text, str) or "{" in text or not text.strip():
            continue  # not a question, or a template in STAR's own syntax
        topic = frozenset(words[words.index("ask") + 1 :])
        if topic:
            asks.append((key, text.strip(), topic))
    return asks


def _input_words(item: StarInput) -> frozenset[str]:
    label = [w.casefold() for w in re.findall(r"[^\W_]+", item.label)]
    words = {w.casefold() for w in _CAMEL.findall(item.name)} | set(label)
    if len(label) > 1:
        words.add("".join(w[0] for w in label))  # "Date Of Birth" is asked as "dob"
    return frozenset(words)


def _snake(name: str) -> str:
    slug = "_".join(w.casefold() for w in _CAMEL.findall(name))[:64]
    return slug if slug[:1].isalpha() else f"slot_{slug}"[:64]


# --- reading the data ---------------------------------------------------------------------------


def read_dialogue(doc: Mapping[str, Any], tasks: Collection[str]) -> StarDialogue | None:
    """Return a dialogue to replay, or None when it is not one.

    One is: the wizard could do exactly one task, one of `tasks`; the dialogue is `Complete`; and
    the wizard queried that task's API at least once.
    """
    scenario = doc.get("Scenario") or {}
    capable = [str(c.get("Task")) for c in scenario.get("WizardCapabilities") or ()]
    if len(capable) != 1 or capable[0] not in tasks or doc.get("CompletionLevel") != "Complete":
        return None
    task = capable[0]
    events = doc.get("Events") or ()
    queries = [e for e in events if e.get("Action") == "query" and e.get("APIName") == task]
    if not queries:
        return None
    turns = tuple(
        str(e["Text"])
        for e in events
        if e.get("Agent") == "User" and e.get("Action") == "utter" and str(e.get("Text")).strip()
    )
    constraints: dict[str, str] = {}
    for item in queries[-1].get("Constraints") or ():
        for name, raw in item.items():
            value = parse_constraint(str(raw))
            if value is not None:
                constraints[str(name)] = value
    happy = scenario.get("Happy") is not False
    return StarDialogue(str(doc.get("DialogueID")), task, turns, constraints, happy)


def parse_constraint(raw: str) -> str | None:
    """Return a constraint's value when it names one (a literal or `api.is_equal_to`), else None.

    `"Dr. Morgan"` and `api.is_equal_to("Sunday")` give the text; `9931939443153` gives the
    digits; `api.is_equal_to(["Tuesday"])` gives Tuesday; `api.is_one_of([...])` and `null` None.
    """
    text = raw.strip()
    call = _CALL.fullmatch(text)
    if call:
        if call[1] != "is_equal_to":
            return None
        text = call[2].strip()
    try:
        value = json.loads(text)
    except ValueError:
        value = text if _BARE.fullmatch(text) else None
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    shown = str(value).strip()
    return shown or None


# --- the replay ---------------------------------------------------------------------------------


def slot_entities(heard: Heard, task: StarTask, filled: Mapping[str, object]) -> dict[str, object]:
    """Key a message's entities for the task's slots: weekday and hour enums from dates and times.

    Entities already found for a slot by name (the enum matcher) win.
    """
    entities = dict(heard.entities)
    day = entities.get("date")
    hours: list[StarInput] = []
    for item in task.inputs:
        if item.kind is not InputKind.ENUM or item.slot in entities:
            continue
        if _is_weekdays(item.values) and isinstance(day, str):
            weekday = _weekday(day)
            if weekday is not None:
                _key(entities, item, weekday)
        elif _is_hours(item.values) and item.slot not in filled:
            hours.append(item)
    for item, time in zip(hours, dict.fromkeys(heard.times), strict=False):
        hour = int(time.split(":")[0])
        _key(entities, item, f"{hour % 12 or 12} {'am' if hour < 12 else 'pm'}")
    return entities


def _key(entities: dict[str, object], item: StarInput, said: str) -> None:
    value = next((v for v in item.values if _fold(v) == _fold(said)), None)
    if value is not None:
        entities[item.slot] = value


def _weekday(iso: str) -> str | None:
    try:
        return _WEEKDAYS[date.fromisoformat(iso).weekday()]
    except ValueError:
        return None


def _is_weekdays(values: tuple[str, ...]) -> bool:
    return bool(values) and all(v.casefold() in _WEEKDAYS for v in values)


def _is_hours(values: tuple[str, ...]) -> bool:
    return bool(values) and all(_HOUR.fullmatch(v.strip()) for v in values)


def replay(
    task: StarTask,
    dialogue: StarDialogue,
    understand: Callable[[str], Heard],
    policy: DialoguePolicy | None = None,
) -> Replay:
    """Feed the dialogue's customer messages to the dialogue manager until it ends or they do.

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
        entities = slot_entities(found, task, state.slots)
        heard = Understanding(
            text=text, intent=intent, confidence=1.0, guess=intent, entities=entities
        )
        state = hear(skills, rules, state, heard).state
        turns += 1
    return Replay({**state.collected, **state.slots}, state.outcome, turns)


# --- scores -------------------------------------------------------------------------------------


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
