"""The audio bridge between a caller and the person who takes the call in the browser.

When the AI agent hands a call off, its `CallSession` opens a `CallBridge` and registers it in
this process's `CallBridges` under the interaction id. From then on the bridge owns what the
caller hears: while nobody is on the line (queued, the agent's socket gone, or the agent put the
caller on hold) it streams hold music to the carrier in real time, one 20 ms frame per 20 ms,
and while the call waits in a queue it announces the caller's position and estimated wait
(`runtime.voice_hold`) shortly after queueing and every `announce_every_s` after. When an agent
leg attaches (the desk's WebSocket, `api.routes.voice_agent`) the music stops at once (`clear`
drops what the carrier buffered), each caller frame (PCM16, 8 kHz, 20 ms) is copied to the
agent's socket, and the agent's PCM16 is cut into 20 ms frames, mu-law coded and sent to the
carrier as `media` messages. A muted agent's audio is dropped; a held caller hears music and the
agent hears nothing. Every change is logged on the interaction (`voice.agent_connected`,
`voice.agent_left`, `voice.mute`, `voice.hold`, `voice.hold_announcement`, `voice.transfer`).

Both legs must be on the same API process for now: the carrier's stream and the agent's socket
meet in this in-memory registry, and a frame is handed over by a function call on one event loop
(no copy through a broker every 20 ms). Behind several API nodes the load balancer must send an
agent's socket to the node holding the call (the socket is refused with 4409 otherwise); later
the bus (Redis Streams) would carry frames between nodes, keyed by interaction id, as it carries
events now.

A cold transfer (`runtime.voice_transfer`) puts the call back in a queue or offers it to a
named worker; `transferred` then closes the agents' legs and the caller hears music and
announcements again.

A warm transfer is a `Consult`: the worker who has the call (A) asks a queue or a named worker;
`consulting` holds the caller (music); the consulted worker (B) accepts the consult task and their
desk attaches a second leg. With two legs on the line the bridge mixes: every 20 ms tick it takes
one frame from each party (the caller's newest, each agent's next; `runtime.voice_mix`) and sends
each party the clipped sum of the others, so while consulting A and B hear each other and the
held caller hears music. Then A either hands the call over (`handed_over`: A's leg closes with
`transferred`, the caller talks with B), makes it a conference (`conferenced`: all three hear each
other; a later hang-up of A or B only takes that one off the line, `left_conference`) or cancels
(`consult_ended`: B's leg closes, the caller is off hold and talks with A again). Logged as
`voice.consult`, `voice.transfer` (`kind: warm`), `voice.conference`, `voice.consult_cancelled`
and `voice.consult_ended` (B left).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Final

from agentfloor.adapters.voice import twilio as proto
from agentfloor.adapters.voice.mulaw import pcm16_to_mulaw
from agentfloor.core.errors import AgentfloorError
from agentfloor.runtime.voice_hold import QueueSpot, announcement, hold_music
from agentfloor.runtime.voice_mix import mix_frames

__all__ = [
    "AgentLeg",
    "CallBridge",
    "CallBridges",
    "Consult",
    "HoldConfig",
    "LegClosed",
    "bridges",
]

FRAME_S: Final = 0.02
FRAME_BYTES: Final = 320  # 20 ms of PCM16 at 8 kHz
_MULAW_FRAME: Final = FRAME_BYTES // 2
_TO_AGENT_MAX: Final = 100  # 2 s of caller audio queued for a slow agent socket, then drop
_MAX_BEHIND_S: Final = 0.2  # the loop fell this far behind real time: skip, do not burst
# While mixing, frames wait for their 20 ms tick: each agent's (the browser paces them; network
# jitter bunches a few) and the caller's (the carrier's clock and ours drift apart). Beyond these
# the oldest are dropped, so a backlog never turns into delay that grows through the call.
_MIX_AGENT_MAX: Final = 15  # 300 ms
_MIX_CALLER_MAX: Final = 5  # 100 ms


@dataclass(frozen=True, slots=True)
class HoldConfig:
    """When the waiting caller hears their place in the queue."""

    announce_first_s: float = 3.0
    announce_every_s: float = 40.0


@dataclass(frozen=True, slots=True)
class LegClosed:
    """Close an agent's socket with this WebSocket code and reason."""

    code: int
    reason: str


@dataclass(eq=False, slots=True)
class AgentLeg:
    """One agent's audio socket on a call; `outbox` is what the socket sends, in order."""

    worker_id: str
    outbox: asyncio.Queue[bytes | dict[str, Any] | LegClosed] = field(default_factory=asyncio.Queue)
    muted: bool = False
    pending: bytes = b""  # agent audio short of a whole frame
    to_agent_frames: int = 0
    to_caller_frames: int = 0
    dropped_frames: int = 0  # agent audio dropped: muted or held
    # while mixing (two agents on the line): whole frames waiting for the next 20 ms tick
    frames: deque[bytes] = field(default_factory=lambda: deque(maxlen=_MIX_AGENT_MAX))

    def put(self, item: bytes | dict[str, Any] | LegClosed) -> None:
        """Queue an item for the socket (caller audio beyond 2 s of backlog is dropped)."""
        if isinstance(item, bytes) and self.outbox.qsize() >= _TO_AGENT_MAX:
            return
        self.outbox.put_nowait(item)


@dataclass(slots=True)
class Consult:
    """A warm transfer under way: who asked, the consult task, who answered, conference or not."""

    task_id: str
    by_worker_id: str
    queue_id: str
    worker_id: str | None = None  # named, or whoever of the queue accepted (set on attach)
    conference: bool = False


class CallBridge:
    """One call after its handoff: hold music, announcements, and the agent's audio legs."""

    def __init__(
        self,
        *,
        tenant_id: str,
        interaction_id: str,
        stream_sid: str,
        task_id: str | None,
        send: Callable[[str], Awaitable[None]],
        record: Callable[[str, dict[str, Any]], Awaitable[None]],
        synthesize: Callable[[str], bytes],
        locate: Callable[[str], QueueSpot | None],
        find_task: Callable[[], str | None],
        is_over: Callable[[], bool],
        hang_up: Callable[[str], None],
        ready: Callable[[], bool] = lambda: True,
        config: HoldConfig | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.interaction_id = interaction_id
        self.stream_sid = stream_sid
        self.task_id = task_id
        self.config = config or HoldConfig()
        self.legs: dict[str, AgentLeg] = {}
        self.held = False
        self.consult: Consult | None = None
        self._caller_frames: deque[bytes] = deque(maxlen=_MIX_CALLER_MAX)
        self._send = send
        self._record = record
        self._synthesize = synthesize
        self._locate = locate
        self._find_task = find_task
        self._is_over = is_over
        self._hang_up = hang_up
        self._ready = ready  # True once the music may start (the bot's last words are out)
        self._started = False
        self._music = hold_music()
        self._music_at = 0
        # an announcement being played: ("mark", name) and ("media", mu-law frame) in order
        self._speech: deque[tuple[str, bytes]] = deque()
        self._announcer: asyncio.Task[None] | None = None
        self._playing_music = False
        self._mark_seq = 0
        self._next_announce = 0.0
        self._pump: asyncio.Task[None] | None = None

    # --- life ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start streaming hold music once `ready` (call once, on the event loop)."""
        self._pump = asyncio.create_task(self._run())

    @property
    def hears_music(self) -> bool:
        """True while the caller should hear hold music: nobody on the line, or held."""
        return self.held or not self.legs

    @property
    def mixing(self) -> bool:
        """True while two or more agents are on the line: audio goes through `_mix_frame`."""
        return len(self.legs) > 1

    @property
    def is_over(self) -> bool:
        """True once the call has ended."""
        return self._is_over()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        try:
            if self.task_id is None:
                self.task_id = await asyncio.to_thread(self._find_task)
            while not self._is_over():
                if not self._started and self._ready():
                    self._started = True  # the first announcement follows some music
                    self._next_announce = loop.time() + self.config.announce_first_s
                if self._started and self.hears_music:
                    await self._play_frame(loop.time())
                if self.mixing:
                    await self._mix_frame()
                next_at += FRAME_S
                delay = next_at - loop.time()
                if delay < -_MAX_BEHIND_S:
                    next_at = loop.time()
                await asyncio.sleep(max(0.0, delay))
        finally:
            self._end()

    def _end(self) -> None:
        bridges().remove(self)
        if self._announcer is not None:
            self._announcer.cancel()
        for leg in list(self.legs.values()):
            leg.put(LegClosed(1000, "call ended"))
        self.legs.clear()

    async def _play_frame(self, now: float) -> None:
        """Send the caller 20 ms of hold: an announcement when one is ready, else music."""
        if (
            self._announcer is None
            and not self._speech
            and not self.held
            and self.task_id is not None
            and now >= self._next_announce
        ):
            self._next_announce = now + self.config.announce_every_s
            self._announcer = asyncio.create_task(self._prepare_announcement(self.task_id))
        while self._speech:  # marks go out at once, then one frame of speech
            kind, item = self._speech.popleft()
            if kind == "mark":
                await self._send(proto.mark_message(self.stream_sid, item.decode()))
                continue
            await self._send(proto.media_message(self.stream_sid, item))
            self._playing_music = True
            return
        start = self._music_at
        frame_pcm = self._music[start : start + FRAME_BYTES]
        self._music_at = (start + FRAME_BYTES) % len(self._music)
        if len(frame_pcm) < FRAME_BYTES:
            frame_pcm += self._music[: FRAME_BYTES - len(frame_pcm)]
        self._playing_music = True
        await self._send(proto.media_message(self.stream_sid, pcm16_to_mulaw(frame_pcm)))

    async def _prepare_announcement(self, task_id: str) -> None:
        try:
            spot = await asyncio.to_thread(self._locate, task_id)
            if spot is None or self._is_over():
                return
            text = announcement(spot)
            pcm = await asyncio.to_thread(self._synthesize, text)
            if not self.hears_music or self.held:
                return  # an agent picked up meanwhile
            mulaw = pcm16_to_mulaw(pcm)
            frames = [
                mulaw[i : i + _MULAW_FRAME].ljust(_MULAW_FRAME, b"\xff")
                for i in range(0, len(mulaw), _MULAW_FRAME)
            ]
            # a mark before it ends the music's "line", one after it ends the announcement's
            self._speech = deque(
                [
                    ("mark", self._next_mark("hold").encode()),
                    *(("media", f) for f in frames),
                    ("mark", self._next_mark("announce").encode()),
                ]
            )
            await self._record(
                "voice.hold_announcement",
                {
                    "position": spot.position,
                    "ewt_s": round(spot.ewt_s),
                    "queue_id": spot.queue_id,
                    "text": text,
                },
            )
        except AgentfloorError as exc:  # speech failed: the music plays on, the reason is kept
            await self._record("voice.hold_announcement_failed", {"reason": str(exc)[:500]})
        finally:
            self._announcer = None

    def _next_mark(self, kind: str) -> str:
        self._mark_seq += 1
        return f"{kind}-{self._mark_seq}"

    async def _stop_music(self) -> None:
        """Drop the music the carrier buffered and close the music "line" with a mark."""
        self._speech.clear()
        if not self._playing_music:
            return
        self._playing_music = False
        await self._send(proto.clear_message(self.stream_sid))
        await self._send(proto.mark_message(self.stream_sid, self._next_mark("hold-end")))

    # --- the caller ------------------------------------------------------------------------------

    def caller_frame(self, pcm: bytes) -> None:
        """Copy one 20 ms caller frame (PCM16 8 kHz) to every agent on the line (not on hold)."""
        if self.held:
            return
        if self.mixing:
            self._caller_frames.append(pcm)
            return
        for leg in self.legs.values():
            leg.to_agent_frames += 1
            leg.put(pcm)

    # --- agents ----------------------------------------------------------------------------------

    async def attach(self, worker_id: str) -> AgentLeg:
        """Put a worker on the line (a second socket of the same worker replaces the first)."""
        old = self.legs.pop(worker_id, None)
        if old is not None:
            old.put(LegClosed(4409, "replaced by a newer connection of the same worker"))
        leg = AgentLeg(worker_id)
        first = not self.legs
        self.legs[worker_id] = leg
        if first and not self.held:
            await self._stop_music()
        await self._record("voice.agent_connected", {"worker_id": worker_id})
        if self.consult is not None:
            self._tell_all()  # the asking worker sees the consulted one join
        else:
            leg.put(self.status(leg))
        return leg

    async def detach(self, leg: AgentLeg, reason: str) -> None:
        """Take an agent off the line (their socket closed); the caller hears music if alone."""
        if self.legs.get(leg.worker_id) is not leg:
            return
        del self.legs[leg.worker_id]
        self._unmixed()
        await self._record(
            "voice.agent_left",
            {
                "worker_id": leg.worker_id,
                "reason": reason[:200],
                "to_agent_frames": leg.to_agent_frames,
                "to_caller_frames": leg.to_caller_frames,
            },
        )

    def status(self, leg: AgentLeg) -> dict[str, Any]:
        """Return the call as one agent sees it (sent on connect and after every control)."""
        consult = self.consult
        return {
            "type": "state",
            "interaction_id": self.interaction_id,
            "muted": leg.muted,
            "held": self.held,
            "consult": None
            if consult is None
            else {
                "task_id": consult.task_id,
                "by_worker_id": consult.by_worker_id,
                "queue_id": consult.queue_id,
                "worker_id": consult.worker_id,
                "conference": consult.conference,
                "joined": consult.worker_id is not None and consult.worker_id in self.legs,
            },
            "on_line": sorted(self.legs),
            "to_agent_frames": leg.to_agent_frames,
            "to_caller_frames": leg.to_caller_frames,
            "dropped_frames": leg.dropped_frames,
            "audio": "pcm16le/8000/mono",
        }

    async def agent_audio(self, leg: AgentLeg, pcm: bytes) -> None:
        """Send the agent's audio to the caller in 20 ms mu-law frames (dropped if muted/held)."""
        if self.legs.get(leg.worker_id) is not leg:
            return
        leg.pending += pcm
        while len(leg.pending) >= FRAME_BYTES:
            frame, leg.pending = leg.pending[:FRAME_BYTES], leg.pending[FRAME_BYTES:]
            if leg.muted:
                leg.dropped_frames += 1
                continue
            if self.mixing:
                leg.frames.append(frame)  # sent on the next tick, mixed (`_mix_frame`)
                continue
            if self.held:
                leg.dropped_frames += 1
                continue
            leg.to_caller_frames += 1
            await self._send(proto.media_message(self.stream_sid, pcm16_to_mulaw(frame)))

    async def set_muted(self, leg: AgentLeg, muted: bool) -> None:
        """Mute or unmute one agent: muted audio never reaches the caller."""
        if leg.muted != muted:
            leg.muted = muted
            leg.pending = b""
            await self._record("voice.mute", {"worker_id": leg.worker_id, "muted": muted})
        leg.put(self.status(leg))

    async def set_held(self, leg: AgentLeg, held: bool) -> None:
        """Hold (the caller hears music, the agent hears nothing) or take the caller off hold."""
        if self.held != held:
            self.held = held
            if not held:
                await self._stop_music()
            await self._record("voice.hold", {"worker_id": leg.worker_id, "held": held})
        leg.put(self.status(leg))

    async def transferred(self, leg: AgentLeg, task_id: str, facts: dict[str, Any]) -> None:
        """Note a cold transfer: every agent leaves, the caller waits with music again."""
        self.task_id = task_id
        self.held = False
        loop = asyncio.get_running_loop()
        self._next_announce = loop.time() + self.config.announce_first_s
        await self._record("voice.transfer", {"worker_id": leg.worker_id, **facts})
        for other in list(self.legs.values()):
            other.put(LegClosed(1000, "transferred"))
        self.legs.clear()

    async def hang_up(self, leg: AgentLeg) -> None:
        """End the call for the caller (the agent hung up)."""
        await self._record("voice.agent_hung_up", {"worker_id": leg.worker_id})
        self._hang_up("agent_hung_up")

    # --- warm transfer: consult, hand over, conference -------------------------------------------

    async def consulting(self, leg: AgentLeg, consult: Consult, facts: dict[str, Any]) -> None:
        """Note a consult opened by `leg`'s worker: the caller is held (music) until it ends."""
        self.consult = consult
        self.held = True
        await self._record("voice.consult", {"worker_id": leg.worker_id, **facts})
        self._tell_all()

    async def handed_over(self, leg: AgentLeg, facts: dict[str, Any], *, reason: str) -> None:
        """Note a warm transfer done: the consulted worker has the call, `leg` leaves the line.

        `reason` closes the leaving leg: `transferred`, or `left` (out of a conference).
        """
        consult = self.consult
        if consult is None:
            return
        self.consult = None
        self.task_id = consult.task_id
        if self.legs.get(leg.worker_id) is leg:
            del self.legs[leg.worker_id]
        self._unmixed()
        await self._record(
            "voice.transfer",
            {
                "kind": "warm",
                "worker_id": leg.worker_id,
                "to_worker_id": consult.worker_id,
                "task_id": consult.task_id,
                "conference": consult.conference,
                **facts,
            },
        )
        leg.put(LegClosed(1000, reason))
        await self._off_hold()
        self._tell_all()

    async def conferenced(self, leg: AgentLeg) -> None:
        """Make the consult a conference: the caller is off hold, all three hear each other."""
        consult = self.consult
        if consult is None:
            return
        consult.conference = True
        await self._off_hold()
        await self._record(
            "voice.conference",
            {"worker_id": leg.worker_id, "with_worker_id": consult.worker_id},
        )
        self._tell_all()

    async def consult_ended(self, leg: AgentLeg, event: str, *, reason: str) -> Consult | None:
        """End the consult without a hand-over: the consulted worker's leg closes with `reason`.

        The caller is taken off hold and talks with the worker who has the call again.
        `event` is `voice.consult_cancelled` (the asking worker cancelled) or
        `voice.consult_ended` (the consulted worker hung up). Returns the consult that ended.
        """
        consult = self.consult
        if consult is None:
            return None
        self.consult = None
        other = self.legs.pop(consult.worker_id, None) if consult.worker_id else None
        self._unmixed()
        await self._record(
            event,
            {
                "worker_id": leg.worker_id,
                "consulted_worker_id": consult.worker_id,
                "task_id": consult.task_id,
                "conference": consult.conference,
            },
        )
        if other is not None:
            other.put(LegClosed(1000, reason))
        await self._off_hold()
        self._tell_all()
        return consult

    async def _off_hold(self) -> None:
        if self.held:
            self.held = False
            if self.legs:
                await self._stop_music()

    def _tell_all(self) -> None:
        for leg in self.legs.values():
            leg.put(self.status(leg))

    async def _mix_frame(self) -> None:
        """One 20 ms tick with several agents on the line: each party hears the others, summed.

        The caller (unless held) gives their newest frame, each agent their next one; an agent
        hears the caller and the other agents, the caller hears every agent. Nobody speaking
        sends nothing (the carrier plays silence; the desk's worklet too).
        """
        caller = None if self.held or not self._caller_frames else self._caller_frames.popleft()
        spoken = [(leg, leg.frames.popleft()) for leg in self.legs.values() if leg.frames]
        for leg in self.legs.values():
            parts = [frame for other, frame in spoken if other is not leg]
            if caller is not None:
                parts.append(caller)
            if parts:
                leg.to_agent_frames += 1
                leg.put(mix_frames(parts))
        if not spoken or self.held:
            return  # a held caller hears music (`_play_frame`), not the agents
        for leg, _ in spoken:
            leg.to_caller_frames += 1
        mixed = mix_frames(frame for _, frame in spoken)
        await self._send(proto.media_message(self.stream_sid, pcm16_to_mulaw(mixed)))

    def _unmixed(self) -> None:
        """Drop what waited for a mix once one agent or none is left (audio flows directly)."""
        if self.mixing:
            return
        self._caller_frames.clear()
        for leg in self.legs.values():
            leg.frames.clear()


class CallBridges:
    """The bridged calls of this process, by interaction id."""

    def __init__(self) -> None:
        self._calls: dict[str, CallBridge] = {}

    def add(self, bridge: CallBridge) -> None:
        """Register a call's bridge (a newer one for the same interaction replaces it)."""
        self._calls[bridge.interaction_id] = bridge

    def get(self, interaction_id: str) -> CallBridge | None:
        """Return the call's bridge if the call is on this process, else None."""
        return self._calls.get(interaction_id)

    def remove(self, bridge: CallBridge) -> None:
        """Forget a call's bridge (when the call ends)."""
        if self._calls.get(bridge.interaction_id) is bridge:
            del self._calls[bridge.interaction_id]


_BRIDGES: list[CallBridges] = []  # made on first use: nothing happens at import


def bridges() -> CallBridges:
    """Return this process's registry of bridged calls."""
    if not _BRIDGES:
        _BRIDGES.append(CallBridges())
    return _BRIDGES[0]
