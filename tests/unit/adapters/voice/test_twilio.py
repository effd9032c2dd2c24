"""Twilio Media Streams messages, in the shapes Twilio documents, and the TwiML answer."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET

import pytest

from agentfloor.adapters.voice.twilio import (
    MAX_MESSAGE_CHARS,
    Connected,
    Dtmf,
    Mark,
    Media,
    Start,
    Stop,
    clear_message,
    connect_stream_twiml,
    mark_message,
    media_message,
    parse_message,
    request_signature,
    signature_matches,
)
from agentfloor.core.errors import InvalidInput

SID = "MZ18ad3ab5a668481ce02b83e7395059f0"

START = {
    "event": "start",
    "sequenceNumber": "1",
    "start": {
        "accountSid": "AC123",
        "streamSid": SID,
        "callSid": "CA123",
        "tracks": ["inbound"],
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        "customParameters": {"token": "t0k", "from": "+447700900123"},
    },
    "streamSid": SID,
}


def test_connected() -> None:
    message = parse_message('{"event": "connected", "protocol": "Call", "version": "1.0.0"}')
    assert message == Connected("Call", "1.0.0")


def test_start() -> None:
    message = parse_message(json.dumps(START))
    assert isinstance(message, Start)
    assert (message.stream_sid, message.call_sid, message.account_sid) == (SID, "CA123", "AC123")
    assert message.custom_parameters == {"token": "t0k", "from": "+447700900123"}
    assert (message.encoding, message.sample_rate, message.channels) == ("audio/x-mulaw", 8000, 1)


def test_media() -> None:
    payload = base64.b64encode(b"\xff" * 160).decode()
    raw = {
        "event": "media",
        "sequenceNumber": "3",
        "media": {"track": "inbound", "chunk": "1", "timestamp": "5", "payload": payload},
        "streamSid": SID,
    }
    assert parse_message(json.dumps(raw)) == Media(SID, b"\xff" * 160, "inbound", 1, 5)


def test_dtmf_mark_stop() -> None:
    dtmf = {
        "event": "dtmf",
        "streamSid": SID,
        "sequenceNumber": "5",
        "dtmf": {"track": "inbound_track", "digit": "1"},
    }
    assert parse_message(json.dumps(dtmf)) == Dtmf(SID, "1")
    mark = {"event": "mark", "sequenceNumber": "4", "streamSid": SID, "mark": {"name": "say-1"}}
    assert parse_message(json.dumps(mark)) == Mark(SID, "say-1")
    stop = {
        "event": "stop",
        "sequenceNumber": "5",
        "streamSid": SID,
        "stop": {"accountSid": "AC123", "callSid": "CA123"},
    }
    assert parse_message(json.dumps(stop)) == Stop(SID, "CA123")


def test_an_event_the_protocol_does_not_define_is_none() -> None:
    assert parse_message('{"event": "wobble", "streamSid": "MZ1"}') is None


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[1, 2]",
        '{"no": "event"}',
        '{"event": "media", "streamSid": "MZ1", "media": {"payload": "***"}}',
        '{"event": "media", "streamSid": "MZ1"}',
        '{"event": "media", "media": {"payload": ""}}',
        '{"event": "dtmf", "streamSid": "MZ1", "dtmf": {"digit": "x"}}',
        '{"event": "mark", "streamSid": "MZ1", "mark": {}}',
        '{"event": "start", "start": {"streamSid": "MZ1"}}',
        '{"event": "media", "streamSid": "MZ1", "media": {"payload": "", "chunk": "one"}}',
        "x" * (MAX_MESSAGE_CHARS + 1),
    ],
    ids=[
        "not-json",
        "not-object",
        "no-event",
        "bad-base64",
        "no-media",
        "no-stream-sid",
        "bad-digit",
        "nameless-mark",
        "start-without-call",
        "bad-chunk",
        "too-long",
    ],
)
def test_malformed_messages_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="bad media stream message"):
        parse_message(text)


def test_outbound_messages() -> None:
    assert json.loads(media_message(SID, b"\x00\xff")) == {
        "event": "media",
        "streamSid": SID,
        "media": {"payload": "AP8="},
    }
    assert json.loads(mark_message(SID, "say-1")) == {
        "event": "mark",
        "streamSid": SID,
        "mark": {"name": "say-1"},
    }
    assert json.loads(clear_message(SID)) == {"event": "clear", "streamSid": SID}


def test_twiml_connects_a_stream_with_escaped_parameters() -> None:
    twiml = connect_stream_twiml("wss://example.test/v1/voice/stream", {"token": 'a&"<b'})
    stream = ET.fromstring(twiml).find("./Connect/Stream")
    assert stream is not None and stream.attrib["url"] == "wss://example.test/v1/voice/stream"
    params = {p.attrib["name"]: p.attrib["value"] for p in stream.findall("Parameter")}
    assert params == {"token": 'a&"<b'}


# Twilio's documented example ("Webhooks security", and its api-snippets repository,
# security/signature_validation): auth token 12345, this URL and form give this signature.
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_FORM = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675310",
    "Digits": "1234",
    "From": "+14158675310",
    "To": "+18005551212",
}
TWILIO_SIGNATURE = "GvWf1cFY/Q7PnoempGyD5oXAezc="


def test_request_signature_matches_twilios_published_example() -> None:
    assert request_signature("12345", TWILIO_URL, TWILIO_FORM) == TWILIO_SIGNATURE
    assert signature_matches("12345", TWILIO_URL, TWILIO_FORM, TWILIO_SIGNATURE)


def test_signature_fails_on_any_change_and_tolerates_the_default_port() -> None:
    assert not signature_matches("12346", TWILIO_URL, TWILIO_FORM, TWILIO_SIGNATURE)
    assert not signature_matches(
        "12345", TWILIO_URL, {**TWILIO_FORM, "Digits": "1235"}, TWILIO_SIGNATURE
    )
    assert not signature_matches(
        "12345", TWILIO_URL.replace("foo=1", "foo=2"), TWILIO_FORM, TWILIO_SIGNATURE
    )
    assert not signature_matches("12345", TWILIO_URL, TWILIO_FORM, "")
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    assert signature_matches("12345", with_port, TWILIO_FORM, TWILIO_SIGNATURE)
