"""VADER sentiment, as the dialogue policy reads it: compound scores in -1..1."""

from __future__ import annotations

import pytest

from agentfloor.adapters.nlu.sentiment import VaderSentiment


@pytest.fixture(scope="module")
def scorer() -> VaderSentiment:
    return VaderSentiment()


@pytest.mark.parametrize(
    "text",
    [
        "Thank you so much, that was really helpful!",
        "Great, the parcel arrived early and everything works perfectly :)",
    ],
    ids=["thanks", "delight"],
)
def test_clearly_positive_text_scores_high(scorer: VaderSentiment, text: str) -> None:
    assert scorer.score(text) > 0.5


@pytest.mark.parametrize(
    "text",
    [
        "This is absolutely terrible, I am furious and want my money back",
        "You people are useless, worst service ever!!!",
        "I am not happy at all, this is a terrible mess",
    ],
    ids=["furious", "useless", "negated-happy"],
)
def test_clearly_negative_text_scores_below_the_handoff_threshold(
    scorer: VaderSentiment, text: str
) -> None:
    assert scorer.score(text) < -0.5  # the dialogue policy's default negative_sentiment


@pytest.mark.parametrize(
    "text",
    [
        "My order number is AB-1234",
        "I need to book an appointment on Tuesday",
        "What time does the shop open?",
        "",
        "   ",
    ],
    ids=["order-number", "booking", "question", "empty", "blank"],
)
def test_neutral_text_scores_near_zero(scorer: VaderSentiment, text: str) -> None:
    assert abs(scorer.score(text)) < 0.2


def test_negation_turns_praise_negative(scorer: VaderSentiment) -> None:
    assert scorer.score("The new card is good") > 0.3
    assert scorer.score("The new card is not good") < -0.3


def test_scores_stay_in_range_and_are_repeatable(scorer: VaderSentiment) -> None:
    text = "NO NO NO this is HORRIBLE, AWFUL, the WORST!!! 😡😡"
    first = scorer.score(text)
    assert -1.0 <= first < -0.9 and scorer.score(text) == first
    assert isinstance(first, float)
