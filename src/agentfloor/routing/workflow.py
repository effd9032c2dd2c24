"""Workflows: ordered filters that send a task to a list of targets, with escalation on timeout.

Modelled on Twilio TaskRouter's workflow configuration: the first filter whose expression matches
the task's attributes gives the targets; the task waits at each target for its `timeout_s`, then
moves to the next; with no filter matching, the default target takes it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Filter", "Target", "Workflow"]


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
