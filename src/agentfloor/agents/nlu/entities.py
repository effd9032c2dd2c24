"""Entity extraction: the things a skill's slots need, found in one utterance and normalised.

Extractors run from the most specific to the least, and each blanks out what it found (same
length, so offsets hold) before the next looks: an e-mail's digits are not a phone number, "£25"
is not the 25th, an order id is not a year. Order: e-mail, money, order id, phone, date/time,
then the tenant's enum values (fuzzy, so "premum" finds "premium").

Phones use `phonenumbers`' matcher at the VALID leniency (a real number plan, not just any digit
run) and `crm.identities.normalize_phone` for the E.164 form, so a number found in chat matches
the customer's identity in the CRM. Dates: `agents.nlu.dates`. Money: `agents.nlu.money`.
"""

from __future__ import annotations

import re
from datetime import datetime

import phonenumbers
from rapidfuzz import fuzz

from agentfloor.agents.nlu.dates import find_dates
from agentfloor.agents.nlu.model import Entity, EntityKind, EntityValue
from agentfloor.agents.nlu.money import find_money
from agentfloor.core.clock import to_datetime
from agentfloor.core.errors import InvalidInput
from agentfloor.crm.identities import normalize_email, normalize_phone

__all__ = ["DEFAULT_ENUM_THRESHOLD", "DEFAULT_ORDER_ID_PATTERN", "extract_entities"]

DEFAULT_ORDER_ID_PATTERN = r"\b[A-Z]{2,4}-?\d{4,12}\b"
# rapidfuzz `ratio` (0-100, normalised Indel similarity). 80 lets one typo through in a
# five-letter word ("lrage" -> large, "basci" -> basic) and two in a ten-letter one.
DEFAULT_ENUM_THRESHOLD = 80.0
# Below this many characters a fuzzy match is mostly noise ("red" ~ "bed"): exact only.
MIN_FUZZY_LENGTH = 4

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")  # "don't", "don\u2019t" (typographic apostrophe)

CONFIDENCE = {
    EntityKind.EMAIL: 0.99,
    EntityKind.MONEY: 0.95,
    EntityKind.PHONE: 0.95,
    EntityKind.ORDER_ID: 0.9,
    EntityKind.DATETIME: 0.9,
}


def extract_entities(
    text: str,
    *,
    now: float | datetime,
    timezone: str,
    default_region: str | None,
    enums: dict[str, list[str]] | None = None,
    order_id_pattern: str | re.Pattern[str] = DEFAULT_ORDER_ID_PATTERN,
    enum_threshold: float = DEFAULT_ENUM_THRESHOLD,
) -> list[Entity]:
    """Return the entities in `text`, in the order they appear.

    Args:
        text: one utterance.
        now: the current moment (epoch seconds or an aware datetime): "tomorrow" is relative to it.
        timezone: the tenant's IANA timezone; dates come back in it.
        default_region: ISO region for phone numbers without a country code, the meaning of "$"
            and the order of day and month in 12/03.
        enums: the tenant's closed lists, by name (`{"plan": ["basic", "premium"]}`).
        order_id_pattern: regular expression for the tenant's order ids.
        enum_threshold: lowest rapidfuzz ratio (0-100) that counts as an enum match.
    """
    moment = to_datetime(now) if isinstance(now, (int, float)) else now
    pattern = (
        re.compile(order_id_pattern) if isinstance(order_id_pattern, str) else order_id_pattern
    )
    found: list[Entity] = []
    masked = text

    def take(
        kind: EntityKind,
        start: int,
        end: int,
        value: EntityValue,
        *,
        confidence: float | None = None,
        enum: str | None = None,
    ) -> None:
        nonlocal masked
        score = CONFIDENCE[kind] if confidence is None else confidence
        found.append(Entity(kind, value, text[start:end], (start, end), score, enum))
        masked = masked[:start] + " " * (end - start) + masked[end:]

    for match in _EMAIL.finditer(masked):
        take(EntityKind.EMAIL, match.start(), match.end(), normalize_email(match.group()))
    for money in find_money(masked, default_region=default_region):
        take(EntityKind.MONEY, money.start, money.end, money.value)
    for match in pattern.finditer(masked):
        if match.end() > match.start():
            take(EntityKind.ORDER_ID, match.start(), match.end(), match.group().upper())
    for start, end, phone in _phones(masked, default_region):
        take(EntityKind.PHONE, start, end, phone)
    for date in find_dates(masked, now=moment, timezone=timezone, default_region=default_region):
        take(EntityKind.DATETIME, date.start, date.end, date.value)
    for name, value, start, end, score in _enum_values(masked, enums or {}, enum_threshold):
        take(EntityKind.ENUM, start, end, value, enum=name, confidence=score / 100.0)
    return sorted(found, key=lambda entity: entity.span)


def _phones(text: str, region: str | None) -> list[tuple[int, int, str]]:
    """Return the valid phone numbers in `text` as (start, end, E.164)."""
    found = []
    matcher = phonenumbers.PhoneNumberMatcher(
        text, (region or "").upper() or None, leniency=phonenumbers.Leniency.VALID
    )
    for match in matcher:
        try:
            normal = normalize_phone(match.raw_string, region)
        except InvalidInput:
            continue  # valid for the matcher but not a possible number for us: not a phone
        found.append((match.start, match.end, normal))
    return found


def _enum_values(
    text: str, enums: dict[str, list[str]], threshold: float
) -> list[tuple[str, str, int, int, float]]:
    """Return the best non-overlapping enum matches as (enum, value, start, end, score)."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    candidates: list[tuple[float, int, str, str, int, int]] = []
    for name, values in enums.items():
        for value in values:
            target = " ".join(_WORD.findall(value.casefold()))
            size = len(target.split())
            if not size:
                continue
            for i in range(len(words) - size + 1):
                start, end = words[i][0], words[i + size - 1][1]
                window = " ".join(_WORD.findall(text[start:end].casefold()))
                if len(target) < MIN_FUZZY_LENGTH or len(window) < MIN_FUZZY_LENGTH:
                    score = 100.0 if window == target else 0.0
                else:
                    score = fuzz.ratio(window, target)
                if score >= threshold:
                    candidates.append((score, len(target), name, value, start, end))
    chosen: list[tuple[str, str, int, int, float]] = []
    for score, _, name, value, start, end in sorted(candidates, key=lambda c: (-c[0], -c[1])):
        if all(end <= s or e <= start for _, _, s, e, _ in chosen):
            chosen.append((name, value, start, end, score))
    return chosen
