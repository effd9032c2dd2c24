"""The Twilio Media Streams WebSocket protocol: parsing what the carrier sends, building replies.

Messages from the carrier (JSON text frames, as in Twilio's "Media Streams - WebSocket
Messages"): `connected` {protocol, version}; `start` {streamSid, start: {accountSid,
callSid, streamSid, tracks, customParameters, mediaFormat: {encoding "audio/x-mulaw",
sampleRate 8000, channels 1}}}; `media` {media: {track, chunk, timestamp, payload (base64
mu-law)}}; `dtmf` {dtmf: {track, digit}}; `mark` {mark: {name}} (playback reached a mark we
sent, or `clear` dropped it); `stop` {stop: {accountSid, callSid}}. Every message but
`connected` carries `sequenceNumber` and `streamSid`. To the carrier: `media` {streamSid,
media: {payload}}, `mark` {streamSid, mark: {name}}, `clear` {streamSid}. Telnyx speaks the
same shapes. The TwiML answering the call's webhook is built here too, and Twilio's webhook
signature (`X-Twilio-Signature`) checked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import quoteattr

from agentfloor.core.errors import InvalidInput

__all__ = [
    "MAX_MESSAGE_CHARS",
    "CarrierMessage",
    "Connected",
    "Dtmf",
    "Mark",
    "Media",
    "Start",
    "Stop",
    "clear_message",
    "connect_stream_twiml",
    "mark_message",
    "media_message",
    "parse_message",
    "request_signature",
    "signature_matches",
]

MAX_MESSAGE_CHARS: Final = 64 * 1024  # a 20 ms frame is ~300 characters; seconds of audio fit
_DIGITS: Final = frozenset("0123456789*#ABCD")


@dataclass(frozen=True, slots=True)
class Connected:
    """The carrier opened the stream."""

    protocol: str
    version: str


@dataclass(frozen=True, slots=True)
class Start:
    """Stream metadata: who calls whom, and how the audio is coded."""

    stream_sid: str
    call_sid: str
    account_sid: str = ""
    tracks: tuple[str, ...] = ("inbound",)
    custom_parameters: dict[str, str] = field(default_factory=dict)
    encoding: str = "audio/x-mulaw"
    sample_rate: int = 8000
    channels: int = 1


@dataclass(frozen=True, slots=True)
class Media:
    """Caller audio: mu-law bytes."""

    stream_sid: str
    payload: bytes
    track: str = "inbound"
    chunk: int = 0
    timestamp_ms: int = 0


@dataclass(frozen=True, slots=True)
class Dtmf:
    """A key the caller pressed."""

    stream_sid: str
    digit: str


@dataclass(frozen=True, slots=True)
class Mark:
    """Playback reached (or `clear` dropped) the mark we named."""

    stream_sid: str
    name: str


@dataclass(frozen=True, slots=True)
class Stop:
    """The stream ended (the caller hung up, or the call moved on)."""

    stream_sid: str
    call_sid: str = ""


CarrierMessage = Connected | Start | Media | Dtmf | Mark | Stop


def _bad(detail: str) -> InvalidInput:
    return InvalidInput(f"bad media stream message: {detail}")


def _obj(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise _bad(f"`{key}` must be an object")
    return value


def _str(raw: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise _bad(f"`{key}` must be a non-empty string")
    return value


def _int(raw: dict[str, Any], key: str, default: int = 0) -> int:
    value = raw.get(key, default)
    try:
        return int(value)  # Twilio sends chunk and timestamp as strings of digits
    except (TypeError, ValueError) as exc:
        raise _bad(f"`{key}` must be a number") from exc


def parse_message(text: str | bytes) -> CarrierMessage | None:
    """Read one carrier message; None for a well-formed event this protocol does not define.

    Raises:
        InvalidInput: not JSON, not an object, too long, or a known event with bad fields.
    """
    if len(text) > MAX_MESSAGE_CHARS:
        raise _bad(f"longer than {MAX_MESSAGE_CHARS} characters")
    try:
        raw = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad("not JSON") from exc
    if not isinstance(raw, dict):
        raise _bad("not a JSON object")
    event = raw.get("event")
    if not isinstance(event, str):
        raise _bad("no `event`")
    match event:
        case "connected":
            return Connected(str(raw.get("protocol", "")), str(raw.get("version", "")))
        case "start":
            start = _obj(raw, "start")
            fmt = start.get("mediaFormat") or {}
            params = start.get("customParameters") or {}
            if not isinstance(fmt, dict) or not isinstance(params, dict):
                raise _bad("`mediaFormat` and `customParameters` must be objects")
            tracks = start.get("tracks") or ["inbound"]
            return Start(
                stream_sid=_str(start, "streamSid")
                if "streamSid" in start
                else _str(raw, "streamSid"),
                call_sid=_str(start, "callSid"),
                account_sid=_str(start, "accountSid", required=False),
                tracks=tuple(str(t) for t in tracks) if isinstance(tracks, list) else ("inbound",),
                custom_parameters={str(k): str(v) for k, v in params.items()},
                encoding=str(fmt.get("encoding", "audio/x-mulaw")),
                sample_rate=_int(fmt, "sampleRate", 8000),
                channels=_int(fmt, "channels", 1),
            )
        case "media":
            media = _obj(raw, "media")
            try:
                payload = base64.b64decode(_str(media, "payload"), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise _bad("`payload` is not base64") from exc
            return Media(
                stream_sid=_str(raw, "streamSid"),
                payload=payload,
                track=str(media.get("track", "inbound")),
                chunk=_int(media, "chunk"),
                timestamp_ms=_int(media, "timestamp"),
            )
        case "dtmf":
            digit = _str(_obj(raw, "dtmf"), "digit")
            if digit not in _DIGITS:
                raise _bad(f"`digit` {digit!r} is not a telephone key")
            return Dtmf(_str(raw, "streamSid"), digit)
        case "mark":
            return Mark(_str(raw, "streamSid"), _str(_obj(raw, "mark"), "name"))
        case "stop":
            stop = raw.get("stop")
            call_sid = str(stop.get("callSid", "")) if isinstance(stop, dict) else ""
            return Stop(_str(raw, "streamSid"), call_sid)
    return None


def media_message(stream_sid: str, mulaw: bytes) -> str:
    """Return the `media` message that plays `mulaw` (8 kHz) to the caller."""
    payload = base64.b64encode(mulaw).decode("ascii")
    return json.dumps({"event": "media", "streamSid": stream_sid, "media": {"payload": payload}})


def mark_message(stream_sid: str, name: str) -> str:
    """Return a `mark` message: the carrier echoes it when playback reaches this point."""
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear_message(stream_sid: str) -> str:
    """Return the `clear` message: the carrier drops the audio it has not yet played."""
    return json.dumps({"event": "clear", "streamSid": stream_sid})


def connect_stream_twiml(url: str, parameters: dict[str, str]) -> str:
    """Return TwiML connecting the call to a bidirectional media stream at `url` (wss://)."""
    params = "".join(
        f"<Parameter name={quoteattr(k)} value={quoteattr(v)} />" for k, v in parameters.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Connect><Stream url={quoteattr(url)}>{params}</Stream></Connect></Response>"
    )


def request_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Return the `X-Twilio-Signature` Twilio sends with a webhook POST to `url` with `params`.

    Twilio's scheme ("Webhooks security"): the full URL it requested (scheme, host, path and
    query string), then every POST parameter's name and value concatenated, sorted by name;
    HMAC-SHA1 of that with the account's auth token, base64-encoded.
    """
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(auth_token: str, url: str, params: Mapping[str, str], signature: str) -> bool:
    """Return True when `signature` is Twilio's for this request (compared in constant time).

    Twilio signs the URL as it was configured; behind a proxy that adds or drops the default
    port, both spellings are tried, as Twilio's own helper libraries do.
    """
    if not signature:
        return False
    parts = urlsplit(url)
    candidates = {url}
    default = {"https": 443, "http": 80}.get(parts.scheme)
    if parts.port is None and default is not None and parts.hostname:
        candidates.add(urlunsplit(parts._replace(netloc=f"{parts.netloc}:{default}")))
    elif parts.port is not None and parts.port == default and parts.hostname:
        host = parts.netloc.rsplit(":", 1)[0]
        candidates.add(urlunsplit(parts._replace(netloc=host)))
    return any(
        hmac.compare_digest(request_signature(auth_token, c, params), signature) for c in candidates
    )
