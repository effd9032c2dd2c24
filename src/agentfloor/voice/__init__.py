"""The voice channel's domain: turn-taking on a call and the speech ports it needs.

`turns` is a pure state machine (no clock, no I/O: `now` comes in) deciding when the caller
started and finished speaking, when to stop playback (barge-in), when keyed digits are complete
and when to re-prompt or hang up on silence. `speech` turns recognised words into the written
forms the NLU reads and says what recognition should expect; `language_model` writes a small
trigram model of a tenant's domain for the recogniser. `ports` declares the engines the
runtime plugs in (voice activity, speech to text, text to speech); the offline ones live in
`agentfloor.adapters.voice`.
"""

from __future__ import annotations

from agentfloor.voice.language_model import sentence_words, trigram_arpa
from agentfloor.voice.model import (
    SAMPLE_RATE_HZ,
    SAMPLES_PER_FRAME,
    ClearPlayback,
    Decision,
    DigitsEntered,
    HangUp,
    Reprompt,
    SpeechHints,
    SpeechStarted,
    Transcript,
    TurnConfig,
    TurnEnded,
)
from agentfloor.voice.ports import SpeechToText, TextToSpeech, VoiceActivity
from agentfloor.voice.speech import (
    YES_NO_PHRASES,
    hints_for,
    order_id_grammar,
    phrase_grammar,
    spoken_form,
    written_form,
)
from agentfloor.voice.turns import (
    TurnState,
    begin_turns,
    hear_frame,
    is_playing,
    mark_played,
    playback_cleared,
    playback_queued,
    press_key,
    set_busy,
    tick,
)

__all__ = [
    "SAMPLES_PER_FRAME",
    "SAMPLE_RATE_HZ",
    "YES_NO_PHRASES",
    "ClearPlayback",
    "Decision",
    "DigitsEntered",
    "HangUp",
    "Reprompt",
    "SpeechHints",
    "SpeechStarted",
    "SpeechToText",
    "TextToSpeech",
    "Transcript",
    "TurnConfig",
    "TurnEnded",
    "TurnState",
    "VoiceActivity",
    "begin_turns",
    "hear_frame",
    "hints_for",
    "is_playing",
    "mark_played",
    "order_id_grammar",
    "phrase_grammar",
    "playback_cleared",
    "playback_queued",
    "press_key",
    "sentence_words",
    "set_busy",
    "spoken_form",
    "tick",
    "trigram_arpa",
    "written_form",
]
