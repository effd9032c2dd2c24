"""Builders of hand-made event logs: one call per thing that happened to a task or a contact."""

from __future__ import annotations

from typing import Any

from agentfloor.analytics import LogEntry

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z, a Thursday


def queued(
    task: str, at: float, *, queue: str = "q", channel: str = "voice", **kw: Any
) -> LogEntry:
    return LogEntry("task.queued", at, task, None, queue, {"channel": channel}, **kw)


def answered(
    task: str, at: float, wait_s: float, *, worker: str = "w1", queue: str = "q"
) -> LogEntry:
    return LogEntry("task.assigned", at, task, worker, queue, {"wait_s": wait_s})


def abandoned(task: str, at: float, wait_s: float, *, queue: str = "q") -> LogEntry:
    return LogEntry("task.abandoned", at, task, None, queue, {"wait_s": wait_s})


def completed(
    task: str,
    at: float,
    *,
    talk_s: float,
    wrapup_s: float = 0.0,
    worker: str = "w1",
    queue: str = "q",
    **data: Any,
) -> LogEntry:
    handle = {"talk_s": talk_s, "wrapup_s": wrapup_s, "handle_s": talk_s + wrapup_s, **data}
    return LogEntry("task.completed", at, task, worker, queue, handle)


def activity(worker: str, at: float, now: str, before: str) -> LogEntry:
    data = {"activity": now, "previous": before}
    return LogEntry("worker.activity_changed", at, None, worker, None, data)


def call(
    task: str,
    at: float,
    *,
    wait_s: float,
    talk_s: float = 0.0,
    wrapup_s: float = 0.0,
    worker: str = "w1",
    queue: str = "q",
    channel: str = "voice",
    **kw: Any,
) -> list[LogEntry]:
    """A task queued at `at`, answered after `wait_s`, completed after talk and wrap-up."""
    answer = at + wait_s
    return [
        queued(task, at, queue=queue, channel=channel, **kw),
        answered(task, answer, wait_s, worker=worker, queue=queue),
        completed(
            task,
            answer + talk_s + wrapup_s,
            talk_s=talk_s,
            wrapup_s=wrapup_s,
            worker=worker,
            queue=queue,
        ),
    ]


def contact_event(kind: str, interaction: str, at: float, **data: Any) -> LogEntry:
    return LogEntry(kind, at, data=data, interaction_id=interaction)
