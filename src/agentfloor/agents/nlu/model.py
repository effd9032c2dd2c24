"""The values NLU returns: intent predictions and entities found in a customer's text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "Entity",
    "EntityKind",
    "EntityValue",
    "IntentMethod",
    "IntentPrediction",
    "Money",
    "RankedIntent",
]


class IntentMethod(StrEnum):
    """How an intent model turns text into intent probabilities (see `agents.nlu.intents`)."""

    TFIDF = "tfidf"  # character + word n-gram TF-IDF, logistic regression
    MINILM = "minilm"  # sentence embeddings from a `TextEncoder`, logistic regression
    ENSEMBLE = "ensemble"  # weighted average of the two models' probabilities

    @property
    def needs_encoder(self) -> bool:
        """Whether this method reads sentence embeddings."""
        return self is not IntentMethod.TFIDF


@dataclass(frozen=True, slots=True)
class RankedIntent:
    """One candidate intent and the model's probability for it."""

    intent: str
    confidence: float


@dataclass(frozen=True, slots=True)
class IntentPrediction:
    """What the customer most likely wants, and whether we understood them at all.

    `intent` is always the best guess, even when `out_of_scope` is true (a handoff summary can
    say "probably card_arrival"); act on it only when `out_of_scope` is false.
    """

    intent: str
    confidence: float  # probability of `intent`, 0..1
    ranked: tuple[RankedIntent, ...]  # the top k, best first; ranked[0].intent == intent
    out_of_scope: bool  # confidence below the model's calibrated threshold


class EntityKind(StrEnum):
    """What sort of thing an entity is."""

    DATETIME = "datetime"
    PHONE = "phone"
    EMAIL = "email"
    MONEY = "money"
    ORDER_ID = "order_id"
    ENUM = "enum"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency (ISO 4217 code), exact to the minor unit."""

    amount: Decimal
    currency: str


EntityValue = datetime | Money | str


@dataclass(frozen=True, slots=True)
class Entity:
    """One thing found in the text, with its normal form and where it was.

    `value` by kind: DATETIME a timezone-aware `datetime` in the tenant's timezone; MONEY a
    `Money`; PHONE E.164 (`+442079460958`); EMAIL lower case; ORDER_ID upper case; ENUM the
    canonical value, with `enum` naming which list it came from.
    """

    kind: EntityKind
    value: EntityValue
    text: str  # the characters as the customer typed them
    span: tuple[int, int]  # text == original[span[0]:span[1]]
    confidence: float  # 0..1
    enum: str | None = None
