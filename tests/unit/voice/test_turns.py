"""Turn-taking: speech start and end of turn, barge-in, marks, DTMF, re-prompts (virtual time)."""

from __future__ import annotations

from agentfloor.voice import (
    ClearPlayback,
    DigitsEntered,
    HangUp,
    Reprompt,
    SpeechDiscarded,
    SpeechStarted,
    TurnConfig,
    TurnEnded,
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
from agentfloor.voice.model import Decision

CONFIG = TurnConfig(speech_start_ms=60, end_silence_ms=200, min_speech_ms=100)


def feed(
    state: TurnState, pattern: str, now: float = 0.0, config: TurnConfig = CONFIG
) -> tuple[TurnState, list[Decision], float]:
    """Feed frames: 's' speech, '.' silence, 20 ms apart from `now`."""
    decisions: list[Decision] = []
    for ch in pattern:
        state, out = hear_frame(state, ch == "s", now, config)
        decisions.extend(out)
        now += 0.02
    return state, decisions, now


def test_speech_then_silence_is_one_turn() -> None:
    state, decisions, _ = feed(begin_turns(0.0), "...ssssssss..........")
    assert decisions[0] == SpeechStarted(first_frame=3)
    ended = [d for d in decisions if isinstance(d, TurnEnded)]
    assert ended == [TurnEnded(3, 20, speech_ms=160, silence_ms=200)]
    assert state.turn_first is None


def test_a_short_pause_inside_an_utterance_does_not_end_the_turn() -> None:
    _, decisions, _ = feed(begin_turns(0.0), "sssss....sssss..........")
    assert len([d for d in decisions if isinstance(d, TurnEnded)]) == 1


def test_a_click_is_not_a_turn() -> None:
    state, decisions, _ = feed(begin_turns(0.0), "..s.ss....sss..........", config=CONFIG)
    assert not [d for d in decisions if isinstance(d, TurnEnded)]  # 3 frames = 60 ms < 100 ms
    # the runtime is told, so it can drop what it started recognising
    assert decisions == [SpeechStarted(first_frame=10), SpeechDiscarded(first_frame=10)]
    assert state.turn_first is None


def test_the_default_end_of_turn_outlasts_a_spelled_number_pause() -> None:
    # "O R D, seven four two nine one three": the comma is a 260 ms pause to the gated VAD
    config = TurnConfig()
    pause = "." * (260 // 20)
    rest = "." * (config.end_silence_ms // 20)
    _, decisions, _ = feed(begin_turns(0.0), "s" * 30 + pause + "s" * 60 + rest, config=config)
    ended = [d for d in decisions if isinstance(d, TurnEnded)]
    assert ended == [TurnEnded(0, 30 + 13 + 60 + 18 - 1, speech_ms=1800, silence_ms=360)]


def test_speech_over_playback_clears_it_and_lists_the_dropped_marks() -> None:
    state = playback_queued(playback_queued(begin_turns(0.0), "say-1"), "say-2")
    state = mark_played(state, "say-1", 1.0)
    assert is_playing(state)
    _, decisions, _ = feed(state, "..sss")
    assert ClearPlayback(unplayed=("say-2",)) in decisions


def test_marks_are_played_in_order_and_unknown_marks_are_ignored() -> None:
    state = begin_turns(0.0)
    for name in ("a", "b", "c"):
        state = playback_queued(state, name)
    state = mark_played(state, "b", 2.0)  # reaching b means a was played too
    assert state.pending == ("c",)
    assert mark_played(state, "zzz", 3.0) == state
    state = mark_played(state, "c", 4.0)
    assert not is_playing(state) and state.quiet_since == 4.0
    assert playback_cleared(playback_queued(state, "d"), 5.0).pending == ()


def test_digits_end_on_hash_or_after_a_pause() -> None:
    state = begin_turns(0.0)
    state, out = press_key(state, "4", 1.0, CONFIG)
    state, out = press_key(state, "2", 1.2, CONFIG)
    assert out == ()
    state, out = press_key(state, "#", 1.4, CONFIG)
    assert out == (DigitsEntered("42"),)
    state, _ = press_key(state, "1", 2.0, CONFIG)
    state, out = tick(state, 2.0 + CONFIG.digit_gap_s - 0.01, CONFIG)
    assert out == ()
    state, out = tick(state, 2.0 + CONFIG.digit_gap_s, CONFIG)
    assert out == (DigitsEntered("1"),)


def test_a_key_over_playback_barges_in() -> None:
    state = playback_queued(begin_turns(0.0), "say-1")
    _, out = press_key(state, "1", 1.0, CONFIG)
    assert out[0] == ClearPlayback(("say-1",))


def test_silence_reprompts_then_hangs_up() -> None:
    config = TurnConfig(reprompt_after_s=5.0, max_reprompts=2)
    state = begin_turns(0.0)
    state, out = tick(state, 4.9, config)
    assert out == ()
    state, out = tick(state, 5.0, config)
    assert out == (Reprompt(1),)
    state, out = tick(state, 10.0, config)
    assert out == (Reprompt(2),)
    state, out = tick(state, 15.0, config)
    assert out == (HangUp("silence"),)


def test_no_reprompt_while_the_bot_is_busy_or_playing() -> None:
    config = TurnConfig(reprompt_after_s=5.0)
    busy = set_busy(begin_turns(0.0), True, 0.0)
    assert tick(busy, 60.0, config)[1] == ()
    playing = playback_queued(begin_turns(0.0), "say-1")
    assert tick(playing, 60.0, config)[1] == ()


def test_speaking_resets_the_reprompt_count() -> None:
    config = TurnConfig(reprompt_after_s=5.0, speech_start_ms=60, end_silence_ms=200)
    state, _ = tick(begin_turns(0.0), 5.0, config)
    assert state.reprompts == 1
    state, _, _ = feed(state, "sss", 6.0, config)
    assert state.reprompts == 0


def test_a_very_long_turn_is_cut() -> None:
    config = TurnConfig(speech_start_ms=60, max_turn_s=1.0, min_speech_ms=100)
    _, decisions, _ = feed(begin_turns(0.0), "s" * 60, config=config)
    assert next(d for d in decisions if isinstance(d, TurnEnded)).last_frame == 49
