"""Reading slot values from one customer message: the entities keyed per slot, and the readers.

NLU keys entities by slot type (`date`, `time`, `times`, ...) and by enum list name; `_keyed`
adds a key per slot for what only the skill can place. An enum of weekdays ("Friday") or clock
labels ("7 pm") takes a named date's weekday or a named time's label (`flows.slots
.enum_value_for`): the date extractor takes those words before the enum matcher sees them, and
"tomorrow" or "7:00pm" need the date's reading anyway. When a skill has several enums of clock
labels (start and end), the message's times go to the empty ones in order ("from 2 pm to 4 pm":
start, then end); with all of them filled, to all of them in order (a correction).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from rapidfuzz import fuzz

from agentfloor.agents.skills.model import Skill, SkillSlot
from agentfloor.flows.model import SlotType
from agentfloor.flows.slots import (
    Reading,
    enum_value_for,
    is_time_enum,
    read_answer,
    read_slot,
)

__all__: list[str] = []  # package-internal: `forms` and `manager` import the underscore names

_SKIP_WORDS: Final = frozenset(
    {"skip", "no", "none", "nope", "nothing", "no thanks", "n/a", "pass"}
)
_WORD: Final = re.compile(r"[^\W_]+")
# rapidfuzz `ratio` (0-100) for one word against another: one typo in a five-letter word. Words
# shorter than `_MIN_FUZZY` must be exact ("fee" is not "free").
_SIMILAR: Final = 80.0
_MIN_FUZZY: Final = 4
_CLAUSE: Final = re.compile(r"[,.!?;:]+|\s+but\s+")
# Words of a message that only acknowledges or closes ("ok great, thanks", "that's all I need").
_ACK: Final = frozenset(
    """ok okay k kk yes yeah yep yup no nope sure alright right fine good great perfect awesome
    excellent wonderful cool nice lovely sounds that thats s is it its all i need needed what wanted
    everything thanks thank you very much so a lot appreciate appreciated bye goodbye cheers hi
    hello hey please oh ah um uh hmm well got gotcha understood noted done will be for your help
    looks now sorry
    """.split()  # noqa: SIM905
)
# "I don't know", "can't remember", "no idea": the customer cannot give the value.
_UNKNOWN: Final = re.compile(r"\b(?:no idea|no clue|not sure|unsure|forgot|forget|forgotten)\b")
_NEGATION: Final = frozenset({"not", "never", "dont", "cant", "cannot", "didnt", "doesnt"})
_KNOW: Final = ("know", "remember", "recall", "recollect", "have")
# A message that corrects a value already given: "make it Saturday instead", "actually, 4 pm",
# "no, Tuesday", "can we change it to 5?", "wait, I meant Friday".
_CORRECTION: Final = re.compile(
    r"\b(?:instead|actually|rather|chang(?:e|ed|ing)|make\s+(?:it|that)|switch|move|correction"
    r"|i\s+mean|i\s+meant|wrong|mistake|scratch\s+that|on\s+second\s+thoughts?|how\s+about|what\s+about|try|let\W?s)\b"
    r"|^\W*(?:no|nope|oops|wait)\b"
)
# Words around the values a message gives for other slots ("I'd like to see Dr. Morgan on Friday
# at 3 pm, please"): function words, request verbs, politeness and hedges.
_FILLER: Final = frozenset(
    """a an the and or but of on in at to for with from by about around as if then so also just
    i me my we us our you your he him she her they them it its this that these those there here
    id im ill is are was were be been am do does did can could would
    will shall should may might must want wanted wanna like need needed see meet book make get
    have has had schedule set go come let lets how what when which who please thanks thank
    ok okay yes yeah no sure maybe possibly perhaps ideally preferably best better works work fine
    good great perfect one any some available free time day appointment again instead actually
    rather change make it not s t d m ll re ve
    """.split()  # noqa: SIM905
)
_CLOCK_WORD: Final = re.compile(r"\d+(?:am|pm|a|p|h|st|nd|rd|th)?")  # "3", "6pm", "21st"
# Words that a date or time entity covers ("next Friday at 3 pm", "tomorrow morning").
_DATE_WORDS: Final = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs
    fri sat sun today tomorrow tonight yesterday morning afternoon evening night noon midday
    midnight am pm oclock clock next this coming week weekend january february
    march april may june july august september october november december jan feb mar apr jun jul
    aug sep sept oct nov dec st nd rd th early late
    """.split()  # noqa: SIM905
)


def _keyed(
    skill: Skill, filled: Mapping[str, object], entities: Mapping[str, object]
) -> dict[str, object]:
    """Return `entities` plus a key per enum slot that a named date or time gives a value."""
    keyed = dict(entities)
    clocks: list[SkillSlot] = []
    day = entities.get("date")
    for slot in skill.slots:
        if slot.slot.type is not SlotType.ENUM or slot.name in entities:
            continue
        if is_time_enum(slot.slot.values):
            clocks.append(slot)
        elif isinstance(day, str) and (value := enum_value_for(slot.slot.values, {"date": day})):
            keyed[slot.name] = value
    targets = [slot for slot in clocks if slot.name not in filled] or clocks
    for slot, time in zip(targets, _times(entities), strict=False):
        value = enum_value_for(slot.slot.values, {"time": time})
        if value is not None:
            keyed[slot.name] = value
    return keyed


def _times(entities: Mapping[str, object]) -> list[str]:
    """Return the message's times (HH:MM) in order, each once: `times`, else the one `time`."""
    given = entities.get("times")
    if isinstance(given, list | tuple):
        return list(dict.fromkeys(str(t) for t in given))
    time = entities.get("time")
    return [time] if isinstance(time, str) else []


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


def _names_slot(slot: SkillSlot, text: str) -> bool:
    """Whether the message names the slot: a word of its name (3+ letters) is in the text."""
    said = _WORD.findall(text.casefold())
    return any(
        _same_word(word, other)
        for word in slot.name.casefold().split("_")
        if len(word) >= 3
        for other in said
    )


def _same_word(word: str, other: str) -> bool:
    if word == other:
        return True
    short = len(word) < _MIN_FUZZY or len(other) < _MIN_FUZZY
    return not short and fuzz.ratio(word, other) >= _SIMILAR


# --- free text ----------------------------------------------------------------------------------


def _corrects(text: str) -> bool:
    """Whether the message says it changes something already given ("instead", "actually")."""
    return _CORRECTION.search(text.casefold()) is not None


def _is_free_text(slot: SkillSlot) -> bool:
    return slot.slot.type is SlotType.TEXT and slot.scale is None


def _other_values(skill: Skill, slot: SkillSlot, entities: Mapping[str, object]) -> list[object]:
    """Return the values the message's entities give for the skill's slots other than `slot`."""
    found: list[object] = []
    for other in skill.slots:
        if other is slot:
            continue
        for key in (other.name, other.slot.type.value):
            value = entities.get(key)
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                found.append(value)
    return found


def _answers_free_text(text: str, others: list[object]) -> bool:
    """Whether a message can be the answer to a free-text question (a name, a reason...).

    Not when it only acknowledges or closes ("Thanks", "ok great", "that's all"), says the
    customer does not know or have it ("I don't remember", "no idea"), or, once the values it
    gives for the skill's other slots (`others`) and the words around them ("I'd like to see",
    "at", "please") are taken out, says nothing else ("Dr. Morgan", "Friday at 3 pm please").
    """
    clauses = [c for c in _CLAUSE.split(text.casefold()) if _WORD.search(c)]
    if not clauses or all(_is_ack(c) or _is_unknown(c) for c in clauses):
        return False
    if any(_is_unknown(c) for c in clauses[:1]):
        return False  # "I don't have it, ..." answers no free-text question whatever follows
    if not others:
        return True
    given = {w for value in others for w in _WORD.findall(str(value).casefold())}
    rest = [
        word
        for word in _WORD.findall(text.casefold())
        if word not in _FILLER
        and word not in _DATE_WORDS
        and not _CLOCK_WORD.fullmatch(word)
        and not any(_same_word(word, value) for value in given)
    ]
    return bool(rest)


def _is_ack(clause: str) -> bool:
    words = _WORD.findall(clause)
    if words[:1] in (["thanks"], ["thank"], ["thx"], ["bye"], ["goodbye"], ["cheers"]):
        return True
    return all(word in _ACK for word in words)


def _is_unknown(clause: str) -> bool:
    words = _WORD.findall(re.sub(r"n['\u2019]t\b", " not", clause))  # "don't" -> "do not"
    joined = " ".join(words)
    if _UNKNOWN.search(joined):
        return True
    for i, word in enumerate(words):  # "don't remember", "can't recall", "dont remmeber it"
        if word in _NEGATION and any(
            _same_word(later, verb) for later in words[i + 1 : i + 4] for verb in _KNOW
        ):
            return True
    return False
