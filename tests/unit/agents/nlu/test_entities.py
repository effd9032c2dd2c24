from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from agentfloor.agents.nlu import Entity, EntityKind, Money, extract_entities

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=LONDON)  # a Wednesday
ENUMS = {
    "plan": ["basic", "premium", "platinum plus"],
    "size": ["small", "medium", "large"],
    "colour": ["red", "blue"],
}


def extract(text: str, region: str = "GB", **options: object) -> list[Entity]:
    return extract_entities(
        text,
        now=NOW,
        timezone="Europe/London",
        default_region=region,
        enums=ENUMS,
        **options,  # type: ignore[arg-type]
    )


def only(text: str, kind: EntityKind, region: str = "GB") -> Entity:
    found = [e for e in extract(text, region) if e.kind is kind]
    assert len(found) == 1, found
    assert text[found[0].span[0] : found[0].span[1]] == found[0].text
    return found[0]


@pytest.mark.parametrize(
    ("text", "expected", "span_text"),
    [
        ("Can I come tomorrow at 3pm?", datetime(2026, 3, 5, 15, 0), "tomorrow at 3pm"),
        ("next Friday please", datetime(2026, 3, 6), "next Friday"),
        ("book me for Monday morning", datetime(2026, 3, 9, 9, 0), "Monday morning"),
        ("the 5th of May at 10:30", datetime(2026, 5, 5, 10, 30), "the 5th of May at 10:30"),
        ("in 2 days", datetime(2026, 3, 6, 10, 0), "in 2 days"),
        ("I ordered it a week ago", datetime(2026, 2, 25, 10, 0), "a week ago"),
        ("I need it on 12/03/2026", datetime(2026, 3, 12), "12/03/2026"),
        ("tonight at 8", datetime(2026, 3, 4, 20, 0), "tonight at 8"),
        ("last Friday", datetime(2026, 2, 27), "last Friday"),
    ],
    ids=[
        "tomorrow-3pm",
        "next-friday",
        "monday-morning",
        "day-month-time",
        "in-2-days",
        "week-ago",
        "uk-numeric",
        "tonight-bare-hour",
        "last-friday",
    ],
)
def test_dates_are_relative_to_the_injected_now(
    text: str, expected: datetime, span_text: str
) -> None:
    entity = only(text, EntityKind.DATETIME)
    assert entity.value == expected.replace(tzinfo=LONDON)
    assert isinstance(entity.value, datetime) and entity.value.tzinfo is not None
    assert entity.text == span_text


def test_numeric_dates_follow_the_region() -> None:
    assert only("on 12/03/2026", EntityKind.DATETIME, region="US").value == datetime(
        2026, 12, 3, tzinfo=LONDON
    )


def test_dates_use_the_tenant_timezone_and_epoch_seconds() -> None:
    # 02:00 UTC on 5 March is still 4 March, 21:00 in New York: "tomorrow" is the 5th there.
    now = datetime(2026, 3, 5, 2, 0, tzinfo=UTC).timestamp()
    [entity] = extract_entities(
        "tomorrow at 9am", now=now, timezone="America/New_York", default_region="US"
    )
    assert entity.value == datetime(2026, 3, 5, 9, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("call me on 020 7946 0958", "GB", "+442079460958"),
        ("my mobile is 07911 123456", "GB", "+447911123456"),
        ("ring +44 20 7946 0958 after lunch", "US", "+442079460958"),
        ("my number is (212) 736-5000", "US", "+12127365000"),
        ("text 415-555-2671 please", "US", "+14155552671"),
    ],
    ids=["uk-landline", "uk-mobile", "international", "us-parens", "us-dashes"],
)
def test_phone_numbers_are_e164(text: str, region: str, expected: str) -> None:
    assert only(text, EntityKind.PHONE, region).value == expected


def test_email_is_lower_case() -> None:
    entity = only("write to John.Doe@Example.co.uk today", EntityKind.EMAIL)
    assert entity.value == "john.doe@example.co.uk"
    assert entity.text == "John.Doe@Example.co.uk"


@pytest.mark.parametrize(
    ("text", "region", "amount", "currency"),
    [
        ("I'd like to pay £25.50 now", "GB", "25.50", "GBP"),
        ("send 30 euros to my sister", "GB", "30", "EUR"),
        ("it cost €12", "IE", "12", "EUR"),
        ("a refund of $20", "US", "20", "USD"),
        ("a refund of $20", "CA", "20", "CAD"),
        ("USD 1,200 please", "GB", "1200", "USD"),
        ("about 5 pounds", "GB", "5", "GBP"),
        ("a 50p charge", "GB", "0.50", "GBP"),
        ("45 cents fee", "US", "0.45", "USD"),
        ("100 GBP", "GB", "100", "GBP"),
    ],
    ids=[
        "pound-sign",
        "euros-word",
        "euro-sign",
        "dollar-us",
        "dollar-canada",
        "code-before-thousands",
        "pounds-word",
        "pence",
        "cents",
        "code-after",
    ],
)
def test_money_has_amount_and_currency(text: str, region: str, amount: str, currency: str) -> None:
    assert only(text, EntityKind.MONEY, region).value == Money(Decimal(amount), currency)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my order AB-123456 has not arrived", "AB-123456"),
        ("order XYZ98765432 please", "XYZ98765432"),
    ],
    ids=["hyphen", "three-letters"],
)
def test_order_ids_by_default_pattern(text: str, expected: str) -> None:
    assert only(text, EntityKind.ORDER_ID).value == expected


def test_order_id_pattern_is_configurable() -> None:
    found = extract("it's order #88213 and AB-123456", order_id_pattern=r"#\d{5}")
    assert [(e.kind, e.value) for e in found if e.kind is EntityKind.ORDER_ID] == [
        (EntityKind.ORDER_ID, "#88213")
    ]
    compiled = re.compile(r"ord-\d+", re.IGNORECASE)
    assert only_value(extract("ref Ord-42", order_id_pattern=compiled)) == "ORD-42"


def only_value(found: list[Entity]) -> object:
    [entity] = found
    return entity.value


@pytest.mark.parametrize(
    ("text", "enum", "value", "min_confidence"),
    [
        ("upgrade me to premium", "plan", "premium", 1.0),
        ("upgrade me to premum please", "plan", "premium", 0.9),
        ("I'd like the lrage one", "size", "large", 0.8),
        ("switch to Platinum Plus", "plan", "platinum plus", 1.0),
        ("switch to platnum plus", "plan", "platinum plus", 0.9),
        ("a RED one", "colour", "red", 1.0),
    ],
    ids=["exact", "typo", "transposition", "multi-word", "multi-word-typo", "short-exact"],
)
def test_enum_values_are_matched_fuzzily(
    text: str, enum: str, value: str, min_confidence: float
) -> None:
    entity = only(text, EntityKind.ENUM)
    assert (entity.enum, entity.value) == (enum, value)
    assert entity.confidence >= min_confidence


def test_enum_threshold_is_configurable() -> None:
    assert not [e for e in extract("the lrage one", enum_threshold=90) if e.kind is EntityKind.ENUM]


@pytest.mark.parametrize(
    "text",
    [
        "I have a question about my account",
        "I want to order a second card",
        "May I change my PIN?",
        "My card hasn't arrived and I am worried",
        "Why was I charged a fee on my statement?",
        "I tried 3 times and it still fails",
        "my balance is wrong since the top up",
        "can I get a bed for the night",
    ],
    ids=[
        "question",
        "second-card",
        "may-i",
        "card-not-arrived",
        "fee",
        "three-times",
        "balance",
        "short-word-not-fuzzy",
    ],
)
def test_plain_sentences_have_no_entities(text: str) -> None:
    assert extract(text) == []


def test_mixed_utterance_finds_each_entity_once_in_order() -> None:
    text = "Order AB-123456, email a@b.com, call 07911 123456 tomorrow at 3pm, refund £25.50"
    found = extract(text)
    assert [e.kind for e in found] == [
        EntityKind.ORDER_ID,
        EntityKind.EMAIL,
        EntityKind.PHONE,
        EntityKind.DATETIME,
        EntityKind.MONEY,
    ]
    assert all(text[e.span[0] : e.span[1]] == e.text for e in found)
    spans = [e.span for e in found]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
