"""Between speech and text: what recognition should expect, and spoken forms made written.

Recognisers return words ("o r d one two three four five six"); the NLU reads written forms
("ORD-123456"). `written_form` turns runs of spelled letters and digit words into the written
form, and `hints_for` says what to listen for when the conversation expects something narrow:
an order number is a JSGF grammar of the tenant's prefix then digits (the open language model
hears "thirty one two three" for "O R D one two three"), a yes/no question or a menu a closed
list of phrases. Order ids are written in the demo's `LETTERS-DIGITS` shape. `slot_hints` and
`block_hints` say what a skill's slot or a flow's waiting block (a menu, a slot collection, a
callback offer) expects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from agentfloor.flows.model import (
    Block,
    CallbackOfferBlock,
    CollectBlock,
    MenuBlock,
    Slot,
    SlotType,
)
from agentfloor.voice.model import SpeechHints

__all__ = [
    "YES_NO_PHRASES",
    "block_hints",
    "hints_for",
    "order_id_grammar",
    "phrase_grammar",
    "slot_hints",
    "spoken_form",
    "written_form",
]

_DIGITS: Final = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_LETTERS: Final = "abcdefghijklmnopqrstuvwxyz"
YES_NO_PHRASES: Final = ("yes", "yes please", "no", "no thanks", "that's all")

_DIGIT_RULE: Final = " | ".join(d for d in _DIGITS if d != "oh")


def order_id_grammar(prefixes: Sequence[str] = ()) -> str:
    """Return a JSGF grammar for an order number: a spelled prefix, then four or more digits.

    With the tenant's prefixes (`ORD` for `ORD-100001`) the letters are fixed words, which is
    what makes the answer recognisable: over 8 kHz audio pocketsphinx confuses free spelled
    letters badly ("o r d" heard as "l r d u") but hears a fixed prefix and digits well.
    Without prefixes any two to four letters are allowed.
    """
    spelled = sorted({" ".join(p.lower()) for p in prefixes if p.isalpha() and p.isascii()})
    free = "<letter> <letter> [<letter>] [<letter>]"
    letters = f"[({' | '.join(spelled)})]" if spelled else free
    return (
        "#JSGF V1.0;\ngrammar order_id;\n"
        "public <order_id> = [(it is | it's | my order number is | the number is)] "
        f"{letters} <digit> <digit> <digit> <digit> <digit>*;\n"
        f"<letter> = {' | '.join(_LETTERS)};\n"
        f"<digit> = {_DIGIT_RULE};\n"
    )


_WORD: Final = re.compile(r"[a-z']+|\d+")
_ID: Final = re.compile(r"\b([A-Z]{2,4})-?(\d{4,12})\b")
_DIGIT_WORDS: Final = tuple(w for w in _DIGITS if w != "oh")  # zero .. nine, in order


def _clean(phrase: str) -> str:
    return " ".join(_WORD.findall(phrase.lower()))


def _is_speakable(phrase: str) -> bool:
    """Return True for a phrase of words only (no digits or symbols a recogniser cannot say)."""
    cleaned = _clean(phrase)
    return bool(cleaned) and not any(c.isdigit() for c in cleaned)


def phrase_grammar(name: str, phrases: Sequence[str]) -> str:
    """Return a JSGF grammar whose sentences are exactly `phrases` (lower-cased, no punctuation)."""
    options = sorted({c for c in (_clean(p) for p in phrases) if c})
    if not options:
        raise ValueError("a phrase grammar needs at least one phrase with words in it")
    rule = re.sub(r"[^a-z_]", "_", name.lower()) or "answer"
    return f"#JSGF V1.0;\ngrammar {rule};\npublic <{rule}> = {' | '.join(options)};\n"


def hints_for(
    expecting: str | None,
    choices: Sequence[str] = (),
    *,
    prefixes: Sequence[str] = (),
    domain: Sequence[str] = (),
) -> SpeechHints:
    """Return recognition hints for what the conversation waits for.

    Args:
        expecting: `order_id`, `yes_no`, `choice` (one of `choices`) or None (open dictation).
        choices: the labels of a menu's options.
        prefixes: the letters the tenant's order numbers start with (`ORD`).
        domain: what callers say (the tenant's intent examples), for open speech.
    """
    if expecting == "order_id":
        return SpeechHints(grammar=order_id_grammar(prefixes), name="order_id")
    if expecting == "yes_no":
        return SpeechHints(phrases=YES_NO_PHRASES, name="yes_no")
    if expecting == "choice" and choices:
        return SpeechHints(phrases=tuple(choices), name="choice")
    if domain:
        return SpeechHints(sentences=(*domain, *YES_NO_PHRASES), name="domain")
    return SpeechHints()


def slot_hints(slot: Slot, *, prefixes: Sequence[str] = ()) -> SpeechHints | None:
    """Return the hints for a slot's answer, or None when it is open speech (text, dates...).

    An order number is the order-number grammar with the tenant's `prefixes`; an enum slot is
    a closed list of its values. Other types stay with the domain model: a grammar of every
    date or amount would be larger than the language model and no more accurate.
    """
    if slot.type is SlotType.ORDER_ID:
        return hints_for("order_id", prefixes=prefixes)
    if slot.type is SlotType.ENUM and any(_is_speakable(v) for v in slot.values):
        return hints_for("choice", [v for v in slot.values if _is_speakable(v)])
    return None


def block_hints(block: Block, *, prefixes: Sequence[str] = ()) -> SpeechHints | None:
    """Return the hints for a flow block waiting for the caller, or None for open speech.

    A menu expects one of its options' labels (DTMF keys need no hints), a collect block its
    slot's answer, a callback offer a yes or a no.
    """
    match block:
        case MenuBlock(options=options) if any(_is_speakable(o.label) for o in options):
            # Labels with digits ("Option 1") are left to the keys: a recogniser's dictionary
            # has no "1", and "option one" would not read back as the label.
            return hints_for("choice", [o.label for o in options if _is_speakable(o.label)])
        case CollectBlock(slot=slot):
            return slot_hints(slot, prefixes=prefixes)
        case CallbackOfferBlock():
            return hints_for("yes_no")
    return None


def written_form(words: str) -> str:
    """Return recognised words with spelled letters and digit words written out.

    A run of two to four single letters followed by four or more digits is an id
    ("o r d one two three four five six" -> "ORD-123456"); any other run of two or more digit
    words becomes digits ("two four" -> "24"); everything else is left as heard.
    """
    tokens = words.lower().split()
    out: list[str] = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and len(tokens[j]) == 1 and tokens[j] in _LETTERS:
            j += 1
        k = j
        while k < len(tokens) and tokens[k] in _DIGITS:
            k += 1
        if 2 <= j - i <= 4 and k - j >= 4:
            letters = "".join(tokens[i:j]).upper()
            out.append(f"{letters}-{''.join(_DIGITS[t] for t in tokens[j:k])}")
            i = k
            continue
        k = i
        while k < len(tokens) and tokens[k] in _DIGITS and tokens[k] != "oh":
            k += 1
        if k - i >= 2:
            out.append("".join(_DIGITS[t] for t in tokens[i:k]))
            i = k
            continue
        out.append(tokens[i])
        i += 1
    return " ".join(out)


def spoken_form(text: str) -> str:
    """Return `text` with ids spelled out for a speech synthesiser.

    "ORD-742913" is read by flite as words ("ords seven hundred..."); spelled, the caller hears
    "O R D, seven four two nine one three", the way a person reads a number out.
    """

    def spell(match: re.Match[str]) -> str:
        letters = " ".join(match.group(1))
        digits = " ".join(_DIGIT_WORDS[int(d)] for d in match.group(2))
        return f"{letters}, {digits}"

    return _ID.sub(spell, text)
