"""Keying NLU entities the way slot readers look for them (`entity_slots`)."""

from __future__ import annotations

from datetime import UTC, datetime

from agentfloor.agents.nlu import extract_entities
from agentfloor.runtime.nlu import entity_slots

NOW = datetime(2020, 6, 1, 12, tzinfo=UTC)  # a Monday


def keyed(text: str) -> dict[str, object]:
    found = extract_entities(text, now=NOW, timezone="UTC", default_region="US")
    return entity_slots(list(found))


def test_every_time_named_is_listed_in_order() -> None:
    found = keyed("Friday from 2 pm to 4:30 pm")
    assert found["date"] == "2020-06-05"
    assert found["time"] == "14:00"  # the first, as before
    assert found["times"] == ["14:00", "16:30"]


def test_a_day_without_a_time_lists_no_times() -> None:
    found = keyed("on Tuesday please")
    assert found["date"] == "2020-06-02"
    assert "time" not in found
    assert "times" not in found
