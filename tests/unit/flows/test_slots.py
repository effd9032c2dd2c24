from __future__ import annotations

import pytest

from agentfloor.flows.model import QuestionKind, Slot, SlotType
from agentfloor.flows.slots import (
    enum_value_for,
    is_time_enum,
    is_yes_no_enum,
    read_answer,
    read_slot,
    read_yes_no,
)


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


# --- enums ----------------------------------------------------------------------------------------

HOURS = tuple(f"{h % 12 or 12} {'am' if h < 12 else 'pm'}" for h in range(24))
DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
DOCTORS = ("Dr. Johnson", "Dr. Morgan", "Dr. Alexis")
FLATS = ("One on Center Apartments", "Shadyside Apartments", "North Hill Apartments")


def enum(*values: str) -> Slot:
    return Slot("s", SlotType.ENUM, values)


@pytest.mark.parametrize(
    ("values", "text", "value"),
    [
        (("Yes", "No"), "Yes! I've paid it", "Yes"),
        (("Yes", "No"), "no I haven't, how much is it?", "No"),
        (("Yes", "No"), "Yeah that's golden", "Yes"),
        (("Yes", "No"), "nope", "No"),
        (("Yes", "No"), "No thanks, not yet", "No"),
        (("yes", "no"), "YEP", "yes"),
        (("Yes", "No"), "1", "Yes"),
        (("No", "Yes"), "1", "No"),
        (HOURS, "2 pm", "2 pm"),
        (DOCTORS, "Johnson", "Dr. Johnson"),
        (DOCTORS, "I'd like to see jonson please", "Dr. Johnson"),
        (FLATS, "the north hill ones", "North Hill Apartments"),
        (FLATS, "Center", "One on Center Apartments"),
        (("Basic", "Premium"), "premum", "Premium"),
    ],
    ids=[
        "yes-leading",
        "no-leading",
        "yeah",
        "nope",
        "no-thanks-clause",
        "yes-lowercase-values",
        "yes-no-dtmf",
        "yes-no-dtmf-follows-the-order-offered",
        "hour-exact",
        "part-of-a-name",
        "part-with-a-typo",
        "two-words-of-three",
        "title-and-shared-words-aside",
        "one-word-typo",
    ],
)
def test_enum_reads(values: tuple[str, ...], text: str, value: str) -> None:
    reading = read_slot(enum(*values), text)
    assert reading.ok, reading.hint
    assert reading.value == value


@pytest.mark.parametrize(
    ("values", "text"),
    [
        (HOURS, "2"),
        (HOURS, "12"),
        (("Yes", "No"), "I don't remember"),
        (("Yes", "No"), "ok, so let's book it"),
        (FLATS, "Apartments"),
        (FLATS, "the hill"),
        (DOCTORS, "the doctor"),
        (("Dr. Jon Smith", "Dr. Jon Smyth"), "Jon"),
    ],
    ids=[
        "digit-with-digit-values",
        "digits-with-digit-values",
        "yes-no-unknown",
        "ok-is-not-a-yes",
        "word-every-value-has",
        "not-all-own-words",
        "generic-word",
        "ambiguous-part",
    ],
)
def test_enum_refuses(values: tuple[str, ...], text: str) -> None:
    reading = read_slot(enum(*values), text)
    assert not reading.ok
    assert "Please choose one of" in reading.hint


@pytest.mark.parametrize(
    ("values", "entities", "value"),
    [
        (DAYS, {"date": "2020-06-05"}, "Friday"),
        (("Mon", "Fri"), {"date": "2020-06-05"}, "Fri"),
        (HOURS, {"time": "19:00"}, "7 pm"),
        (HOURS, {"time": "20:30"}, "8 pm"),
        (("19:00", "19:30"), {"time": "19:30"}, "19:30"),
        (("7:00 pm", "7:30 pm"), {"time": "19:30"}, "7:30 pm"),
        (("7:00 pm", "7:30 pm"), {"time": "19:45"}, None),
        (DAYS, {"date": "2020-06-05", "time": "19:00"}, "Friday"),
        (DOCTORS, {"date": "2020-06-05", "time": "19:00"}, None),
        (DAYS, {"date": "not a date"}, None),
    ],
    ids=[
        "weekday",
        "weekday-abbreviated",
        "hour-label",
        "hour-grained-takes-the-hour",
        "24h-label",
        "half-hour-labels",
        "no-label-for-minutes-between",
        "weekday-with-a-time",
        "neither",
        "bad-date",
    ],
)
def test_enum_value_for_dates_and_times(
    values: tuple[str, ...], entities: dict[str, object], value: str | None
) -> None:
    assert enum_value_for(values, entities) == value


def test_an_enum_reads_a_date_or_time_entity_the_text_does_not_name() -> None:
    assert read_slot(enum(*DAYS), "tomorrow", {"date": "2020-06-02"}).value == "Tuesday"
    assert read_slot(enum(*HOURS), "7:00pm", {"time": "19:00"}).value == "7 pm"
    # an entity for the slot itself still wins
    assert read_slot(enum(*DAYS), "tomorrow", {"s": "Friday", "date": "2020-06-02"}).value == (
        "Friday"
    )


def test_time_and_yes_no_enums_are_recognised() -> None:
    assert is_time_enum(HOURS)
    assert is_time_enum(("morning", "19:00"))
    assert not is_time_enum(DOCTORS)
    assert is_yes_no_enum(("YES", "no"))
    assert not is_yes_no_enum(("Yes", "No", "Maybe"))
