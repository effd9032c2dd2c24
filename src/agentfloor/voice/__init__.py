"""The voice channel's domain: turn-taking on a call and the speech ports it needs.

`turns` is a pure state machine (no clock, no I/O: `now` comes in) deciding when the caller
started and finished speaking, when to stop playback (barge-in), when keyed digits are complete
and when to re-prompt or hang up on silence. `speech` turns recognised words into the written
forms the NLU reads and says what recognition should expect; `language_model` writes a small
trigram model of a tenant's domain for the recogniser; `confirm` decides when a doubtful answer
is read back ("I heard X. Is that right?") and what the caller's yes or no means. `ports`
declares the engines the runtime plugs in (voice activity, speech to text one-shot or
streaming, text to speech); the offline ones live in `agentfloor.adapters.voice`.
"""

from __future__ import annotations

from agentfloor.voice.confirm import (
    AnswerAccepted,
    AnswerReplaced,
    AskAgain,
    ConfirmDecision,
    PendingConfirmation,
    QuestionRepeated,
    answer_confirmation,
    confirm_prompt,
    needs_confirmation,
    read_yes_no,
)
from agentfloor.voice.language_model import sentence_words, trigram_arpa
from agentfloor.voice.model import (
    SAMPLE_RATE_HZ,
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
from agentfloor.voice.ports import (
    BufferedRecognition,
    RecognitionStream,
    SpeechToText,
    TextToSpeech,
    VoiceActivity,
)
from agentfloor.voice.speech import (
    YES_NO_PHRASES,
    block_hints,
    hints_for,
    order_id_grammar,
    phrase_grammar,
    slot_hints,
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
    "AnswerAccepted",
    "AnswerReplaced",
    "AskAgain",
    "BufferedRecognition",
    "ClearPlayback",
    "ConfirmDecision",
    "Decision",
    "DigitsEntered",
    "HangUp",
    "PendingConfirmation",
    "QuestionRepeated",
    "RecognitionStream",
    "Reprompt",
    "SpeechDiscarded",
    "SpeechHints",
    "SpeechStarted",
    "SpeechToText",
    "TextToSpeech",
    "Transcript",
    "TurnConfig",
    "TurnEnded",
    "TurnState",
    "VoiceActivity",
    "answer_confirmation",
    "begin_turns",
    "block_hints",
    "confirm_prompt",
    "hear_frame",
    "hints_for",
    "is_playing",
    "mark_played",
    "needs_confirmation",
    "order_id_grammar",
    "phrase_grammar",
    "playback_cleared",
    "playback_queued",
    "press_key",
    "read_yes_no",
    "sentence_words",
    "set_busy",
    "slot_hints",
    "spoken_form",
    "tick",
    "trigram_arpa",
    "written_form",
]
