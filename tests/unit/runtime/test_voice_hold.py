"""Hold music and the words a waiting caller hears."""

from __future__ import annotations

import numpy as np
import pytest

from agentfloor.runtime.voice_hold import QueueSpot, announcement, hold_music


def samples() -> np.ndarray:
    return np.frombuffer(hold_music(), "<i2").astype(np.float64)


def test_hold_music_is_a_soft_loop_of_whole_frames() -> None:
    music = samples()
    assert len(music) == 9.6 * 8000 and len(hold_music()) % 320 == 0  # 20 ms frames
    assert np.abs(music).max() < 0.2 * 32768  # under speech level
    assert np.sqrt(np.mean(music**2)) > 0.02 * 32768  # but clearly there
    # the loop joins without a click: it starts and ends near silence
    assert np.abs(music[:8]).max() < 500 and np.abs(music[-8:]).max() < 500


def test_hold_music_is_tones_in_the_telephone_band() -> None:
    spectrum = np.abs(np.fft.rfft(samples()))
    hz = np.fft.rfftfreq(len(samples()), 1 / 8000)
    energy = spectrum**2
    in_band = energy[(hz >= 60) & (hz <= 1800)].sum()
    assert in_band / energy.sum() > 0.95


def test_hold_music_is_made_once() -> None:
    assert hold_music() is hold_music()


@pytest.mark.parametrize(
    ("spot", "words"),
    [
        (QueueSpot(1, 20.0, "q"), "number 1 in the queue. Your estimated wait is about 1 minute."),
        (
            QueueSpot(3, 150.0, "q"),
            "number 3 in the queue. Your estimated wait is about 3 minutes.",
        ),
        (QueueSpot(2, 0.0, "q"), "about 1 minute."),
    ],
    ids=["under-a-minute", "rounded-up", "never-zero"],
)
def test_the_announcement_gives_place_and_whole_minutes(spot: QueueSpot, words: str) -> None:
    assert words in announcement(spot)
