"""Reading what a customer said: menu choices, collect slots, survey scores, yes or no.

Each slot type has one reader that finds the value in a customer's words (or DTMF digits) and
either returns it in a normal form (JSON-like, so conditions can test it) or says, in a sentence
the customer can act on, what was expected. Phone numbers and e-mail addresses reuse the CRM's
normalizers so a collected number matches the customer record. Dates are ISO only for now: the
NLU package extracts free-form dates and passes them in `entities`, which win over the text.

Enum values are read, in order: an entity for the slot; a named date's weekday or a named time's
label ("tomorrow" for "Tuesday", "7:00pm" for "7 pm"), from the NLU's date and time entities,
since the date extractor takes those words before the enum matcher sees them; the value itself; a
bare number as the n-th value (DTMF keys, and only when no value holds a digit: "2" is not the
2nd of "1 am", "2 am"...); yes and no in their many forms when the values are exactly Yes and
No; a whole value named in a sentence; and part of a value when only one value has those words
("Johnson" is "Dr. Johnson"), each word fuzzy (rapidfuzz) so a typo still matches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from rapidfuzz import fuzz

from agentfloor.core.errors import InvalidInput
from agentfloor.crm.identities import normalize_email, normalize_phone
from agentfloor.flows.model import MenuBlock, MenuOption, QuestionKind, Slot, SlotType

__all__ = [
    "MAX_PATTERN_CHARS",
    "Reading",
    "enum_value_for",
    "is_time_enum",
    "is_yes_no_enum",
    "read_answer",
    "read_choice",
    "read_slot",
    "read_yes_no",
]

MAX_PATTERN_CHARS: Final = 200
_MAX_TEXT: Final = 2000  # longer input is cut: a slot value is never this long
_ORDER_ID: Final = re.compile(r"\b[A-Z]{0,4}-?\d{4,12}\b", re.IGNORECASE)
_NUMBER: Final = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")
_DATE: Final = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_TIME: Final = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\b|\b(\d{1,2}):(\d{2})\b", re.I)
_PHONE: Final = re.compile(r"\+?\d[\d\s().-]{4,}\d")
_MONEY: Final = re.compile(
    r"(?P<pre>[£$€]|\b[A-Z]{3}\b)?\s*(?P<amount>\d[\d,]*(?:\.\d{1,2})?)\s*(?P<post>\b[A-Z]{3}\b)?"
)
_SYMBOLS: Final = {"£": "GBP", "$": "USD", "€": "EUR"}
_YES: Final = frozenset({"yes", "y", "yeah", "yep", "sure", "ok", "okay", "please", "yes please"})
_NO: Final = frozenset({"no", "n", "nope", "nah", "no thanks", "no thank you", "not now"})
_SCALES: Final = {QuestionKind.CSAT: (1, 5), QuestionKind.NPS: (0, 10)}
# A first word that answers yes or no whatever follows ("Yes! I've paid", "no I haven't"); the
# milder words of `_YES` ("ok", "please", "sure") often start a sentence that is not an answer.
_LEADING_YES: Final = frozenset({"yes", "yeah", "yep", "yup"})
_LEADING_NO: Final = frozenset({"no", "nope", "nah"})
_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WORDS: Final = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# rapidfuzz `ratio` (0-100) for one word of a value against one of the customer's: one typo in a
# five-letter word ("jonson"); shorter words must be exact (as in `agents.nlu.entities`).
_WORD_SIMILARITY: Final = 80.0
_MIN_FUZZY_WORD: Final = 4
# Words that do not tell one value from another: English function words, number words and
# titles ("Dr. Johnson" is named by "Johnson", "One on Center Apartments" by "Center").
# (SIM905 is off here: 61 words read better as text than as 61 one-item lines.)
_GENERIC: Final = frozenset(
    """a an the and or of on in at to for with from by my our your his her their its this that
    these those it is are was be i me we you he she they one two three four five six seven eight
    nine ten first second third dr doctor mr mrs ms miss mx prof sir madam st""".split()  # noqa: SIM905
)


@dataclass(frozen=True, slots=True)
class Reading:
    """The outcome of reading a value: `ok` with `value`, or not with a `hint` for the customer."""

    ok: bool
    value: object = None
    hint: str = ""


def read_slot(slot: Slot, text: str, entities: Mapping[str, object] | None = None) -> Reading:
    """Find a value of the slot's type in `text`; an entity named for the slot or type wins.

    Args:
        slot: What to read.
        text: The customer's words, or DTMF digits.
        entities: Values an NLU step already extracted, by slot name or slot type.
    """
    for key in (slot.name, slot.type.value):
        entity = (entities or {}).get(key)
        if entity is not None and not isinstance(entity, Mapping | list):
            text = str(entity)
            break
    else:
        named = enum_value_for(slot.values, entities or {}) if slot.type is SlotType.ENUM else None
        if named is not None:
            return Reading(True, named)
    text = text.strip()[:_MAX_TEXT]
    match slot.type:
        case SlotType.TEXT:
            return Reading(True, text) if text else Reading(False, hint="Please type an answer.")
        case SlotType.NUMBER:
            return _number(text)
        case SlotType.DATE:
            return _date(text)
        case SlotType.TIME:
            return _time(text)
        case SlotType.PHONE:
            return _phone(text, slot.region)
        case SlotType.EMAIL:
            return _email(text)
        case SlotType.MONEY:
            return _money(text)
        case SlotType.ORDER_ID:
            return _order_id(text, slot.pattern)
        case SlotType.ENUM:
            return _enum(text, slot.values)


def read_answer(kind: QuestionKind, text: str) -> Reading:
    """Read a survey answer: a whole number on the question's scale, or any text."""
    text = text.strip()[:_MAX_TEXT]
    if kind is QuestionKind.TEXT:
        return Reading(True, text) if text else Reading(False, hint="Please type your answer.")
    low, high = _SCALES[kind]
    found = re.fullmatch(r"\s*(\d{1,2})\s*(?:/\s*\d+)?\s*\.?", text)
    if found and low <= int(found[1]) <= high:
        return Reading(True, int(found[1]))
    return Reading(False, hint=f"Please answer with a number from {low} to {high}.")


def read_choice(menu: MenuBlock, text: str, intent: str | None = None) -> MenuOption | None:
    """Return the menu option the customer chose: by NLU intent, label or DTMF key, else None.

    DTMF digits arrive as `text` too; a chat button sends its label.
    """
    if intent:
        for option in menu.options:
            if option.intent == intent:
                return option
    said = text.strip().casefold()
    for option in menu.options:
        if said and (said == option.label.casefold() or said == option.dtmf):
            return option
    return None


def read_yes_no(text: str, intent: str | None = None) -> bool | None:
    """Return True for yes (DTMF 1, intent `affirm`), False for no (DTMF 2, `deny`), else None."""
    if intent in ("affirm", "yes"):
        return True
    if intent in ("deny", "no"):
        return False
    words = re.sub(r"[^\w\s]", "", text.casefold()).strip()
    if words in _YES or words == "1":
        return True
    if words in _NO or words == "2":
        return False
    return None


def enum_value_for(values: tuple[str, ...], entities: Mapping[str, object]) -> str | None:
    """Return the enum value the NLU's date or time names: its weekday, or its clock label.

    `entities` holds `date` (ISO, present only when the words named a day) and `time` (HH:MM).
    A value names a weekday by its name or three-letter abbreviation, and a time when it reads
    as one ("7 pm", "19:00"). When every time among the values is on the hour, a time with
    minutes takes its hour's value (an hour-grained slot: "8:30 pm" is "8 pm").
    """
    time = entities.get("time")
    if isinstance(time, str) and (found := _enum_for_time(values, time)) is not None:
        return found
    day = entities.get("date")
    if isinstance(day, str):
        try:
            weekday = _WEEKDAYS[date.fromisoformat(day).weekday()]
        except ValueError:
            return None
        for value in values:
            if value.strip().casefold().rstrip(".") in (weekday, weekday[:3]):
                return value
    return None


def is_time_enum(values: tuple[str, ...]) -> bool:
    """Whether any of the values reads as a clock time ("7 pm", "19:00")."""
    return any(_clock(value) is not None for value in values)


def _enum_for_time(values: tuple[str, ...], time: str) -> str | None:
    clocks = [(value, clock) for value in values if (clock := _clock(value)) is not None]
    for value, clock in clocks:
        if clock == time:
            return value
    if clocks and all(clock.endswith(":00") for _, clock in clocks):
        hour = f"{time[:2]}:00"
        return next((value for value, clock in clocks if clock == hour), None)
    return None


def _clock(value: str) -> str | None:
    """Return the HH:MM a value reads as when it is only a time ("7 pm", "19:00"), else None."""
    text = value.strip()
    found = _TIME.fullmatch(text)
    reading = _time(text) if found else None
    return str(reading.value) if reading is not None and reading.ok else None


def _number(text: str) -> Reading:
    found = _NUMBER.search(text)
    if found:
        digits = found[0].replace(",", "")
        value = Decimal(digits)
        return Reading(True, int(value) if value == value.to_integral_value() else float(value))
    return Reading(False, hint="Please give a number, for example 42.")


def _date(text: str) -> Reading:
    found = _DATE.search(text)
    if found:
        try:
            return Reading(True, date.fromisoformat(found[0]).isoformat())
        except ValueError:
            pass
    return Reading(False, hint="Please give the date as year-month-day, for example 2026-03-14.")


def _time(text: str) -> Reading:
    found = _TIME.search(text)
    if found:
        if found[3]:  # 3pm, 3:30 am
            hour, minute = int(found[1]), int(found[2] or 0)
            afternoon = 12 if found[3].lower() == "p" else 0
            hour = hour % 12 + afternoon if 1 <= hour <= 12 else 99
        else:
            hour, minute = int(found[4]), int(found[5])
        if hour < 24 and minute < 60:
            return Reading(True, f"{hour:02d}:{minute:02d}")
    return Reading(False, hint="Please give a time such as 14:30 or 2:30 pm.")


def _phone(text: str, region: str | None) -> Reading:
    for candidate in (text, *(m[0] for m in _PHONE.finditer(text))):
        try:
            return Reading(True, normalize_phone(candidate, region))
        except InvalidInput:
            continue
    return Reading(
        False, hint="Please give a phone number with its country code, e.g. +44 20 7946 0958."
    )


def _email(text: str) -> Reading:
    for word in text.split():
        if "@" in word:
            try:
                return Reading(True, normalize_email(word.strip("<>()[],;:.!?\"'")))
            except InvalidInput:
                continue
    return Reading(False, hint="Please give an e-mail address like name@example.com.")


def _money(text: str) -> Reading:
    for found in _MONEY.finditer(text):
        if not found["amount"]:
            continue
        try:
            amount = Decimal(found["amount"].replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern only matches digits
            continue
        code = found["pre"] or found["post"]
        currency = _SYMBOLS.get(code, code) if code else None
        return Reading(True, {"amount_cents": int(amount * 100), "currency": currency})
    return Reading(False, hint="Please give an amount, for example 12.50 or £12.50.")


def _order_id(text: str, pattern: str) -> Reading:
    # Custom patterns have no groups (validation refuses them), so matching cannot backtrack
    # exponentially on a customer's text.
    found = re.search(pattern, text[:MAX_PATTERN_CHARS]) if pattern else _ORDER_ID.search(text)
    if found and found[0]:
        return Reading(True, found[0] if pattern else found[0].upper())
    return Reading(False, hint="Please give your order number as it appears on your receipt.")


def _enum(text: str, values: tuple[str, ...]) -> Reading:
    folded = text.casefold()
    for value in values:
        if value.casefold() == folded:
            return Reading(True, value)
    # DTMF: the n-th value, unless values hold digits ("2" is not the 2nd of "1 am", "2 am").
    digits = any(ch.isdigit() for value in values for ch in value)
    if not digits and re.fullmatch(r"[0-9]{1,3}", folded) and 1 <= int(folded) <= len(values):
        return Reading(True, values[int(folded) - 1])
    if is_yes_no_enum(values):
        answer = _yes_no_answer(text)
        if answer is not None:
            wanted = "yes" if answer else "no"
            return Reading(True, next(v for v in values if v.casefold() == wanted))
    mentioned = [v for v in values if re.search(rf"\b{re.escape(v.casefold())}\b", folded)]
    if len(mentioned) == 1:
        return Reading(True, mentioned[0])
    if not mentioned:
        partial = _partly_named(folded, values)
        if len(partial) == 1:
            return Reading(True, partial[0])
    return Reading(False, hint=f"Please choose one of: {', '.join(values)}.")


def is_yes_no_enum(values: tuple[str, ...]) -> bool:
    """Whether the values are exactly Yes and No (in any case): read as a yes-or-no question."""
    return sorted(v.strip().casefold() for v in values) == ["no", "yes"]


def _yes_no_answer(text: str) -> bool | None:
    """Return yes or no as the whole answer ("sure", "no thanks"), else by its first word."""
    answer = read_yes_no(text)
    if answer is None:
        first = next(iter(_WORDS.findall(text.casefold())), "")
        answer = True if first in _LEADING_YES else False if first in _LEADING_NO else None
    return answer


def _partly_named(folded: str, values: tuple[str, ...]) -> list[str]:
    """Return the values whose own words (not in every value, not generic) all appear in the text.

    "North Hill" names "North Hill Apartments" (its words are north and hill; apartments is in
    every value); "Johnson" names "Dr. Johnson". Each word matches fuzzily (rapidfuzz ratio).
    """
    said = set(_WORDS.findall(folded))
    if not said:
        return []
    words = {value: set(_WORDS.findall(value.casefold())) for value in values}
    shared = set.intersection(*words.values()) if len(values) > 1 else set()
    found = []
    for value, own in words.items():
        own = own - shared - _GENERIC
        if own and all(_word_said(word, said) for word in own):
            found.append(value)
    return found


def _word_said(word: str, said: set[str]) -> bool:
    if word in said:
        return True
    if len(word) < _MIN_FUZZY_WORD:
        return False
    return any(
        len(other) >= _MIN_FUZZY_WORD and fuzz.ratio(word, other) >= _WORD_SIMILARITY
        for other in said
    )
