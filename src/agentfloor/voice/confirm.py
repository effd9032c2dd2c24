"""Reading a doubtful spoken answer back to the caller: "I heard X. Is that right?".

When the conversation waits for something narrow (an order number, a menu choice, a slot of a
fixed type) and the recogniser is not sure of what it heard, the answer is kept aside and read
back; "yes" hands it on as if said, "no" asks the original question again. Open speech is never
read back (the AI agent copes with a misheard sentence by asking), nor is a yes/no answer (the
read-back would itself be a yes/no question), nor keyed digits (they are exact). Pure: the
runtime keeps the `PendingConfirmation` between turns and carries the decisions out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final, TypeAlias

from agentfloor.voice.speech import spoken_form

__all__ = [
    "CONFIRMED_KINDS",
    "AnswerAccepted",
    "AnswerReplaced",
    "AskAgain",
    "ConfirmDecision",
    "PendingConfirmation",
    "QuestionRepeated",
    "answer_confirmation",
    "confirm_prompt",
    "needs_confirmation",
    "read_yes_no",
]

# Hint names (`SpeechHints.name`) of the answers worth reading back: what a closed grammar or
# phrase list recognises is always *some* answer, so a wrong one sounds plausible.
CONFIRMED_KINDS: Final = frozenset({"order_id", "choice", "slot"})
_MAX_UNCLEAR: Final = 1  # a second unclear answer to the read-back asks the question again
_YES: Final = frozenset({"yes", "yeah", "yep", "correct", "right", "that's right", "yes please"})
_NO: Final = frozenset({"no", "nope", "wrong", "no thanks", "that's wrong", "not right"})
_WORDS: Final = re.compile(r"[a-z']+")


@dataclass(frozen=True, slots=True)
class PendingConfirmation:
    """An answer kept aside while the caller is asked whether it was heard right.

    Attributes:
        text: The answer as heard (written form), handed on when the caller says yes.
        expecting: What the conversation waited for (the hint name: `order_id`, `choice`).
        confidence: The recogniser's confidence in `text`.
        question: What the bot had asked, said again when the caller says no.
        unclear: Answers to the read-back that were neither yes nor no.
    """

    text: str
    expecting: str
    confidence: float
    question: tuple[str, ...] = ()
    unclear: int = 0


@dataclass(frozen=True, slots=True)
class AnswerAccepted:
    """The caller said yes: hand `text` on to the AI agent as if they had just said it."""

    text: str


@dataclass(frozen=True, slots=True)
class AnswerReplaced:
    """The caller keyed an answer instead (exact): hand `text` on and forget the kept one."""

    text: str


@dataclass(frozen=True, slots=True)
class QuestionRepeated:
    """The caller said no (or could not be understood twice): ask `question` again."""

    question: tuple[str, ...]
    reason: str  # `rejected` or `unclear`


@dataclass(frozen=True, slots=True)
class AskAgain:
    """Neither yes nor no: read the answer back once more, keeping `pending`."""

    prompt: str
    pending: PendingConfirmation


ConfirmDecision: TypeAlias = AnswerAccepted | AnswerReplaced | QuestionRepeated | AskAgain


def needs_confirmation(expecting: str, confidence: float, threshold: float) -> bool:
    """Return True when an answer to `expecting` heard with `confidence` should be read back."""
    return expecting in CONFIRMED_KINDS and confidence < threshold


def confirm_prompt(text: str) -> str:
    """Return the read-back question, with ids spelled as a person reads them out."""
    return f"I heard {spoken_form(text)}. Is that right?"


def read_yes_no(text: str) -> bool | None:
    """Return True for a yes, False for a no, None for anything else."""
    words = " ".join(_WORDS.findall(text.lower()))
    if not words:
        return None
    if words in _YES or words.split()[0] in {"yes", "yeah", "yep"}:
        return True
    if words in _NO or words.split()[0] in {"no", "nope"}:
        return False
    return None


def answer_confirmation(pending: PendingConfirmation, text: str) -> ConfirmDecision:
    """Decide what the caller's answer to the read-back means.

    Keys (digits, `*`, `#`) answer the original question: a menu option's key or a number
    typed rather than said again.
    """
    if text.strip() and all(c.isdigit() or c in "*#" for c in text.strip()):
        return AnswerReplaced(text.strip())
    said = read_yes_no(text)
    if said is True:
        return AnswerAccepted(pending.text)
    if said is False:
        return QuestionRepeated(pending.question, "rejected")
    if pending.unclear >= _MAX_UNCLEAR:
        return QuestionRepeated(pending.question, "unclear")
    again = replace(pending, unclear=pending.unclear + 1)
    return AskAgain(f"Sorry, please say yes or no. {confirm_prompt(pending.text)}", again)
