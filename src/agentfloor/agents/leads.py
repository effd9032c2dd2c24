"""Lead scoring: how ready a prospect is to buy, from the four BANT answers, 0 to 100.

BANT (budget, authority, need, timeline) is the classic sales qualification checklist; the
points below are this product's defaults, chosen so that a decision maker buying this quarter
with a stated need and a real budget is hot, and a researcher "just looking" never is:

| answer | points |
|---|---|
| budget at least 10,000 / at least 1,000 / above 0 (whole currency units) | 30 / 20 / 10 |
| authority: decision maker (or yes) / influencer / researching (or no) | 25 / 12 / 5 |
| need stated (three words or more) / a word or two; or high / medium / low | 15 / 8; 15 / 8 / 3 |
| timeline: this month / this quarter / this year / just looking | 30 / 20 / 10 / 0 |

A lead scoring `HOT_THRESHOLD` (70) or more is hot: the lead qualification skill hands it to
sales at once. Budgets are compared in whole units whatever the currency: a default that a
tenant selling in one currency can live with. Hand-written: these are a few table look-ups,
and the weights are a business choice, not an algorithm.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from agentfloor.agents.nlu.model import Money

__all__ = ["HOT_THRESHOLD", "LeadScore", "score_lead"]

HOT_THRESHOLD: Final = 70
_BUDGET: Final = ((Decimal(10_000), 30), (Decimal(1_000), 20))  # at least this many units
_ANY_BUDGET: Final = 10  # above 0
_AUTHORITY: Final = {
    "decision_maker": 25,
    "yes": 25,
    "true": 25,
    "influencer": 12,
    "researching": 5,
    "no": 5,
    "false": 5,
}
_NEED_LEVELS: Final = {"high": 15, "medium": 8, "low": 3}
_NEED_STATED: Final = (15, 8)  # three words or more, fewer
_TIMELINE: Final = {
    "this_month": 30,
    "this_quarter": 20,
    "this_year": 10,
    "just_looking": 0,
}


@dataclass(frozen=True, slots=True)
class LeadScore:
    """A lead's score (0-100), whether it is hot, and what earned the points."""

    score: int
    hot: bool
    reasons: tuple[str, ...]


def score_lead(slots: Mapping[str, object], *, hot_threshold: int = HOT_THRESHOLD) -> LeadScore:
    """Score a lead from its filled slots `budget`, `authority`, `need` and `timeline`.

    A missing or unreadable answer scores 0. Budget is a money slot value
    (`{"amount_cents": 500000, "currency": "GBP"}`), a `Money`, or a plain number of whole
    units; authority and timeline are enum values (spaces or underscores, any case) or yes/no.
    """
    points: list[tuple[int, str]] = []
    amount = _amount(slots.get("budget"))
    if amount is not None and amount > 0:
        score = next((score for floor, score in _BUDGET if amount >= floor), _ANY_BUDGET)
        points.append((score, f"budget {amount:,.0f}"))
    authority = _key(slots.get("authority"))
    if authority in _AUTHORITY:
        label = authority.replace("_", " ")
        points.append((_AUTHORITY[authority], f"authority: {label}"))
    need = slots.get("need")
    if isinstance(need, str) and need.strip():
        level = _key(need)
        if level in _NEED_LEVELS:
            points.append((_NEED_LEVELS[level], f"need: {level}"))
        else:
            words = len(need.split())
            points.append((_NEED_STATED[0] if words >= 3 else _NEED_STATED[1], "need stated"))
    timeline = _key(slots.get("timeline"))
    if timeline in _TIMELINE:
        points.append((_TIMELINE[timeline], f"timeline: {timeline.replace('_', ' ')}"))
    score = min(100, sum(score for score, _ in points))
    reasons = tuple(f"{reason} (+{score})" for score, reason in points)
    return LeadScore(score, score >= hot_threshold, reasons)


def _amount(value: object) -> Decimal | None:
    """Whole currency units from a money slot value, a `Money`, or a number."""
    if isinstance(value, Money):
        return value.amount if value.amount.is_finite() else None
    if isinstance(value, Mapping):
        cents = value.get("amount_cents")
        if isinstance(cents, int) and not isinstance(cents, bool):
            return Decimal(cents) / 100
        return None
    if isinstance(value, bool) or value is None:
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def _key(value: object) -> str:
    """Return an enum answer as a key: `Decision maker` and `decision-maker` give decision_maker."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        return ""
    return re.sub(r"[\s\-_]+", "_", value.strip().casefold())
