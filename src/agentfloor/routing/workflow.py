"""Workflows: ordered filters that send a task to a list of targets, with escalation on timeout.

Modelled on Twilio TaskRouter's workflow configuration: the first filter whose expression matches
the task's attributes gives the targets; the task waits at each target for its `timeout_s`, then
moves to the next; with no filter matching, the default target takes it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = ["Filter", "Target", "Workflow", "target_from_dict", "target_to_dict"]


@dataclass(frozen=True, slots=True)
class Target:
    """One place a task may wait: a queue, optionally narrowed to some of its workers.

    `worker_expression` is evaluated per task and worker (it may read `task.*`); `priority`, when
    set, replaces the task's priority while it waits here; `timeout_s` None means wait forever.
    """

    queue_id: str
    worker_expression: str = ""
    priority: int | None = None
    timeout_s: float | None = None


@dataclass(frozen=True, slots=True)
class Filter:
    """Tasks whose attributes match `expression` (reading `task.*`) go to `targets` in order."""

    name: str
    expression: str
    targets: tuple[Target, ...]


@dataclass(frozen=True, slots=True)
class Workflow:
    """A tenant's routing rules: filters tried in order, then `default_target`."""

    id: str
    tenant_id: str
    name: str
    filters: tuple[Filter, ...]
    created_at: float
    updated_at: float
    default_target: Target | None = None
    description: str = ""


def target_to_dict(target: Target) -> dict[str, Any]:
    """Return a target as a JSON-ready dict (storage and API share this shape)."""
    return dataclasses.asdict(target)


def target_from_dict(data: dict[str, Any]) -> Target:
    """Return the target a JSON-ready dict describes (missing optional fields take defaults)."""
    return Target(
        queue_id=str(data["queue_id"]),
        worker_expression=str(data.get("worker_expression") or ""),
        priority=data.get("priority"),
        timeout_s=data.get("timeout_s"),
    )
