"""Turn-taking on a call: speech and end of turn, barge-in, DTMF digits, silence re-prompts.

A pure state machine fed one 20 ms frame's voice-activity verdict at a time, the marks the
carrier returns as playback passes them, key presses and clock ticks; it returns decisions
(`agentfloor.voice.model`) for the runtime to carry out. The end-of-turn rule is the classic
energy-VAD hangover: a turn starts after `speech_start_ms` of speech in a row and ends after
`end_silence_ms` of silence (or is discarded as noise when it held less than `min_speech_ms` of
speech); what was heard of the bot's own speech is known from the marks
the carrier echoes (Twilio Media Streams sends a `mark` back when playback reaches it, and on
`clear` for every mark it dropped).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from agentfloor.voice.model import (
    FRAME_MS,
    ClearPlayback,
    Decision,
    DigitsEntered,
    HangUp,
    Reprompt,
    SpeechDiscarded,
    SpeechStarted,
    TurnConfig,
    TurnEnded,
)

__all__ = [
    "TurnState",
    "begin_turns",
    "hear_frame",
    "is_playing",
    "mark_played",
    "playback_cleared",
    "playback_queued",
    "press_key",
    "set_busy",
    "tick",
]


@dataclass(frozen=True, slots=True)
class TurnState:
    """Where a call's turn-taking stands.

    Attributes:
        frame: Frames heard so far (the index of the next one).
        speech_run: Speech frames in a row up to the last one.
        silence_run: Silent frames in a row up to the last one.
        turn_first: First frame of the caller's turn in progress, or None.
        turn_speech: Speech frames in that turn.
        pending: Marks sent after audio that the carrier has not yet played, in order.
        busy: The bot is working out a reply (no re-prompts meanwhile).
        quiet_since: When the line last fell quiet (nothing playing, caller silent).
        reprompts: Re-prompts since the caller last spoke or keyed.
        digits: Keys pressed and not yet handed on.
        digit_at: When the last key was pressed.
    """

    frame: int = 0
    speech_run: int = 0
    silence_run: int = 0
    turn_first: int | None = None
    turn_speech: int = 0
    pending: tuple[str, ...] = ()
    busy: bool = False
    quiet_since: float = 0.0
    reprompts: int = 0
    digits: str = ""
    digit_at: float | None = None


def begin_turns(now: float) -> TurnState:
    """Return the state of a call answered at `now`."""
    return TurnState(quiet_since=now)


def is_playing(state: TurnState) -> bool:
    """Return True while the carrier still has bot audio to play."""
    return bool(state.pending)


def _frames(ms: int) -> int:
    return max(1, ms // FRAME_MS)


def hear_frame(
    state: TurnState, is_speech: bool, now: float, config: TurnConfig
) -> tuple[TurnState, tuple[Decision, ...]]:
    """Take one caller frame's verdict; return the new state and what to do."""
    frame = state.frame
    speech_run = state.speech_run + 1 if is_speech else 0
    silence_run = 0 if is_speech else state.silence_run + 1
    state = replace(state, frame=frame + 1, speech_run=speech_run, silence_run=silence_run)
    decisions: list[Decision] = []
    if state.turn_first is None:
        if speech_run >= _frames(config.speech_start_ms):
            first = frame - speech_run + 1
            state = replace(state, turn_first=first, turn_speech=speech_run, reprompts=0)
            decisions.append(SpeechStarted(first))
            if state.pending:
                decisions.append(ClearPlayback(state.pending))
        return state, tuple(decisions)
    first = state.turn_first
    turn_speech = state.turn_speech + (1 if is_speech else 0)
    state = replace(state, turn_speech=turn_speech, quiet_since=now)
    too_long = (frame - first + 1) * FRAME_MS >= config.max_turn_s * 1000
    if silence_run >= _frames(config.end_silence_ms) or too_long:
        speech_ms = turn_speech * FRAME_MS
        state = replace(state, turn_first=None, turn_speech=0)
        if speech_ms >= config.min_speech_ms:
            decisions.append(TurnEnded(first, frame, speech_ms, silence_run * FRAME_MS))
        else:
            decisions.append(SpeechDiscarded(first))
    return state, tuple(decisions)


def playback_queued(state: TurnState, mark: str) -> TurnState:
    """Note that audio followed by `mark` was sent to the carrier."""
    return replace(state, pending=(*state.pending, mark), busy=False)


def mark_played(state: TurnState, mark: str, now: float) -> TurnState:
    """Note that playback reached `mark` (and so every mark before it); unknown marks are kept."""
    if mark not in state.pending:
        return state
    pending = state.pending[state.pending.index(mark) + 1 :]
    quiet_since = now if not pending else state.quiet_since
    return replace(state, pending=pending, quiet_since=quiet_since)


def playback_cleared(state: TurnState, now: float) -> TurnState:
    """Note that the carrier dropped everything queued (after a `clear`)."""
    return replace(state, pending=(), quiet_since=now)


def set_busy(state: TurnState, busy: bool, now: float) -> TurnState:
    """Note that the bot started (True) or gave up (False) working out a reply."""
    return replace(state, busy=busy, quiet_since=now)


def press_key(
    state: TurnState, key: str, now: float, config: TurnConfig
) -> tuple[TurnState, tuple[Decision, ...]]:
    """Take one DTMF key; `#` (or `max_digits` keys) hands the digits on at once."""
    decisions: list[Decision] = []
    if state.pending:
        decisions.append(ClearPlayback(state.pending))  # a key press barges in like speech
    if key == "#":
        state = replace(state, digit_at=None, reprompts=0, quiet_since=now)
        if state.digits:
            decisions.append(DigitsEntered(state.digits))
        return replace(state, digits=""), tuple(decisions)
    digits = state.digits + key
    if len(digits) >= config.max_digits:
        decisions.append(DigitsEntered(digits))
        digits = ""
    return (
        replace(
            state, digits=digits, digit_at=now if digits else None, reprompts=0, quiet_since=now
        ),
        tuple(decisions),
    )


def tick(
    state: TurnState, now: float, config: TurnConfig
) -> tuple[TurnState, tuple[Decision, ...]]:
    """Let time pass: hand on digits after a gap, re-prompt or hang up on silence."""
    if state.digits and state.digit_at is not None and now - state.digit_at >= config.digit_gap_s:
        return replace(state, digits="", digit_at=None, quiet_since=now), (
            DigitsEntered(state.digits),
        )
    waiting = not state.pending and not state.busy and state.turn_first is None
    if not waiting or state.digits or now - state.quiet_since < config.reprompt_after_s:
        return state, ()
    if state.reprompts >= config.max_reprompts:
        return replace(state, quiet_since=now), (HangUp("silence"),)
    count = state.reprompts + 1
    return replace(state, reprompts=count, quiet_since=now), (Reprompt(count),)
