"""Worker selection: the order in which a queue's free, eligible workers are offered its tasks.

Each strategy becomes a sort key, so that a queue keeps its free workers in a sorted list and the
best one is the first that fits (see `routing.matching`). The keys follow what operators know
from Twilio TaskRouter and Amazon Connect:

- longest idle (the default): the worker free the longest comes first. "Idle since" is the later
  of the worker's last activity change and the end of its last task (the end of wrap-up), so a
  worker who just finished goes to the back of the line.
- most skilled: the highest `worker.levels.<queue.skill>` first (a missing or non-numeric level
  counts as lowest); ties go to the longest idle.
- least occupied: the fewest tasks in hand (reserved, assigned or wrapping, across channels)
  first; ties go to the longest idle. Use it to spread chats evenly over multi-chat workers.

Every key ends with the worker's registration sequence number and id, so no two workers tie.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from agentfloor.routing.model import Queue, SelectionStrategy

__all__ = ["SelectionKey", "key_function", "skill_level"]

# (idle_since, tasks in hand, worker attributes, worker seq, worker id) -> sort key, lower first
SelectionKey: TypeAlias = Callable[[float, int, Mapping[str, Any], int, str], tuple[Any, ...]]


def skill_level(attributes: Mapping[str, Any], skill: str | None) -> float:
    """Return `attributes["levels"][skill]` as a number, or -inf when missing or not a number."""
    levels = attributes.get("levels")
    if skill is None or not isinstance(levels, Mapping):
        return -math.inf
    value = levels.get(skill)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return -math.inf
    return float(value)


def _longest_idle(
    idle_since: float, held: int, attributes: Mapping[str, Any], seq: int, worker_id: str
) -> tuple[Any, ...]:
    return (idle_since, seq, worker_id)


def _least_occupied(
    idle_since: float, held: int, attributes: Mapping[str, Any], seq: int, worker_id: str
) -> tuple[Any, ...]:
    return (held, idle_since, seq, worker_id)


def key_function(queue: Queue) -> SelectionKey:
    """Return the sort key of the queue's strategy (lower sorts first, is offered first)."""
    if queue.strategy == SelectionStrategy.LEAST_OCCUPIED:
        return _least_occupied
    if queue.strategy == SelectionStrategy.MOST_SKILLED:
        skill = queue.skill

        def most_skilled(
            idle_since: float, held: int, attributes: Mapping[str, Any], seq: int, worker_id: str
        ) -> tuple[Any, ...]:
            return (-skill_level(attributes, skill), idle_since, seq, worker_id)

        return most_skilled
    return _longest_idle
