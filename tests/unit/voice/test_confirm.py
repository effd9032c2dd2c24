"""Reading doubtful answers back: when to, and what the caller's yes or no means."""

from __future__ import annotations

import pytest

from agentfloor.voice.confirm import (
    AnswerAccepted,
    AnswerReplaced,
    AskAgain,
    PendingConfirmation,
    QuestionRepeated,
    answer_confirmation,
    confirm_prompt,
    needs_confirmation,
    read_yes_no,
)

QUESTION = ("What's your order number?",)


def pending(unclear: int = 0) -> PendingConfirmation:
    return PendingConfirmation("ORD-742913", "order_id", 0.3, QUESTION, unclear)


@pytest.mark.parametrize(
    ("expecting", "confidence", "wanted"),
    [
        ("order_id", 0.3, True),
        ("choice", 0.59, True),
        ("order_id", 0.6, False),
        ("order_id", 1.0, False),
        ("yes_no", 0.1, False),
        ("domain", 0.1, False),
        ("open", 0.1, False),
    ],
    ids=["order-low", "choice-low", "at-threshold", "sure", "yes-no", "domain", "open"],
)
def test_only_narrow_answers_below_the_threshold_are_read_back(
    expecting: str, confidence: float, wanted: bool
) -> None:
    assert needs_confirmation(expecting, confidence, 0.6) is wanted


def test_the_read_back_spells_ids_out() -> None:
    assert confirm_prompt("ORD-742913") == (
        "I heard O R D, seven four two nine one three. Is that right?"
    )
    assert confirm_prompt("opening hours") == "I heard opening hours. Is that right?"


@pytest.mark.parametrize(
    ("said", "meaning"),
    [
        ("yes", True),
        ("Yes please", True),
        ("yeah that's it", True),
        ("correct", True),
        ("no", False),
        ("no thanks", False),
        ("nope", False),
        ("that's wrong", False),
        ("maybe", None),
        ("", None),
        ("1", None),
        ("yes 1", True),
    ],
)
def test_yes_and_no_are_read(said: str, meaning: bool | None) -> None:
    assert read_yes_no(said) is meaning


def test_yes_hands_the_kept_answer_on() -> None:
    assert answer_confirmation(pending(), "yes") == AnswerAccepted("ORD-742913")


def test_no_asks_the_original_question_again() -> None:
    assert answer_confirmation(pending(), "no") == QuestionRepeated(QUESTION, "rejected")


def test_an_unclear_answer_reads_back_once_more_then_gives_up() -> None:
    first = answer_confirmation(pending(), "banana")
    assert isinstance(first, AskAgain)
    assert first.prompt.startswith("Sorry, please say yes or no. I heard O R D")
    assert first.pending.unclear == 1
    assert answer_confirmation(first.pending, "banana") == QuestionRepeated(QUESTION, "unclear")
    assert answer_confirmation(first.pending, "yes") == AnswerAccepted("ORD-742913")


def test_keys_answer_the_original_question_instead() -> None:
    assert answer_confirmation(pending(), "742913") == AnswerReplaced("742913")
    assert answer_confirmation(pending(), "2") == AnswerReplaced("2")
