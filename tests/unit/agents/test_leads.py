from __future__ import annotations

from decimal import Decimal

import pytest

from agentfloor.agents.leads import HOT_THRESHOLD, LeadScore, score_lead
from agentfloor.agents.nlu import Money


def money(units: int, currency: str = "GBP") -> dict[str, object]:
    """A money slot value as `flows.slots.read_slot` gives it."""
    return {"amount_cents": units * 100, "currency": currency}


HOT = {
    "budget": money(20_000),
    "authority": "decision maker",
    "need": "we need a new phone system for our support team",
    "timeline": "this month",
}


def test_a_ready_buyer_scores_full_marks_and_is_hot() -> None:
    lead = score_lead(HOT)
    assert lead == LeadScore(
        100,
        True,
        (
            "budget 20,000 (+30)",
            "authority: decision maker (+25)",
            "need stated (+15)",
            "timeline: this month (+30)",
        ),
    )


def test_a_researcher_just_looking_is_never_hot() -> None:
    lead = score_lead(HOT | {"authority": "researching", "timeline": "just looking"})
    assert lead.score == 30 + 5 + 15 + 0
    assert not lead.hot


@pytest.mark.parametrize(
    ("answers", "score", "hot"),
    [
        ({"budget": money(1_000), "timeline": "this quarter"}, 100 - 10 - 10, True),
        ({"budget": money(999), "timeline": "this year"}, 100 - 20 - 20, False),
        ({"authority": "influencer"}, 100 - 13, True),
        ({"authority": "influencer", "timeline": "this year"}, 100 - 13 - 20, False),
        ({"need": "cheaper"}, 100 - 7, True),
        ({"budget": money(0)}, 70, True),
    ],
    ids=[
        "budget 1000",
        "budget 999",
        "influencer",
        "influencer this year",
        "short need",
        "no budget",
    ],
)
def test_points_follow_the_documented_weights(
    answers: dict[str, object], score: int, hot: bool
) -> None:
    lead = score_lead(HOT | answers)
    assert (lead.score, lead.hot) == (score, hot)


def test_hot_means_at_least_the_threshold() -> None:
    # decision maker (25) + this month (30) + need (15) = 70 without a budget.
    lead = score_lead({k: v for k, v in HOT.items() if k != "budget"})
    assert lead.score == HOT_THRESHOLD == 70 and lead.hot
    assert not score_lead(HOT, hot_threshold=101).hot


@pytest.mark.parametrize(
    "budget",
    [money(15_000), Money(Decimal("15000.00"), "EUR"), 15_000, 15_000.5, "15,000", Decimal(15_000)],
    ids=["slot value", "Money", "int", "float", "text", "Decimal"],
)
def test_budget_comes_in_any_form_the_slots_give(budget: object) -> None:
    assert score_lead({"budget": budget}).reasons[0].endswith("(+30)")


@pytest.mark.parametrize(
    "budget",
    [None, "lots", True, {"currency": "GBP"}, "NaN", -5, [1]],
    ids=["none", "words", "bool", "no amount", "nan", "negative", "list"],
)
def test_unreadable_budgets_score_nothing(budget: object) -> None:
    assert score_lead({"budget": budget}).score == 0


def test_enum_answers_are_matched_loosely_and_yes_no_count() -> None:
    assert score_lead({"authority": "Decision_Maker", "timeline": "THIS-QUARTER"}).score == 45
    assert score_lead({"authority": True}).score == 25
    assert score_lead({"authority": "no"}).score == 5
    assert score_lead({"need": "High"}).reasons == ("need: high (+15)",)
    assert score_lead({"need": "low"}).score == 3


def test_nothing_known_scores_zero() -> None:
    assert score_lead({}) == LeadScore(0, False, ())
    assert score_lead({"authority": "the cat", "timeline": 3, "need": " "}).score == 0
