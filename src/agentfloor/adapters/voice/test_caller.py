"""A test caller: plays the carrier and a person on a phone against agentfloor, for real.

It does what Twilio does for an incoming call: posts the voice webhook (`CallSid`, `From`,
`To`), reads the `<Connect><Stream>` TwiML, opens the WebSocket, sends `connected` and
`start` with the TwiML's parameters, then streams the caller's line as 20 ms mu-law `media`
frames, silence included, paced like a phone line (`speed` > 1 plays faster). It also plays
the carrier's side of playback: bot audio is queued, "played" at the same pace, each `mark`
echoed when playback reaches it, and `clear` drops what is queued and echoes the dropped marks,
as Twilio does. What the bot said is kept line by line (a line ends at a mark) and can be
transcribed. `say` speaks a flite utterance into the line; `press` sends DTMF.

Used by the end-to-end tests, and meant for the demo and `benchmarks/voice.py`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import httpx
import numpy as np
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from agentfloor.adapters.voice.mulaw import mulaw_to_pcm16, pcm16_to_mulaw
from agentfloor.voice.model import SAMPLES_PER_FRAME
from agentfloor.voice.ports import SpeechToText, TextToSpeech

__all__ = ["BotLine", "CallerEvent", "TestCaller", "wait_on"]

_SILENCE: Final = pcm16_to_mulaw(b"\x00\x00" * SAMPLES_PER_FRAME)
_FRAME_S: Final = 0.02
_ONSET_RMS: Final = 500.0  # of 32768: clearly voice, well above flite's lead-in


@dataclass(frozen=True, slots=True)
class CallerEvent:
    """Something that happened on the line, at `at` (monotonic seconds)."""

    at: float
    kind: str  # speech_started, speech_onset, speech_ended, clear, mark, closed, dtmf
    detail: str = ""


@dataclass(slots=True)
class BotLine:
    """One line the bot said (audio up to a mark), as the caller heard it."""

    mark: str
    pcm: bytes
    cut: bool = False  # a `clear` stopped it before the end
    text: str = ""


@dataclass(slots=True)
class _Playout:
    items: deque[tuple[str, bytes | str]] = field(default_factory=deque)  # ("audio"|"mark", ...)
    current: bytearray = field(default_factory=bytearray)


def _rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, "<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0


def wait_on(
    condition: threading.Condition, predicate: Callable[[], bool], timeout_s: float, what: str
) -> None:
    """Wait under `condition` until `predicate()` holds; TimeoutError after `timeout_s`.

    Checked when the condition is notified and at least every 50 ms.
    """
    deadline = time.monotonic() + timeout_s
    with condition:
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"timed out after {timeout_s}s waiting for {what}")
            condition.wait(min(left, 0.05))


class TestCaller:
    """One phone call to agentfloor over the real webhook and media stream."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(
        self,
        base_url: str,
        api_key: str,
        tts: TextToSpeech,
        stt: SpeechToText | None = None,
        *,
        from_number: str = "+447700900123",
        to_number: str = "+442079460000",
        call_sid: str = "CA00000000000000000000000000000001",
        speed: float = 1.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.tts = tts
        self.stt = stt
        self.from_number = from_number
        self.to_number = to_number
        self.call_sid = call_sid
        self.stream_sid = "MZ" + call_sid[2:]
        self.speed = speed
        self.events: list[CallerEvent] = []
        self.lines: list[BotLine] = []
        self.close_code: int | None = None
        self.close_reason = ""
        self._ws: ClientConnection | None = None
        self._lock = threading.Condition()
        # mu-law frames the caller will speak, each marked True where the voice starts
        self._outgoing: deque[tuple[bytes, bool]] = deque()
        self._playout = _Playout()
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._seq = 0
        self._chunk = 0

    # --- the call --------------------------------------------------------------------------------

    def dial(self, *, parameters: dict[str, str] | None = None) -> TestCaller:
        """Post the webhook, open the stream, send `connected` and `start`; start the line.

        `parameters` replace custom parameters the TwiML gave (a forged token, say).
        """
        response = httpx.post(
            f"{self.base_url}/v1/voice/twiml",
            data={"CallSid": self.call_sid, "From": self.from_number, "To": self.to_number},
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=30,
        )
        response.raise_for_status()
        stream = ET.fromstring(response.text).find("./Connect/Stream")
        if stream is None:
            raise ValueError(f"no <Connect><Stream> in the TwiML: {response.text}")
        url = stream.attrib["url"]
        params = {p.attrib["name"]: p.attrib["value"] for p in stream.findall("Parameter")}
        # entered by hand: the connection outlives this call (closed in `hang_up`)
        self._ws = connect(url, open_timeout=10, max_size=2**20).__enter__()
        self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        self.send_start({**params, **(parameters or {})})
        for target in (self._receive_loop, self._line_loop):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def send_start(self, params: dict[str, str]) -> None:
        """Send the `start` message with these custom parameters."""
        self.send(
            {
                "event": "start",
                "sequenceNumber": self._next_seq(),
                "start": {
                    "accountSid": "AC00000000000000000000000000000000",
                    "streamSid": self.stream_sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                    "customParameters": params,
                },
                "streamSid": self.stream_sid,
            }
        )

    def __enter__(self) -> TestCaller:
        return self.dial()

    def __exit__(self, *exc: object) -> None:
        self.hang_up()

    def hang_up(self, *, send_stop: bool = True) -> None:
        """End the call: `stop` (unless told not to, like a carrier that vanishes) and close."""
        if self._ws is None or self._closed.is_set():
            self._closed.set()
            return
        if send_stop:
            stop = {"accountSid": "AC00000000000000000000000000000000", "callSid": self.call_sid}
            self.send(
                {
                    "event": "stop",
                    "sequenceNumber": self._next_seq(),
                    "streamSid": self.stream_sid,
                    "stop": stop,
                }
            )
        self._closed.set()
        with contextlib.suppress(ConnectionClosed):
            self._ws.close()
        for thread in self._threads:
            thread.join(timeout=5)

    @property
    def closed(self) -> bool:
        """True once the call is over (either side ended it)."""
        return self._closed.is_set()

    # --- the caller's side -----------------------------------------------------------------------

    def send(self, message: dict[str, Any] | str) -> None:
        """Send one message as it is (a dict is sent as JSON): for protocol tests too."""
        assert self._ws is not None
        text = message if isinstance(message, str) else json.dumps(message)
        try:
            self._ws.send(text)
        except ConnectionClosed:
            self._closed.set()

    def say(self, text: str, *, wait: bool = True) -> None:
        """Speak `text` (flite) into the line; with `wait`, return once it has been sent."""
        mulaw = pcm16_to_mulaw(self.tts.synthesize(text))
        frames = [mulaw[i : i + SAMPLES_PER_FRAME] for i in range(0, len(mulaw), SAMPLES_PER_FRAME)]
        frames[-1] = frames[-1].ljust(SAMPLES_PER_FRAME, _SILENCE[:1])
        # flite starts with ~200 ms of near-silence: `speech_onset` is the first loud frame
        loud = [_rms(mulaw_to_pcm16(f)) > _ONSET_RMS for f in frames]
        onset = loud.index(True) if any(loud) else 0
        with self._lock:
            self._outgoing.extend((f, i == onset) for i, f in enumerate(frames))
            self._lock.notify_all()
        if wait:
            self.wait_for(lambda: not self._outgoing, 60, "the utterance to be sent")

    def press(self, digits: str) -> None:
        """Press keys (DTMF), one `dtmf` message each."""
        for digit in digits:
            self.send(
                {
                    "event": "dtmf",
                    "streamSid": self.stream_sid,
                    "sequenceNumber": self._next_seq(),
                    "dtmf": {"track": "inbound_track", "digit": digit},
                }
            )
            self._event("dtmf", digit)

    # --- what the bot said -----------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
        """Wait (real time, on a condition) until `predicate()` or fail after `timeout_s`."""
        wait_on(self._lock, predicate, timeout_s, what)

    def wait_for_reply(
        self, after: int, timeout_s: float = 60.0, quiet_s: float = 1.5
    ) -> list[str]:
        """Wait for the bot's lines after the first `after`, until it has been quiet `quiet_s`.

        `quiet_s` is real time whatever the `speed`: the gap between two sentences of one reply
        is the server's synthesis time, which a loaded machine stretches. Returns the lines
        transcribed (needs `stt`).
        """
        self.wait_for(lambda: len(self.lines) > after, timeout_s, "the bot to speak")
        while True:
            count = len(self.lines)
            time.sleep(quiet_s)
            with self._lock:
                busy = bool(self._playout.items) or bool(self._playout.current)
            if len(self.lines) == count and not busy:
                break
        return self.transcribe(self.lines[after:])

    def transcribe(self, lines: list[BotLine]) -> list[str]:
        """Transcribe lines the bot said (cached on each line)."""
        assert self.stt is not None, "give the caller a SpeechToText to transcribe"
        for line in lines:
            if not line.text and line.pcm:
                line.text = self.stt.transcribe(line.pcm).text
        return [line.text for line in lines]

    def unmarked_audio(self) -> bytes:
        """Return what the caller heard since the last mark, as PCM16: hold music, a person.

        The bot's lines end at marks; hold music and a person's voice come without them.
        """
        with self._lock:
            return mulaw_to_pcm16(bytes(self._playout.current))

    def forget_unmarked_audio(self) -> None:
        """Drop what was heard since the last mark (start listening afresh)."""
        with self._lock:
            self._playout.current.clear()

    def events_of(self, kind: str) -> list[CallerEvent]:
        """Return the events of one kind, in order."""
        with self._lock:
            return [e for e in self.events if e.kind == kind]

    # --- the two threads -------------------------------------------------------------------------

    def _line_loop(self) -> None:
        """Every 20 ms (scaled by `speed`): send one caller frame and play one bot frame."""
        step = _FRAME_S / self.speed
        next_at = time.monotonic()
        speaking = False
        while not self._closed.is_set():
            with self._lock:
                frame, onset = self._outgoing.popleft() if self._outgoing else (None, False)
                if (frame is not None) != speaking:
                    speaking = frame is not None
                    self._event_locked("speech_started" if speaking else "speech_ended")
                if onset:
                    self._event_locked("speech_onset")
                self._play_one()
                self._lock.notify_all()
            self._chunk += 1
            payload = base64.b64encode(frame or _SILENCE).decode("ascii")
            self.send(
                {
                    "event": "media",
                    "sequenceNumber": self._next_seq(),
                    "media": {
                        "track": "inbound",
                        "chunk": str(self._chunk),
                        "timestamp": str(round(self._chunk * 20)),
                        "payload": payload,
                    },
                    "streamSid": self.stream_sid,
                }
            )
            next_at += step
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_at = time.monotonic()  # fell behind (a loaded machine): do not burst

    def _play_one(self) -> None:
        """Play 20 ms of queued bot audio; echo a mark when playback reaches it (lock held)."""
        playout = self._playout
        wanted = SAMPLES_PER_FRAME
        while playout.items and wanted > 0:
            kind, item = playout.items[0]
            if kind == "mark":
                playout.items.popleft()
                self._line_done(str(item), cut=False)
                continue
            assert isinstance(item, bytes)
            take = item[:wanted]
            playout.current.extend(take)
            wanted -= len(take)
            if len(take) < len(item):
                playout.items[0] = ("audio", item[len(take) :])
            else:
                playout.items.popleft()
        # a mark right after the audio just played is reached now too
        while playout.items and playout.items[0][0] == "mark":
            self._line_done(str(playout.items.popleft()[1]), cut=False)

    def _line_done(self, mark: str, *, cut: bool) -> None:
        pcm = mulaw_to_pcm16(bytes(self._playout.current))
        self._playout.current.clear()
        self.lines.append(BotLine(mark, pcm, cut))
        self._event_locked("mark", mark)
        self.send(
            {
                "event": "mark",
                "sequenceNumber": self._next_seq(),
                "streamSid": self.stream_sid,
                "mark": {"name": mark},
            }
        )

    def _receive_loop(self) -> None:
        assert self._ws is not None
        try:
            for raw in self._ws:
                message = json.loads(raw)
                event = message.get("event")
                with self._lock:
                    if event == "media":
                        audio = base64.b64decode(message["media"]["payload"])
                        self._playout.items.append(("audio", audio))
                    elif event == "mark":
                        self._playout.items.append(("mark", message["mark"]["name"]))
                    elif event == "clear":
                        self._event_locked("clear")
                        dropped = [i for k, i in self._playout.items if k == "mark"]
                        self._playout.items.clear()
                        for index, mark in enumerate(dropped):
                            if index == 0:
                                self._line_done(str(mark), cut=True)
                            else:
                                self._event_locked("mark", str(mark))
                                self.send(
                                    {
                                        "event": "mark",
                                        "sequenceNumber": self._next_seq(),
                                        "streamSid": self.stream_sid,
                                        "mark": {"name": mark},
                                    }
                                )
                    self._lock.notify_all()
        except ConnectionClosed:
            pass
        finally:
            ws = self._ws
            self.close_code = ws.close_code
            self.close_reason = ws.close_reason or ""
            with self._lock:
                self._event_locked("closed", f"{self.close_code} {self.close_reason}")
                self._lock.notify_all()
            self._closed.set()

    # --- bookkeeping -----------------------------------------------------------------------------

    def _event(self, kind: str, detail: str = "") -> None:
        with self._lock:
            self._event_locked(kind, detail)

    def _event_locked(self, kind: str, detail: str = "") -> None:
        self.events.append(CallerEvent(time.monotonic(), kind, detail))

    def _next_seq(self) -> str:
        self._seq += 1
        return str(self._seq)
