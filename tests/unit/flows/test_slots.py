from __future__ import annotations

import pytest

from agentfloor.flows.model import QuestionKind, Slot, SlotType
from agentfloor.flows.slots import read_answer, read_slot, read_yes_no


@pytest.mark.parametrize(
    ("slot", "text", "value"),
    [
        (Slot("s", SlotType.TEXT), "  hello ", "hello"),
        (Slot("s", SlotType.NUMBER), "about 1,250 units", 1250),
        (Slot("s", SlotType.NUMBER), "2.5", 2.5),
        (Slot("s", SlotType.DATE), "on 2026-03-14 please", "2026-03-14"),
        (Slot("s", SlotType.TIME), "at 2:30 pm", "14:30"),
        (Slot("s", SlotType.TIME), "12am", "00:00"),
        (Slot("s", SlotType.TIME), "09:05", "09:05"),
        (Slot("s", SlotType.PHONE, region="GB"), "020 7946 0958", "+442079460958"),
        (Slot("s", SlotType.PHONE), "call me on +44 20 7946 0958 thanks", "+442079460958"),
        (Slot("s", SlotType.EMAIL), "it is <Ann@Example.COM>.", "ann@example.com"),
        (Slot("s", SlotType.MONEY), "£12.50", {"amount_cents": 1250, "currency": "GBP"}),
        (Slot("s", SlotType.MONEY), "30 EUR", {"amount_cents": 3000, "currency": "EUR"}),
        (Slot("s", SlotType.MONEY), "7", {"amount_cents": 700, "currency": None}),
        (Slot("s", SlotType.ORDER_ID), "my order is ord-123456", "ORD-123456"),
        (Slot("s", SlotType.ORDER_ID, pattern=r"AB\d{3}"), "ref AB123", "AB123"),
        (Slot("s", SlotType.ENUM, ("Red", "Green")), "green", "Green"),
        (Slot("s", SlotType.ENUM, ("Red", "Green")), "2", "Green"),
        (Slot("s", SlotType.ENUM, ("Red", "Green")), "the red one", "Red"),
    ],
    ids=[
        "text",
        "number-thousands",
        "number-decimal",
        "date-iso",
        "time-pm",
        "time-midnight",
        "time-24h",
        "phone-region",
        "phone-in-sentence",
        "email",
        "money-symbol",
        "money-code",
        "money-bare",
        "order-id",
        "order-id-pattern",
        "enum-exact",
        "enum-index",
        "enum-mention",
    ],
)
def test_read_slot_finds_the_value(slot: Slot, text: str, value: object) -> None:
    reading = read_slot(slot, text)
    assert reading.ok, reading.hint
    assert reading.value == value


@pytest.mark.parametrize(
    ("slot", "text", "hint"),
    [
        (Slot("s", SlotType.TEXT), "   ", "type an answer"),
        (Slot("s", SlotType.NUMBER), "lots", "number"),
        (Slot("s", SlotType.DATE), "next friday", "year-month-day"),
        (Slot("s", SlotType.DATE), "2026-02-30", "year-month-day"),
        (Slot("s", SlotType.TIME), "25:00", "14:30"),
        (Slot("s", SlotType.TIME), "13pm", "14:30"),
        (Slot("s", SlotType.PHONE), "12", "country code"),
        (Slot("s", SlotType.EMAIL), "ann at example", "name@example.com"),
        (Slot("s", SlotType.MONEY), "free", "amount"),
        (Slot("s", SlotType.ORDER_ID), "no idea", "order number"),
        (Slot("s", SlotType.ENUM, ("Red", "Green")), "red or green", "Red, Green"),
        (Slot("s", SlotType.ENUM, ("Red", "Green")), "²", "Red, Green"),
    ],
    ids=[
        "text-blank",
        "number",
        "date-words",
        "date-impossible",
        "time-hour",
        "time-13pm",
        "phone-short",
        "email",
        "money",
        "order-id",
        "enum-ambiguous",
        "enum-superscript",
    ],
)
def test_read_slot_says_what_was_expected(slot: Slot, text: str, hint: str) -> None:
    reading = read_slot(slot, text)
    assert not reading.ok
    assert hint in reading.hint


def test_an_nlu_entity_wins_over_the_text() -> None:
    slot = Slot("when", SlotType.DATE)
    assert read_slot(slot, "next friday", {"date": "2026-03-20"}).value == "2026-03-20"
    assert read_slot(slot, "next friday", {"when": "2026-03-21"}).value == "2026-03-21"


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        (QuestionKind.CSAT, "5", 5),
        (QuestionKind.CSAT, "4/5", 4),
        (QuestionKind.NPS, " 0 ", 0),
        (QuestionKind.NPS, "10", 10),
        (QuestionKind.TEXT, "great service", "great service"),
    ],
    ids=["csat", "csat-out-of", "nps-zero", "nps-ten", "text"],
)
def test_read_answer_accepts_the_scale(kind: QuestionKind, text: str, value: object) -> None:
    assert read_answer(kind, text).value == value


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (QuestionKind.CSAT, "6"),
        (QuestionKind.CSAT, "0"),
        (QuestionKind.NPS, "11"),
        (QuestionKind.NPS, "great"),
        (QuestionKind.TEXT, ""),
    ],
    ids=["csat-high", "csat-zero", "nps-high", "nps-words", "text-empty"],
)
def test_read_answer_refuses_off_scale(kind: QuestionKind, text: str) -> None:
    assert not read_answer(kind, text).ok


@pytest.mark.parametrize(
    ("text", "intent", "answer"),
    [
        ("Yes please!", None, True),
        ("1", None, True),
        ("nope", None, False),
        ("2", None, False),
        ("maybe", None, None),
        ("whatever", "affirm", True),
        ("hmm", "deny", False),
    ],
    ids=["yes", "dtmf-1", "nope", "dtmf-2", "unclear", "intent-affirm", "intent-deny"],
)
def test_read_yes_no(text: str, intent: str | None, answer: bool | None) -> None:
    assert read_yes_no(text, intent) is answer
