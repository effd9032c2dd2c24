"""Spoken forms, written forms and recognition hints."""

from __future__ import annotations

import pytest

from agentfloor.voice import (
    SpeechHints,
    hints_for,
    order_id_grammar,
    phrase_grammar,
    spoken_form,
    written_form,
)


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        ("o r d seven four two nine one three", "ORD-742913"),
        ("it's a b one two three four", "it's AB-1234"),
        ("where is my order", "where is my order"),
        ("press two four", "press 24"),
        ("i want one", "i want one"),
        ("", ""),
    ],
    ids=["order-id", "prefix-words", "plain", "digit-run", "single-digit-word", "empty"],
)
def test_written_form(heard: str, written: str) -> None:
    assert written_form(heard) == written


def test_spoken_form_spells_ids() -> None:
    assert spoken_form("Your order ORD-742913 is here.") == (
        "Your order O R D, seven four two nine one three is here."
    )
    assert spoken_form("Open at 9.") == "Open at 9."


def test_spelled_then_written_round_trips() -> None:
    spoken = spoken_form("ORD-100001").replace(",", "").lower()
    assert written_form(spoken) == "ORD-100001"


def test_hints() -> None:
    assert hints_for(None).is_open
    order = hints_for("order_id", prefixes=["ORD"])
    assert order.grammar is not None and "(o r d)" in order.grammar
    assert "<letter> <letter>" in (hints_for("order_id").grammar or "")
    assert hints_for("yes_no").phrases and hints_for("choice", ["Billing", "Sales"]).phrases
    assert hints_for("choice") == SpeechHints()


def test_order_grammar_ignores_prefixes_that_are_not_letters() -> None:
    assert "<letter> <letter>" in order_id_grammar(["12", "A-B"])


def test_phrase_grammar() -> None:
    grammar = phrase_grammar("menu 1", ["Opening hours!", "Address", "address"])
    assert grammar.endswith("public <menu__> = address | opening hours;\n")
    with pytest.raises(ValueError, match="at least one"):
        phrase_grammar("x", ["?!"])


def test_domain_hints_carry_the_sentences_and_yes_no() -> None:
    hints = hints_for(None, domain=["where is my order"])
    assert hints.name == "domain" and not hints.is_open
    assert hints.sentences[0] == "where is my order" and "yes" in hints.sentences
