"""One call's media stream, live: frames in, VAD, end of turn, STT, the AI agent, TTS, frames out.

A `CallSession` is fed the carrier's messages as they arrive (`receive`) and the clock's
ticks (`tick`); it keeps the turn-taking state (`agentfloor.voice.turns`), which decides, and
carries the decisions out. Recognition streams while the caller speaks (`voice_recognition`,
with hints from what the AI agent last asked); at the end of a turn the slow steps run in
worker threads, one caller turn at a time, in order: the recogniser's final search, the AI
agent's answer
(`VoiceService.caller_said`), speech synthesis, then the reply is sent as 20 ms `media`
messages followed by a `mark` per line. The carrier echoes each mark as playback reaches it,
so the session knows which lines the caller actually heard: when the caller speaks (or keys)
over playback it sends `clear` at once and records what was heard and what was cut
(`voice.barge_in`). Per turn it logs `voice.turn` with the text, the recognition hints and the
time each stage took.

A malformed message ends the call as `failed` (`voice.call_ended` reason `protocol_error`);
an event this protocol does not define is logged (`voice.protocol_error`, kind
`unknown_event`) and skipped, since carriers add events; a stream that closes without `stop`
ends as `disconnected`. Audio of an utterance cut off by the end of the call is still
transcribed and logged, so nothing captured is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

from agentfloor.adapters.voice import twilio as proto
from agentfloor.adapters.voice.mulaw import mulaw_to_pcm16, pcm16_to_mulaw
from agentfloor.core.clock import Clock
from agentfloor.core.errors import AgentfloorError, InvalidInput, Unavailable
from agentfloor.runtime.voice import CallInfo, VoiceService
from agentfloor.runtime.voice_bridge import CallBridge, bridges
from agentfloor.runtime.voice_hold import QueueSpot, queue_spot
from agentfloor.runtime.voice_recognition import Utterance, recognise, warm_recognition
from agentfloor.runtime.voice_recording import CONSENT_PROMPT, CallRecording
from agentfloor.voice import turns
from agentfloor.voice.model import (
    SAMPLES_PER_FRAME,
    ClearPlayback,
    Decision,
    DigitsEntered,
    HangUp,
    Reprompt,
    SpeechDiscarded,
    SpeechHints,
    SpeechStarted,
    Transcript,
    TurnConfig,
    TurnEnded,
)
from agentfloor.voice.ports import SpeechToText, TextToSpeech, VoiceActivity
from agentfloor.voice.speech import spoken_form, written_form

__all__ = ["CallSession", "VoiceEngines", "VoicePrompts", "warm_recognition"]

log = logging.getLogger(__name__)

_FRAME_BYTES: Final = SAMPLES_PER_FRAME * 2  # PCM16
_MULAW_FRAME: Final = SAMPLES_PER_FRAME  # one byte per sample
_PREROLL_FRAMES: Final = 15  # 300 ms before the detected start: the onset of the first word
_CLOSE_WAIT_S: Final = 15.0
# Keep 100 ms of the closing silence: pocketsphinx misreads an utterance that ends in a long
# silence ("where is my order" -> "wearing mine either"), and the last word's tail needs a
# little room. Recognition streams the rest of the turn's audio while the caller speaks.
_TAIL_FRAMES: Final = 5


@dataclass(frozen=True, slots=True)
class VoicePrompts:
    """What the bot says on its own account (the AI agent's words come from its skills)."""

    greeting: str = "Hello, thanks for calling. How can I help you today?"
    not_heard: str = "Sorry, I didn't catch that. Could you say it again?"
    reprompt: str = "Are you still there?"
    silence_goodbye: str = "I can't hear anyone, so I'll end the call now. Goodbye."


@dataclass(slots=True)
class VoiceEngines:
    """The speech engines a call uses; VAD is per call (it keeps state between frames)."""

    vad: Callable[[], VoiceActivity]
    stt: SpeechToText
    tts: TextToSpeech
    config: TurnConfig = field(default_factory=TurnConfig)
    prompts: VoicePrompts = field(default_factory=VoicePrompts)


def _sentences(text: str) -> list[str]:
    """Split a reply into sentences: the first is spoken while the rest are synthesised."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return [p for p in parts if p]


class CallSession:
    """One carrier media stream (one call) of one tenant."""

    def __init__(
        self,
        service: VoiceService,
        engines: VoiceEngines,
        send: Callable[[str], Awaitable[None]],
        clock: Clock,
    ) -> None:
        self.service = service
        self.engines = engines
        self.tenant_id = ""  # known once `start` presents a valid stream token
        self._send_raw = send
        self.clock = clock
        self.stream_sid: str | None = None
        self.interaction_id: str | None = None
        self.finished: str | None = None  # why the call is over, once it is
        self._vad = engines.vad()
        self._state = turns.begin_turns(clock.now())
        self._pcm = b""
        self._recent: deque[bytes] = deque(maxlen=_PREROLL_FRAMES)
        self._utterance: Utterance | None = None  # the caller's turn in progress, streamed
        self._hints = SpeechHints()  # what recognition expects next (refreshed after each turn)
        self._hints_refresh: asyncio.Task[SpeechHints] | None = None
        self._work: asyncio.Queue[tuple[str, object, float] | None] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._marks: dict[str, str] = {}  # mark name -> the line it ends
        self._heard: list[str] = []  # lines the caller heard since their last turn
        self._mark_seq = 0
        self._turn_seq = 0
        self._generation = 0  # bumped by every clear: replies still being made are dropped
        self._last_ai = ""
        self._hang_up_when_played = False
        self._send_failed = False
        self._on_hold = False  # handed to a person: waiting in a queue, no re-prompts
        self._recording: CallRecording | None = None  # both directions, if the tenant records
        self._bridge: CallBridge | None = None  # hold music, then the agent's audio (on hold)
        self._hang_up_reason = "completed"

    @property
    def is_idle(self) -> bool:
        """True when the bot is neither working out a reply nor waiting for playback to end."""
        return not self._state.busy and not turns.is_playing(self._state)

    # --- carrier messages ------------------------------------------------------------------------

    async def receive(self, text: str | bytes) -> None:
        """Handle one carrier message (sets `finished` when the call is over)."""
        if self.finished:
            return
        try:
            message = proto.parse_message(text)
        except InvalidInput as exc:
            await self._protocol_error("malformed", str(exc))
            return
        if message is None:
            await self._record(
                "voice.protocol_error", {"kind": "unknown_event", "detail": _head(text)}
            )
            return
        match message:
            case proto.Connected():
                return
            case proto.Start():
                await self._start(message)
                return
        if self.stream_sid is None:
            await self._protocol_error(
                "before_start", f"{type(message).__name__.lower()} before start"
            )
            return
        match message:
            case proto.Media():
                if message.track in ("inbound", "inbound_track"):
                    await self._audio(message.payload)
            case proto.Dtmf():
                await self._record("voice.dtmf", {"digit": message.digit})
                self._state, decisions = turns.press_key(
                    self._state, message.digit, self.clock.now(), self.engines.config
                )
                await self._carry_out(decisions)
            case proto.Mark():
                self._mark(message.name)
            case proto.Stop():
                self.finished = "stop"

    async def tick(self) -> None:
        """Let time pass: digits after a pause, re-prompts, hanging up on silence."""
        if self._on_hold and self._bridge is None and not self.finished:
            self._open_bridge()  # handed off: hold music (after the reply) until a person answers
        if self.finished or self.interaction_id is None or self._on_hold:
            return
        self._state, decisions = turns.tick(self._state, self.clock.now(), self.engines.config)
        await self._carry_out(decisions)

    async def _start(self, start: proto.Start) -> None:
        if self.stream_sid is not None:
            await self._protocol_error("second_start", "a second start on one stream")
            return
        if start.encoding != "audio/x-mulaw" or start.sample_rate != 8000 or start.channels != 1:
            self.stream_sid = start.stream_sid
            await self._protocol_error(
                "media_format",
                f"{start.encoding} at {start.sample_rate} Hz is not mu-law 8 kHz mono",
            )
            return
        self.stream_sid = start.stream_sid
        params = start.custom_parameters
        tenant_id = await asyncio.to_thread(
            self.service.redeem_stream_token, params.get("token", ""), start.call_sid
        )
        if tenant_id is None:
            self.finished = "unauthorized"  # nothing to record it on: no tenant is known
            return
        self.tenant_id = tenant_id
        info = CallInfo(
            call_sid=start.call_sid,
            stream_sid=start.stream_sid,
            from_number=params.get("from", params.get("From", "")),
            to_number=params.get("to", params.get("To", "")),
        )
        interaction = await asyncio.to_thread(self.service.start_call, self.tenant_id, info)
        self.interaction_id = interaction.id
        self._state = turns.begin_turns(self.clock.now())
        self._refresh_hints()
        self._worker = asyncio.create_task(self._work_loop())
        # Recording (off unless the tenant turns it on): the consent line comes first.
        self._recording = await asyncio.to_thread(
            self.service.start_recording, self.tenant_id, interaction.id
        )
        consent = [CONSENT_PROMPT] if self._recording is not None else []
        self._enqueue("open", consent)  # then the entry flow's first words, or a greeting

    # --- audio in --------------------------------------------------------------------------------

    async def _audio(self, mulaw: bytes) -> None:
        if self._recording is not None:  # recording tap: the caller's side
            self._recording.inbound(mulaw)
        self._pcm += mulaw_to_pcm16(mulaw)
        while len(self._pcm) >= _FRAME_BYTES:
            frame, self._pcm = self._pcm[:_FRAME_BYTES], self._pcm[_FRAME_BYTES:]
            self._to_bridge(frame)  # after a handoff: to the agent on the line (voice_bridge)
            is_speech = self._vad.is_speech(frame)
            self._recent.append(frame)
            if self._utterance is not None:
                self._utterance.hear(frame)
            self._state, decisions = turns.hear_frame(
                self._state, is_speech, self.clock.now(), self.engines.config
            )
            await self._carry_out(decisions)

    async def _carry_out(self, decisions: tuple[Decision, ...]) -> None:
        for decision in decisions:
            match decision:
                case SpeechStarted():
                    if self._utterance is not None:  # cannot happen: the last turn never ended
                        self._utterance.discard()
                    # the frames withheld from the decoder are the end-of-turn silence beyond
                    # the tail kept (dropped at TurnEnded)
                    lag = self.engines.config.end_silence_ms // 20 - _TAIL_FRAMES
                    self._utterance = Utterance(
                        self.engines.stt, self._known_hints(), list(self._recent), lag
                    )
                case SpeechDiscarded():
                    if self._utterance is not None:
                        self._utterance.discard()
                        self._utterance = None
                case ClearPlayback(unplayed=unplayed):
                    await self._clear(unplayed)
                case TurnEnded(speech_ms=speech_ms, silence_ms=silence_ms):
                    utterance, self._utterance = self._utterance, None
                    if utterance is not None:
                        utterance.end(drop_frames=silence_ms // 20 - _TAIL_FRAMES)
                        self._enqueue("speech", (utterance, speech_ms))
                case DigitsEntered(digits=digits):
                    self._enqueue("digits", digits)
                case Reprompt():
                    again = f"{self.engines.prompts.reprompt} {self._last_ai}".strip()
                    self._enqueue("prompt", [again])
                case HangUp(reason=why):
                    self._hang_up_when_played = True
                    self._hang_up_reason = why
                    self._enqueue("prompt", [self.engines.prompts.silence_goodbye])

    def _enqueue(self, kind: str, payload: object) -> None:
        self._state = turns.set_busy(self._state, True, self.clock.now())
        self._work.put_nowait((kind, payload, time.monotonic()))

    # --- playback --------------------------------------------------------------------------------

    async def _clear(self, unplayed: tuple[str, ...]) -> None:
        assert self.stream_sid is not None
        self._generation += 1
        await self._send(proto.clear_message(self.stream_sid))
        self._state = turns.playback_cleared(self._state, self.clock.now())
        cut = [self._marks.pop(name, "") for name in unplayed]
        await self._record(
            "voice.barge_in", {"heard": list(self._heard), "cut": [c for c in cut if c]}
        )
        self._hang_up_when_played = False

    def _mark(self, name: str) -> None:
        if name in self._state.pending:
            for earlier in self._state.pending[: self._state.pending.index(name) + 1]:
                line = self._marks.pop(earlier, "")
                if line:
                    self._heard.append(line)
        self._state = turns.mark_played(self._state, name, self.clock.now())
        self._maybe_hang_up()

    def _maybe_hang_up(self) -> None:
        """End the call once the last words (a goodbye) have been played out."""
        if self._hang_up_when_played and not turns.is_playing(self._state) and not self._state.busy:
            self.finished = self.finished or self._hang_up_reason

    async def _say(
        self, lines: list[str], generation: int, *, remember: bool = True
    ) -> float | None:
        """Synthesise and send `lines`; return when (monotonic) the first audio went out."""
        assert self.stream_sid is not None
        first: float | None = None
        for line in lines:
            if remember:
                # what a re-prompt repeats; set first, as a re-prompt can come due between the
                # sentences of a line (playback of the first is over, the next one synthesising)
                self._last_ai = line
            for sentence in _sentences(line):
                pcm = await asyncio.to_thread(self.engines.tts.synthesize, spoken_form(sentence))
                if generation != self._generation or self.finished:
                    return first  # the caller barged in meanwhile
                mulaw = pcm16_to_mulaw(pcm)
                if first is None:
                    first = time.monotonic()
                for i in range(0, len(mulaw), _MULAW_FRAME):
                    await self._send(
                        proto.media_message(self.stream_sid, mulaw[i : i + _MULAW_FRAME])
                    )
                self._mark_seq += 1
                name = f"say-{self._mark_seq}"
                self._marks[name] = sentence
                self._state = turns.playback_queued(self._state, name)
                await self._send(proto.mark_message(self.stream_sid, name))
        return first

    async def _send(self, message: str) -> None:
        if self._send_failed:
            return
        if self._recording is not None:  # recording tap: what the caller hears (media, clear)
            self._recording.outbound(message)
        try:
            await self._send_raw(message)
        except Exception:  # the socket is gone: the receive side sees it and ends the call
            self._send_failed = True

    # --- turns, one at a time --------------------------------------------------------------------

    async def _work_loop(self) -> None:
        while True:
            item = await self._work.get()
            if item is None:
                return
            kind, payload, queued_at = item
            try:
                await self._turn(kind, payload, queued_at)
            except AgentfloorError as exc:
                log.warning("call %s: turn failed: %s", self.interaction_id, exc)
                await self._record("voice.turn_failed", {"kind": kind, "reason": str(exc)[:500]})
            finally:
                if self._work.empty():
                    self._state = turns.set_busy(self._state, False, self.clock.now())
                    self._maybe_hang_up()

    async def _turn(self, kind: str, payload: object, queued_at: float) -> None:
        assert self.interaction_id is not None
        generation = self._generation
        if kind in ("say", "prompt"):  # the session's own words; a prompt is not repeated
            assert isinstance(payload, list)
            for line in payload:
                await self._record("voice.utterance", {"sender": "ai", "text": str(line)})
            await self._say([str(p) for p in payload], generation, remember=kind == "say")
            return
        if kind == "open":  # answered: consent (if recording), then the entry flow or a greeting
            assert isinstance(payload, list)
            await self._open(payload, generation)
            return
        stt_s = 0.0
        confidence = 1.0
        hints = SpeechHints()
        speech_ms = 0
        stt_pass = ""
        utterance: Utterance | None = None
        if kind == "speech":
            assert isinstance(payload, tuple)
            utterance, speech_ms = payload
            assert isinstance(utterance, Utterance)
            t0 = time.monotonic()
            heard, hints, stt_pass = await self._hear(utterance)
            stt_s = time.monotonic() - t0
            text, confidence = written_form(heard.text), heard.confidence
            if not text:
                await self._record(
                    "voice.turn",
                    {
                        "text": "",
                        "hints": hints.name,
                        "stt_ms": _ms(stt_s),
                        "stt_cpu_ms": _ms(utterance.cpu_s),
                    },
                )
                self._enqueue("prompt", [self.engines.prompts.not_heard])
                return
        else:
            text = str(payload)
        self._turn_seq += 1
        heard_lines, self._heard = self._heard, []
        t1 = time.monotonic()
        reply = await asyncio.to_thread(
            self.service.caller_said,
            self.tenant_id,
            self.interaction_id,
            text,
            self._turn_seq,
            confidence,  # low-confidence answers are read back (voice.confirm)
            keyed=kind == "digits",
        )
        dialogue_s = time.monotonic() - t1
        self._refresh_hints()  # what the reply asks for steers the next utterance
        if reply.ended:
            self._hang_up_when_played = True
        self._on_hold = reply.outcome == "handed_off"
        t2 = time.monotonic()
        first_at = await self._say(reply.replies, generation)
        await self._record(
            "voice.turn",
            {
                "input": kind,
                "text": text,
                "confidence": round(confidence, 3),
                "hints": hints.name,
                "speech_ms": speech_ms,
                "heard_before": heard_lines,
                "stt_ms": _ms(stt_s),
                # recognition's CPU over the whole utterance (mostly while it was spoken), and
                # `stream`: decoded as heard, `again`: decoded anew (the hints had moved on)
                "stt_cpu_ms": _ms(utterance.cpu_s) if utterance else None,
                "stt_pass": stt_pass,
                "dialogue_ms": _ms(dialogue_s),
                "tts_first_ms": _ms(first_at - t2) if first_at else None,
                # from detecting the end of the caller's turn to the first reply audio sent; the
                # caller waits `end_silence_ms` more (the silence that ends a turn)
                "response_ms": _ms(first_at - queued_at) if first_at else None,
                "end_silence_ms": self.engines.config.end_silence_ms,
            },
        )

    # --- recognition ----------------------------------------------------------------------------

    async def _open(self, consent: list[str], generation: int) -> None:
        """Speak first: a tenant's entry flow (a menu) plays on answer, else the greeting."""
        assert self.interaction_id is not None
        opening = await asyncio.to_thread(
            self.service.open_call, self.tenant_id, self.interaction_id
        )
        greeting = [self.engines.prompts.greeting] if opening is None else []
        for line in [*consent, *greeting]:  # the flow's lines are logged by the AI's transcript
            await self._record("voice.utterance", {"sender": "ai", "text": line})
        lines = [*consent, *(opening.replies if opening is not None else greeting)]
        if opening is not None and opening.ended:
            self._hang_up_when_played = True
        self._refresh_hints()  # the menu's labels steer the first answer
        await self._say(lines, generation)

    def _refresh_hints(self) -> None:
        """Fetch what recognition should expect next, in the background."""
        assert self.interaction_id is not None
        self._hints_refresh = asyncio.create_task(
            asyncio.to_thread(self.service.hints, self.tenant_id, self.interaction_id)
        )

    def _known_hints(self) -> SpeechHints:
        """Return the latest hints fetched (an utterance starting now is steered by them)."""
        task = self._hints_refresh
        if task is not None and task.done():
            self._hints_refresh = None
            if not task.cancelled() and task.exception() is None:
                self._hints = task.result()
        return self._hints

    async def _hear(self, utterance: Utterance) -> tuple[Transcript, SpeechHints, str]:
        """Return what the caller said, the hints it was heard with and how (`stream`/`again`).

        The utterance was decoded as it came with the hints known when it started; if the
        conversation has moved on since (the caller spoke while the bot was still working out
        its previous reply), it is decoded again with the current ones.

        Raises:
            Unavailable: the recogniser failed.
        """
        try:
            if self._hints_refresh is not None:
                self._hints = await self._hints_refresh
                self._hints_refresh = None
            if utterance.hints == self._hints:
                return await utterance.result(), self._hints, "stream"
            await utterance.abandon()
            heard = await recognise(self.engines.stt, utterance.audio, self._hints)
            return heard, self._hints, "again"
        except AgentfloorError:
            raise
        except Exception as exc:  # an engine's own error (pocketsphinx raises RuntimeError)
            raise Unavailable(f"speech recognition failed: {exc}") from exc

    async def _hear_partial(self, utterance: Utterance) -> Transcript:
        """Return the words of an utterance the end of the call cut off."""
        try:
            return await utterance.result()
        except AgentfloorError:
            raise
        except Exception as exc:
            raise Unavailable(f"speech recognition failed: {exc}") from exc

    # --- a person on the line (after a handoff) -------------------------------------------------

    def _open_bridge(self) -> None:
        """Register the call's bridge: hold music and announcements, then the agent's audio."""
        if self.stream_sid is None or self.interaction_id is None:
            return
        tts = self.engines.tts
        self._bridge = CallBridge(
            tenant_id=self.tenant_id,
            interaction_id=self.interaction_id,
            stream_sid=self.stream_sid,
            task_id=None,
            send=self._send,
            record=self._record,
            synthesize=lambda text: tts.synthesize(spoken_form(text)),
            locate=self._queue_spot,
            find_task=self._handoff_task,
            is_over=lambda: self.finished is not None,
            hang_up=self._agent_hang_up,
            ready=lambda: self.is_idle,  # the music waits for the handoff reply to be heard
        )
        bridges().add(self._bridge)
        self._bridge.start()

    def _to_bridge(self, frame: bytes) -> None:
        if self._bridge is not None:
            self._bridge.caller_frame(frame)

    def _handoff_task(self) -> str | None:
        """Return the task the handoff queued (in a worker thread)."""
        assert self.interaction_id is not None
        with self.service.ctx.uow(self.tenant_id) as uow:
            session = uow.ai_sessions.get(self.interaction_id) or {}
        task_id = (session.get("handoff_facts") or {}).get("task_id")
        return task_id if isinstance(task_id, str) else None

    def _queue_spot(self, task_id: str) -> QueueSpot | None:
        return queue_spot(self.service.ctx, self.service.router, self.tenant_id, task_id)

    def _agent_hang_up(self, reason: str) -> None:
        self.finished = self.finished or reason

    # --- the end ---------------------------------------------------------------------------------

    async def _protocol_error(self, kind: str, detail: str) -> None:
        await self._record("voice.protocol_error", {"kind": kind, "detail": detail[:500]})
        self.finished = "protocol_error"

    async def _record(self, type_: str, data: dict[str, object]) -> None:
        if self.interaction_id is None:
            return
        await asyncio.to_thread(
            self.service.record, self.tenant_id, self.interaction_id, type_, dict(data)
        )

    async def close(self, reason: str | None = None) -> str:
        """End the call (once): finish the turn in hand, keep a cut-off utterance, record why."""
        reason = self.finished or reason or "disconnected"
        self.finished = reason
        if self._worker is not None:
            self._work.put_nowait(None)
            try:
                await asyncio.wait_for(asyncio.shield(self._worker), _CLOSE_WAIT_S)
            except TimeoutError:
                self._worker.cancel()
        if self.interaction_id is None:
            return reason
        partial, self._utterance = self._utterance, None
        if partial is not None and len(partial.frames) * 20 < self.engines.config.min_speech_ms:
            partial.discard()
        elif partial is not None:
            with contextlib.suppress(AgentfloorError):
                heard = await self._hear_partial(partial)
                if heard.text:
                    await self._record(
                        "voice.utterance",
                        {"sender": "customer", "text": written_form(heard.text), "partial": True},
                    )
        await asyncio.to_thread(self.service.end_call, self.tenant_id, self.interaction_id, reason)
        return reason


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _head(text: str | bytes) -> str:
    return (text if isinstance(text, str) else text.decode("utf-8", "replace"))[:200]
