"""The assistant settings' voice keys: order prefixes, read-back threshold, recording."""

from __future__ import annotations

import pytest

from agentfloor.core.errors import InvalidInput
from agentfloor.runtime.assistant_settings import parse_settings
from agentfloor.runtime.voice_hints import domain_sentences, expected_hints, open_hints


def test_defaults() -> None:
    settings = parse_settings({})
    assert settings.order_prefixes == ("ORD",)
    assert settings.speech_confirm_below == 0.6
    assert settings.recording is False


def test_values_are_read_and_prefixes_upper_cased_once() -> None:
    settings = parse_settings(
        {"order_prefixes": ["ab", "XYZ", "AB"], "speech_confirm_below": 0.4, "recording": True}
    )
    assert settings.order_prefixes == ("AB", "XYZ")
    assert settings.speech_confirm_below == 0.4
    assert settings.recording is True


@pytest.mark.parametrize(
    ("doc", "loc"),
    [
        ({"order_prefixes": ["A"]}, "order_prefixes[0]"),
        ({"order_prefixes": ["ORD1"]}, "order_prefixes[0]"),
        ({"order_prefixes": [7]}, "order_prefixes[0]"),
        ({"order_prefixes": []}, "order_prefixes"),
        ({"order_prefixes": "ORD"}, "order_prefixes"),
        ({"speech_confirm_below": 1.5}, "speech_confirm_below"),
        ({"speech_confirm_below": True}, "speech_confirm_below"),
        ({"recording": "yes"}, "recording"),
    ],
    ids=["one-letter", "digit", "number", "none", "not-a-list", "above-one", "bool", "str"],
)
def test_wrong_values_are_named_by_path(doc: dict[str, object], loc: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_settings(doc)
    assert [p.loc for p in caught.value.problems] == [loc]


def test_the_order_number_grammar_has_the_tenants_prefixes() -> None:
    settings = parse_settings({"order_prefixes": ["AB"]})
    session = {
        "dialogue": {"skill": "order_status", "pending": "order_id"},
        "dialogue_done": False,
    }
    hints = expected_hints(settings, session, None)
    assert hints.name == "order_id" and hints.grammar is not None
    assert "[(a b)]" in hints.grammar


def test_a_recording_tenants_domain_hears_the_opt_out() -> None:
    plain, recording = (
        open_hints(parse_settings({})),
        open_hints(parse_settings({"recording": True})),
    )
    assert "no recording" in recording.sentences
    assert "no recording" not in plain.sentences
    assert plain == open_hints()  # default tenants share the model compiled at start
    assert set(domain_sentences()) < set(plain.sentences)  # the skills' enum values join
