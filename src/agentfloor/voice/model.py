"""Values of the voice channel: transcripts, recognition hints, turn settings, decisions."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "SAMPLES_PER_FRAME",
    "SAMPLE_RATE_HZ",
    "ClearPlayback",
    "Decision",
    "DigitsEntered",
    "HangUp",
    "Reprompt",
    "SpeechDiscarded",
    "SpeechHints",
    "SpeechStarted",
    "Transcript",
    "TurnConfig",
    "TurnEnded",
]

SAMPLE_RATE_HZ = 8000  # telephone audio: the carrier's mu-law is 8 kHz mono
FRAME_MS = 20  # the carrier sends and expects 20 ms frames
SAMPLES_PER_FRAME = SAMPLE_RATE_HZ * FRAME_MS // 1000  # 160


@dataclass(frozen=True, slots=True)
class Transcript:
    """What a speech-to-text engine heard: the words and its confidence (0-1)."""

    text: str
    confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class SpeechHints:
    """What the conversation expects next, to steer recognition.

    `grammar` is a JSGF grammar (the answer must be one of its sentences, e.g. an order
    number); `phrases` are words and phrases the flow or skill expects (menu labels, yes/no);
    `sentences` are what callers of this tenant say (its intent examples): open speech, but in
    the domain's words (a language model is built from them). Empty hints mean open dictation
    with the recogniser's general model.
    """

    phrases: tuple[str, ...] = ()
    grammar: str | None = None
    sentences: tuple[str, ...] = ()
    name: str = "open"

    @property
    def is_open(self) -> bool:
        """Return True when there is nothing to steer by."""
        return not self.phrases and self.grammar is None and not self.sentences


@dataclass(frozen=True, slots=True)
class TurnConfig:
    """Turn-taking settings; milliseconds are multiples of the 20 ms frame.

    `speech_start_ms` of speech in a row starts a caller turn (and, during playback, barges
    in); `end_silence_ms` of silence after it ends the turn: longer than the pauses inside an
    answer (up to 260 ms at the comma of a spelled order number, "O R D, seven four...", as
    the gated VAD of `WebrtcVad` hears it), short enough that the bot answers within half a
    second (chatbots' voice stacks end turns after 300-800 ms). Turns with less than
    `min_speech_ms` of speech are noise (a cough, a click). `reprompt_after_s` of silence with
    nothing playing re-prompts; after `max_reprompts` the call is hung up. DTMF digits end on
    `#` or after `digit_gap_s` without another key.
    """

    speech_start_ms: int = 60
    end_silence_ms: int = 360
    min_speech_ms: int = 200
    max_turn_s: float = 20.0
    reprompt_after_s: float = 8.0
    max_reprompts: int = 2
    digit_gap_s: float = 1.5
    max_digits: int = 20


# --- decisions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The caller started speaking `frame` frames into the call (audio from `first_frame`)."""

    first_frame: int


@dataclass(frozen=True, slots=True)
class ClearPlayback:
    """Stop what is playing at once (barge-in); `unplayed` are the marks it drops."""

    unplayed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TurnEnded:
    """The caller finished an utterance: frames `first_frame` to `last_frame` (inclusive).

    The last `silence_ms` of it are the silence that ended the turn (recognisers do better
    without most of it).
    """

    first_frame: int
    last_frame: int
    speech_ms: int
    silence_ms: int = 0


@dataclass(frozen=True, slots=True)
class SpeechDiscarded:
    """What started at `first_frame` as speech was too short to be a turn (a cough, a click)."""

    first_frame: int


@dataclass(frozen=True, slots=True)
class DigitsEntered:
    """The caller keyed `digits` (without the closing `#`)."""

    digits: str


@dataclass(frozen=True, slots=True)
class Reprompt:
    """The caller has been silent: say the last question again (`count`: reprompts so far)."""

    count: int


@dataclass(frozen=True, slots=True)
class HangUp:
    """End the call, for `reason` (`silence`: nobody answered the re-prompts)."""

    reason: str


Decision = (
    SpeechStarted | ClearPlayback | TurnEnded | SpeechDiscarded | DigitsEntered | Reprompt | HangUp
)
