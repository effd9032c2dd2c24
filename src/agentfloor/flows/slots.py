"""Reading what a customer said: menu choices, collect slots, survey scores, yes or no.

Each slot type has one reader that finds the value in a customer's words (or DTMF digits) and
either returns it in a normal form (JSON-like, so conditions can test it) or says, in a sentence
the customer can act on, what was expected. Phone numbers and e-mail addresses reuse the CRM's
normalizers so a collected number matches the customer record. Dates are ISO only for now: the
NLU package extracts free-form dates and passes them in `entities`, which win over the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Final

from agentfloor.core.errors import InvalidInput
from agentfloor.crm.identities import normalize_email, normalize_phone
from agentfloor.flows.model import MenuBlock, MenuOption, QuestionKind, Slot, SlotType

__all__ = [
    "MAX_PATTERN_CHARS",
    "Reading",
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
    if re.fullmatch(r"[0-9]{1,3}", folded) and 1 <= int(folded) <= len(values):
        return Reading(True, values[int(folded) - 1])
    mentioned = [v for v in values if re.search(rf"\b{re.escape(v.casefold())}\b", folded)]
    if len(mentioned) == 1:
        return Reading(True, mentioned[0])
    return Reading(False, hint=f"Please choose one of: {', '.join(values)}.")
