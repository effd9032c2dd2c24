"""What a caller hears while waiting for a person: hold music and their place in the queue.

`hold_music` is a soft loop synthesised here (sine tones with a little second harmonic, an
exponential decay per note, a quiet bass note per bar: a I-vi-IV-V arpeggio in C), so nothing is
downloaded and the loop is the same on every machine. It is 8 kHz PCM16, the call's format.

`queue_spot` reads where the call's task waits: its position in the queue's waiting order (the
router engine's `waiting`) and an estimated wait. The estimate is the simple one a person would
make: the callers ahead (and this one) times today's average handle time on the queue, shared
among the workers eligible for it, `ewt = position * aht / max(1, eligible)`; with no call
handled today the handle time is taken as `DEFAULT_AHT_S`. It ignores workers already free (a
free worker would have been offered the task) and the ones busy on other queues, so it errs
long, which is the side callers forgive.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Final

import numpy as np

from agentfloor.core.errors import NotFound
from agentfloor.routing.model import TaskState
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.queue_stats import queue_day
from agentfloor.runtime.router import RouterService

__all__ = [
    "DEFAULT_AHT_S",
    "QueueSpot",
    "announcement",
    "hold_music",
    "queue_spot",
]

DEFAULT_AHT_S: Final = 180.0  # a typical inbound call, when the queue handled none today
_RATE: Final = 8000
_NOTE_S: Final = 0.3
_PEAK: Final = 0.18  # of full scale: soft, under the level of speech
# I-vi-IV-V in C, two octaves of arpeggio per bar (MIDI note numbers)
_BARS: Final = (
    (60, 64, 67, 72, 76, 72, 67, 64),
    (57, 60, 64, 69, 72, 69, 64, 60),
    (53, 57, 60, 65, 69, 65, 60, 57),
    (55, 59, 62, 67, 71, 67, 62, 59),
)


@dataclass(frozen=True, slots=True)
class QueueSpot:
    """Where a waiting call is: 1 is next; `ewt_s` is the estimated wait in seconds."""

    position: int
    ewt_s: float
    queue_id: str


def _hz(midi: int) -> float:
    return float(440.0 * 2.0 ** ((midi - 69) / 12))


def _tone(hz: float, seconds: float, rate: int, decay: float) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    wave = np.sin(2 * np.pi * hz * t) + 0.3 * np.sin(4 * np.pi * hz * t)
    attack = np.minimum(1.0, t / 0.01)  # 10 ms: no click at the start of a note
    release = np.minimum(1.0, (seconds - t) / 0.02)  # nor at its end
    return np.asarray(wave * attack * release * np.exp(-decay * t) / 1.3)


@functools.cache
def hold_music(rate: int = _RATE) -> bytes:
    """Return one loop (9.6 s) of soft hold music as PCM16 mono at `rate`; seamless end to start."""
    bars = []
    for bar in _BARS:
        melody = np.concatenate([_tone(_hz(n), _NOTE_S, rate, 4.0) for n in bar])
        bass = _tone(_hz(bar[0] - 12), _NOTE_S * len(bar), rate, 0.6)
        bars.append(0.75 * melody + 0.35 * bass)
    loop = np.concatenate(bars) * _PEAK
    return bytes(np.clip(loop * 32767, -32768, 32767).astype("<i2").tobytes())


def queue_spot(
    ctx: ServiceContext, router: RouterService, tenant_id: str, task_id: str
) -> QueueSpot | None:
    """Return where the task waits in its queue, or None when it is not waiting (offered, gone)."""
    with router.lock(tenant_id):
        engine = router.engine(tenant_id)
        task = engine.task(task_id)
        if task is None or task.state is not TaskState.PENDING or task.queue_id is None:
            return None
        queue_id = task.queue_id
        ids = [t.id for t in engine.waiting(queue_id)]
    if task_id not in ids:
        return None
    position = ids.index(task_id) + 1
    try:
        day = queue_day(ctx, router, tenant_id, queue_id)
    except NotFound:
        return QueueSpot(position, position * DEFAULT_AHT_S, queue_id)
    aht = day.today.aht_s or DEFAULT_AHT_S
    eligible = max(1, day.now.workers_eligible)
    return QueueSpot(position, position * aht / eligible, queue_id)


def announcement(spot: QueueSpot) -> str:
    """Return what the caller is told: their place and the wait in whole minutes (at least one)."""
    minutes = max(1, math.ceil(spot.ewt_s / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return (
        f"Thank you for waiting. You are number {spot.position} in the queue. "
        f"Your estimated wait is about {minutes} {unit}."
    )
