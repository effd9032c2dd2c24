"""Read-backs of doubtful answers, a flow's menu as recognition hints, and call recording.

Driven as tests/integration/test_voice_call.py drives a call: carrier messages one by one, a
virtual clock, scripted engines (here the recogniser also reports a scripted confidence), a
real SQLite file and real WAV files.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agentfloor.access.model import Principal, Role
from agentfloor.bootstrap import Container, build
from agentfloor.runtime import access, assistant_admin
from agentfloor.runtime.flows import publish_flow
from agentfloor.runtime.voice import VoiceService
from agentfloor.runtime.voice_call import CallSession, VoiceEngines, VoicePrompts
from agentfloor.runtime.voice_recording import CONSENT_PROMPT, DECLINED_REPLY
from agentfloor.settings import Settings
from agentfloor.voice import BufferedRecognition, SpeechHints, Transcript
from tests.integration.test_voice_call import CONFIG, Line, LoudVad, ToneTts

ORDER = "o r d seven four two nine one three"
# Loud frames of amplitude 1000 * (index + 2) carry SCRIPT[index], heard with its confidence.
SCRIPT = [
    ("where is my order", 1.0),
    (ORDER, 0.3),
    ("no", 1.0),
    ("yes", 1.0),
    ("address", 0.9),
    ("hello", 1.0),
]
MENU_FLOW = """
name: Phone menu
start: menu
blocks:
  menu:
    type: menu
    prompt: "Say opening hours or address."
    options:
      - {label: Opening hours, dtmf: "1", next: hours}
      - {label: Address, dtmf: "2", next: address}
    no_match: address
  hours:
    type: end
    message: "We are open from nine to five. Goodbye."
  address:
    type: end
    message: "We are at one High Street. Goodbye."
"""
_slugs = itertools.count(1)


class ConfidentStt:
    """Reads the script index from the loudness; keeps the hints each turn was heard with."""

    def __init__(self) -> None:
        self.hints: list[str] = []

    def transcribe(self, pcm: bytes, hints: SpeechHints | None = None) -> Transcript:
        loud = np.abs(np.frombuffer(pcm, "<i2"))
        loud = loud[loud > 1000]
        if not len(loud):
            return Transcript("")
        self.hints.append(hints.name if hints else "none")
        text, confidence = SCRIPT[round(float(np.median(loud)) / 1000) - 2]
        return Transcript(text, confidence)

    def stream(self, hints: SpeechHints | None = None) -> BufferedRecognition:
        return BufferedRecognition(self, hints)


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    var: Path = tmp_path_factory.mktemp("var")
    built = build(Settings(var_dir=var, database_url=None, nlu_encoder="none"))
    yield built
    built.close()


def tenant(container: Container, settings: dict[str, Any], flow: str | None = None) -> str:
    n = next(_slugs)
    created = access.create_tenant(container.ctx, name=f"Shop {n}", slug=f"shop-{n}")
    actor = Principal(created.id, "key_test", Role.ADMIN)
    if flow is not None:
        settings = {**settings, "flow_id": publish_flow(container.ctx, actor, flow).id}
    assistant_admin.put_settings(container.ctx, actor, settings)
    return created.id


class Call(Line):
    """A `Line` whose recogniser reports confidences and whose service may record calls."""

    def __init__(self, container: Container, tenant_id: str, recordings: Path | None = None):
        super().__init__(container, tenant_id)
        self.service = VoiceService(
            container.ctx,
            router=container.router,
            nlu=container.nlu,
            webhooks=container.webhooks,
            recordings_dir=recordings,
        )
        self.stt = ConfidentStt()
        engines = VoiceEngines(
            vad=LoudVad, stt=self.stt, tts=ToneTts(), config=CONFIG, prompts=VoicePrompts()
        )
        self.session = CallSession(self.service, engines, self._send, self.clock)

    async def say(self, index: int) -> None:
        """Speak SCRIPT[index] and wait for the bot's answer to be played out."""
        turns = self.turns()
        await self.frames(5)
        await self.frames(30, amplitude=1000 * (index + 2))
        await self.frames(12)  # 240 ms of silence ends the turn
        await self.until(lambda: self.turns() > turns, f"the answer to {SCRIPT[index][0]!r}")
        await self.settle()

    async def key(self, digits: str) -> None:
        turns = self.turns()
        for digit in digits:
            await self.session.receive(
                json.dumps({"event": "dtmf", "streamSid": "MZ1", "dtmf": {"digit": digit}})
            )
        self.clock.advance(1.1)
        await self.session.tick()
        await self.until(lambda: self.turns() > turns, f"the answer to {digits!r}")
        await self.settle()

    async def hang_up(self) -> str:
        await self.session.receive(json.dumps({"event": "stop", "streamSid": "MZ1"}))
        return await self.session.close()

    def turns(self) -> int:
        return sum(e["type"] == "voice.turn" for e in self.events())

    def said(self, sender: str = "ai") -> list[str]:
        return [
            e["text"]
            for e in self.events()
            if e["type"] == "voice.utterance" and e["sender"] == sender
        ]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_a_doubtful_order_number_is_read_back_and_no_asks_again(container: Container) -> None:
    async def call() -> Call:
        line = Call(container, tenant(container, {}))
        await line.start("CA-confirm")
        await line.settle()
        await line.say(0)  # where is my order -> "What's your order number?"
        await line.say(1)  # the number, heard with confidence 0.3 -> read back
        assert line.said()[-1] == ("I heard O R D, seven four two nine one three. Is that right?")
        await line.say(2)  # no -> the question again
        await line.say(1)  # the number again, doubtful again
        await line.say(3)  # yes -> the AI agent gets it
        await line.hang_up()
        return line

    line = run(call())
    events = line.events()
    confirms = [(e["stage"], e.get("result")) for e in events if e["type"] == "voice.confirm"]
    assert confirms == [("asked", None), ("answered", "no"), ("asked", None), ("answered", "yes")]
    asked = next(e for e in events if e["type"] == "voice.confirm")
    assert (asked["text"], asked["expecting"], asked["confidence"]) == (
        "ORD-742913",
        "order_id",
        0.3,
    )
    said = line.said()
    question = said[1]
    assert "order number" in question
    assert said[3] == question  # "no": the AI agent's question, said again
    # The AI agent looked the confirmed number up (the demo has no such order) and asks again.
    assert said[-2].startswith("I can't find an order with the number ORD-742913.")
    # Recognition expected the order number, then a yes or no while reading it back.
    assert line.stt.hints == ["domain", "order_id", "yes_no", "order_id", "yes_no"]
    heard = [e for e in events if e["type"] == "voice.utterance" and e["sender"] == "customer"]
    assert heard[1] == {**heard[1], "text": "ORD-742913", "confidence": 0.3}


def test_a_sure_answer_and_keyed_digits_are_not_read_back(container: Container) -> None:
    async def call() -> Call:
        line = Call(container, tenant(container, {"speech_confirm_below": 0.2}))
        await line.start("CA-sure")
        await line.settle()
        await line.say(0)
        await line.say(1)  # 0.3 is above this tenant's 0.2
        await line.hang_up()
        return line

    line = run(call())
    assert not [e for e in line.events() if e["type"] == "voice.confirm"]
    assert "ORD-742913" in line.said()[-2]


def test_a_flow_menu_is_heard_with_its_labels(container: Container) -> None:
    async def call() -> tuple[Call, SpeechHints]:
        line = Call(container, tenant(container, {}, flow=MENU_FLOW))
        await line.start("CA-menu")
        await line.settle()  # the entry flow speaks first: its menu plays on answer
        assert line.session.interaction_id is not None
        hints = line.service.hints(line.tenant_id, line.session.interaction_id)
        await line.say(4)  # "address", confidence 0.9: no read-back
        await line.until(lambda: line.session.finished is not None, "the goodbye")
        await line.session.close()
        return line, hints

    line, hints = run(call())
    assert (hints.name, hints.phrases) == ("choice", ("Opening hours", "Address"))
    assert line.stt.hints[0] == "choice"  # the first answer is already heard as a menu choice
    assert line.said()[0].startswith("Say opening hours or address.")
    assert line.said()[-1] == "We are at one High Street. Goodbye."


def test_a_recorded_call_has_consent_and_both_sides_in_a_wav(
    container: Container, tmp_path: Path
) -> None:
    async def call() -> Call:
        line = Call(container, tenant(container, {"recording": True}), tmp_path)
        await line.start("CA-rec")
        await line.settle()
        await line.say(0)
        await line.hang_up()
        return line

    line = run(call())
    events = line.events()
    said = line.said()
    assert said[:2] == [CONSENT_PROMPT, VoicePrompts().greeting]
    recorded = next(e for e in events if e["type"] == "voice.recording")
    assert recorded["channels"] == 2 and recorded["seconds"] > 0.5
    path = Path(recorded["path"])
    assert path.parent.parent == tmp_path
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, 8000, 2)
        samples = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    caller, heard = samples[0::2], samples[1::2]
    assert np.abs(caller).max() > 1500  # the caller's words
    assert 400 < np.abs(heard).max() < 600  # the bot's (tone) speech
    assert round(len(caller) / 8000, 2) == recorded["seconds"]


def test_star_opts_out_and_deletes_the_recording(container: Container, tmp_path: Path) -> None:
    async def call() -> Call:
        line = Call(container, tenant(container, {"recording": True}), tmp_path)
        await line.start("CA-optout")
        await line.settle()
        await line.say(0)
        await line.key("*")
        await line.say(1)  # the call goes on, unrecorded
        await line.hang_up()
        return line

    line = run(call())
    events = line.events()
    declined = next(e for e in events if e["type"] == "voice.recording_declined")
    assert declined["by"] == "dtmf" and declined["seconds_discarded"] > 0
    assert DECLINED_REPLY in line.said()
    assert not [e for e in events if e["type"] == "voice.recording"]
    assert not list(tmp_path.rglob("*.wav"))


def test_a_tenant_that_does_not_record_says_no_consent(
    container: Container, tmp_path: Path
) -> None:
    async def call() -> Call:
        line = Call(container, tenant(container, {}), tmp_path)
        await line.start("CA-norec")
        await line.settle()
        await line.hang_up()
        return line

    line = run(call())
    assert CONSENT_PROMPT not in line.said()
    assert not list(tmp_path.rglob("*.wav"))


def test_a_doubtful_menu_choice_is_read_back_and_a_key_answers_instead(
    container: Container,
) -> None:
    async def call() -> Call:
        settings = {"speech_confirm_below": 0.95}
        line = Call(container, tenant(container, settings, flow=MENU_FLOW))
        await line.start("CA-menu-key")
        await line.settle()
        await line.say(5)  # hello -> the menu
        await line.say(4)  # "address" at 0.9, below this tenant's 0.95 -> read back
        assert line.said()[-1] == "I heard address. Is that right?"
        await line.key("1")  # opening hours, keyed: exact, no read-back of the read-back
        await line.until(lambda: line.session.finished is not None, "the goodbye")
        await line.session.close()
        return line

    line = run(call())
    confirms = [
        (e["stage"], e.get("result")) for e in line.events() if e["type"] == "voice.confirm"
    ]
    assert confirms == [("asked", None), ("answered", "keyed")]
    assert line.stt.hints[1:] == ["choice"]
    assert line.said()[-1] == "We are open from nine to five. Goodbye."
