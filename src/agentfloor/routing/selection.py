"""Worker selection: the order in which a queue's free, eligible workers are offered its tasks.

Each strategy becomes a sort key, so that a queue keeps its free workers in a sorted list and the
best one is the first that fits (see `routing.matching`). The keys follow what operators know
from Twilio TaskRouter and Amazon Connect:

- longest idle (the default): the worker free the longest comes first. "Idle since" is the later
  of the worker's last activity change and the end of its last task (the end of wrap-up), so a
  worker who just finished goes to the back of the line.
  Key: `(idle_since, seq, worker_id)`.
- most skilled: the highest `worker.levels.<queue.skill>` first (a missing or non-numeric level
  counts as lowest); ties go to the longest idle. Key: `(-level, idle_since, seq, worker_id)`.
- least occupied: the fewest tasks in hand (reserved, assigned or wrapping, across channels)
  first; ties go to the longest idle. Use it to spread chats evenly over multi-chat workers.
  Key: `(held, idle_since, seq, worker_id)`.

Every key ends with the worker's registration sequence number and id, so no two workers tie.
`routing.matching` builds these tuples inline on its hot path (one shared longest-idle key per
worker, one most-skilled key per queue with the level looked up when the worker joined the
queue); `selection_key` is the reference definition they must agree with.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import IntEnum
from typing import Any

from agentfloor.routing.model import Queue, SelectionStrategy

__all__ = ["KeyKind", "key_kind", "selection_key", "skill_level"]


class KeyKind(IntEnum):
    """The shape of a queue's selection key: what, besides idle time, it sorts by first."""

    LONGEST_IDLE = 0  # (idle_since, seq, worker_id)
    MOST_SKILLED = 1  # (-level, idle_since, seq, worker_id): the level is fixed per worker/queue
    LEAST_OCCUPIED = 2  # (held, idle_since, seq, worker_id): changes with every offer


def key_kind(queue: Queue) -> KeyKind:
    """Return the key shape of the queue's strategy."""
    if queue.strategy == SelectionStrategy.LEAST_OCCUPIED:
        return KeyKind.LEAST_OCCUPIED
    if queue.strategy == SelectionStrategy.MOST_SKILLED:
        return KeyKind.MOST_SKILLED
    return KeyKind.LONGEST_IDLE


def skill_level(attributes: Mapping[str, Any], skill: str | None) -> float:
    """Return `attributes["levels"][skill]` as a number, or -inf when missing or not a number."""
    levels = attributes.get("levels")
    if skill is None or not isinstance(levels, Mapping):
        return -math.inf
    value = levels.get(skill)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return -math.inf
    return float(value)


def selection_key(
    queue: Queue,
    idle_since: float,
    held: int,
    attributes: Mapping[str, Any],
    seq: int,
    worker_id: str,
) -> tuple[Any, ...]:
    """Return the sort key of a worker in the queue (lower sorts first, is offered first)."""
    kind = key_kind(queue)
    if kind == KeyKind.LEAST_OCCUPIED:
        return (held, idle_since, seq, worker_id)
    if kind == KeyKind.MOST_SKILLED:
        return (-skill_level(attributes, queue.skill), idle_since, seq, worker_id)
    return (idle_since, seq, worker_id)
