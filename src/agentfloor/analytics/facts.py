"""The fold: log entries to per-task, per-contact and per-worker facts the KPIs count.

One pass over the entries in time order builds three kinds of fact:

- `TaskFacts`, one per routed task: when it was offered (first queued), answered (assigned) or
  abandoned, its wait, talk, hold and wrap-up, whether it was transferred, and the queue (the one
  that finished it: escalation moves a task on), channel, worker, customer and reason.
- `ContactFacts`, one per contact (the interaction; a task with no interaction is a contact of
  its own): start, customer, reason, whether it was handled (answered by a worker or contained by
  the AI), the AI outcome, survey scores, lead qualification, sale dispositions.
- `WorkerSpan`s: each worker's activities over time (from `worker.activity_changed`) and the time
  they held at least one task (assigned to completed, so wrap-up counts as busy).

Facts keep open ends as None (an activity before the first change we saw, a task not finished
yet); the report clips them to its range. Why a fold of our own rather than pandas: the input is a
few event types with per-task state, the output must be exact and identical in the live API, the
reports and the simulator, and plain Python keeps `analytics` free of heavy imports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from agentfloor.analytics.model import LogEntry

__all__ = ["ContactFacts", "Facts", "TaskFacts", "WorkerSpan", "fold"]


@dataclass(slots=True)
class TaskFacts:
    """What happened to one routed task (mutable while folding; read-only afterwards)."""

    task_id: str
    offered_at: float
    contact_id: str
    queue_id: str | None = None
    channel: str | None = None
    worker_id: str | None = None
    answered_at: float | None = None
    wait_s: float | None = None
    abandoned_at: float | None = None
    canceled_at: float | None = None
    completed_at: float | None = None
    talk_s: float | None = None
    hold_s: float = 0.0
    wrapup_s: float | None = None
    transferred: bool = False
    consult_of: str | None = None  # a consult (warm transfer) for this task: not a contact's

    @property
    def handle_s(self) -> float | None:
        """Talk plus hold plus wrap-up, once completed."""
        if self.completed_at is None or self.talk_s is None:
            return None
        return self.talk_s + self.hold_s + (self.wrapup_s or 0.0)


@dataclass(slots=True)
class ContactFacts:
    """What happened in one contact (an interaction, or a task that has none)."""

    contact_id: str
    started_at: float
    channel: str | None = None
    customer_id: str | None = None
    reason: str | None = None
    queue_id: str | None = None
    worker_id: str | None = None
    answered_at: float | None = None
    ai_outcome: str | None = None
    csat: list[float] = field(default_factory=list)
    nps: list[float] = field(default_factory=list)
    lead_at: float | None = None
    dispositions: list[tuple[float, str]] = field(default_factory=list)  # (at, code)

    @property
    def handled(self) -> bool:
        """Served by someone: answered by a worker, or resolved by the AI."""
        return self.answered_at is not None or self.ai_outcome == "contained"


@dataclass(frozen=True, slots=True)
class WorkerSpan:
    """A stretch of a worker's time: in `activity`, or busy with a task (`activity` None).

    `start` None: since before the log began; `end` None: still going at the end of the log.
    """

    worker_id: str
    start: float | None
    end: float | None
    activity: str | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the KPIs count, from one fold."""

    tasks: tuple[TaskFacts, ...]
    contacts: tuple[ContactFacts, ...]
    activities: tuple[WorkerSpan, ...]
    busy: tuple[WorkerSpan, ...]


def _num(data: Any, key: str) -> float | None:
    """Return a number from event data; JSON logs may carry one as text ("4")."""
    value = data.get(key) if hasattr(data, "get") else None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None  # booleans are not scores; NaN is no number
    return float(value)


class _Folder:
    def __init__(self) -> None:
        self.tasks: dict[str, TaskFacts] = {}
        self.contacts: dict[str, ContactFacts] = {}
        self.contact_tasks: dict[str, list[TaskFacts]] = {}
        self.activity: dict[str, tuple[float | None, str]] = {}  # worker -> (since, activity)
        self.activities: list[WorkerSpan] = []
        self.busy_since: dict[str, float] = {}  # task -> assigned at
        self.busy: list[WorkerSpan] = []

    def contact(self, entry: LogEntry, contact_id: str) -> ContactFacts:
        contact = self.contacts.get(contact_id)
        if contact is None:
            contact = self.contacts[contact_id] = ContactFacts(contact_id, entry.at)
        contact.channel = contact.channel or entry.channel or entry.data.get("channel")
        contact.queue_id = contact.queue_id or entry.queue_id
        contact.customer_id = entry.customer_id or contact.customer_id
        contact.reason = entry.reason or contact.reason
        return contact

    def task(self, entry: LogEntry, task_id: str) -> TaskFacts:
        facts = self.tasks.get(task_id)
        if facts is None:
            facts = self.new_task(entry, task_id)
        if entry.queue_id is not None:
            facts.queue_id = entry.queue_id
        # The hot path: most entries add nothing about the contact, so touch it only if needed.
        if facts.channel is None or entry.customer_id or entry.reason:
            facts.channel = facts.channel or entry.channel or entry.data.get("channel")
            contact = self.contact(entry, facts.contact_id)
            contact.queue_id = contact.queue_id or facts.queue_id
            contact.channel = contact.channel or facts.channel
        return facts

    def new_task(self, entry: LogEntry, task_id: str) -> TaskFacts:
        contact_id = entry.interaction_id or task_id
        offered_at = entry.at
        wait = _num(entry.data, "wait_s")
        if entry.type != "task.queued" and wait is not None:
            offered_at = entry.at - wait  # queued before the log we were given
        facts = self.tasks[task_id] = TaskFacts(task_id, offered_at, contact_id, entry.queue_id)
        earlier = self.contact_tasks.setdefault(contact_id, [])
        consult_of = entry.data.get("consult_of")
        if isinstance(consult_of, str):
            # a worker asking another while keeping the caller: a transfer only if handed over
            facts.consult_of = consult_of
        else:
            for other in earlier:  # a new task of a contact a worker already had: a transfer
                if other.answered_at is not None:
                    other.transferred = True
        earlier.append(facts)
        contact = self.contact(entry, contact_id)
        contact.started_at = min(contact.started_at, offered_at)
        contact.queue_id = contact.queue_id or entry.queue_id
        return facts

    def add(self, entry: LogEntry) -> None:
        kind = entry.type
        if kind == "worker.activity_changed":
            self.activity_changed(entry)
        elif entry.task_id is not None and kind.startswith(("task.", "reservation.")):
            self.task_event(entry, self.task(entry, entry.task_id))
        elif entry.interaction_id is not None:
            self.contact_event(entry, self.contact(entry, entry.interaction_id))

    def task_event(self, entry: LogEntry, task: TaskFacts) -> None:
        kind, data, at = entry.type, entry.data, entry.at
        if kind == "task.assigned" and task.answered_at is None:
            task.answered_at = at
            task.worker_id = entry.worker_id
            wait = _num(data, "wait_s")
            task.wait_s = wait if wait is not None else at - task.offered_at
            if entry.worker_id is not None:
                self.busy_since[task.task_id] = at
            contact = self.contacts[task.contact_id]
            if contact.answered_at is None:
                contact.answered_at, contact.worker_id = at, entry.worker_id
        elif kind == "task.abandoned":
            task.abandoned_at = at
            wait = _num(data, "wait_s")
            task.wait_s = wait if wait is not None else at - task.offered_at
        elif kind == "task.canceled":
            task.canceled_at = at
        elif kind in ("task.wrapping", "task.completed"):
            talk, hold = _num(data, "talk_s"), _num(data, "hold_s")
            task.talk_s = talk if talk is not None else task.talk_s
            task.hold_s = hold if hold is not None else task.hold_s
            task.wrapup_s = _num(data, "wrapup_s")
            if data.get("transferred"):
                task.transferred = True
            if kind == "task.completed":
                task.completed_at = at
                if self._handed_over(task):
                    task.transferred = True
                if task.talk_s is not None and task.hold_s:
                    # Engine talk time runs from answer to completion; hold is inside it.
                    task.talk_s = max(0.0, task.talk_s - task.hold_s)
                self.end_busy(task, at)
        elif kind == "task.transferred":
            task.transferred = True

    def _handed_over(self, task: TaskFacts) -> bool:
        """Tell whether a consult for `task` is answered and still on as `task` completes.

        That is a warm transfer handed over, or a conference the first worker left; a
        cancelled consult ends before the task it consulted for.
        """
        return any(
            other.consult_of == task.task_id
            and other.answered_at is not None
            and other.completed_at is None
            for other in self.contact_tasks.get(task.contact_id, ())
        )

    def end_busy(self, task: TaskFacts, at: float) -> None:
        since = self.busy_since.pop(task.task_id, None)
        if since is not None and task.worker_id is not None:
            self.busy.append(WorkerSpan(task.worker_id, since, at))

    def activity_changed(self, entry: LogEntry) -> None:
        worker_id = entry.worker_id
        activity = entry.data.get("activity")
        if worker_id is None or not isinstance(activity, str):
            return
        since, current = self.activity.get(worker_id, (None, entry.data.get("previous")))
        if isinstance(current, str) and current != activity:
            self.activities.append(WorkerSpan(worker_id, since, entry.at, current))
        if current != activity:
            self.activity[worker_id] = (entry.at, activity)

    def contact_event(self, entry: LogEntry, contact: ContactFacts) -> None:
        kind, data = entry.type, entry.data
        if kind in ("interaction.created", "interaction.updated"):
            customer, reason = data.get("customer_id"), data.get("reason")
            contact.customer_id = customer if isinstance(customer, str) else contact.customer_id
            contact.reason = reason if isinstance(reason, str) else contact.reason
        elif kind == "ai.outcome":
            outcome = data.get("outcome")
            contact.ai_outcome = outcome if isinstance(outcome, str) else contact.ai_outcome
        elif kind == "survey.answered":
            csat, nps = _num(data, "score"), _num(data, "nps")
            if csat is not None:
                contact.csat.append(csat)
            if nps is not None:
                contact.nps.append(nps)
        elif kind == "lead.qualified":
            contact.lead_at = entry.at if contact.lead_at is None else contact.lead_at
        elif kind == "interaction.dispositioned":
            code = data.get("code")
            if isinstance(code, str):
                contact.dispositions.append((entry.at, code))

    def finish(self) -> Facts:
        activities = list(self.activities)
        for worker_id, (since, activity) in self.activity.items():
            activities.append(WorkerSpan(worker_id, since, None, activity))
        busy = list(self.busy)
        for task_id, since in self.busy_since.items():
            holder = self.tasks[task_id].worker_id
            if holder is not None:
                busy.append(WorkerSpan(holder, since, None))
        return Facts(
            tuple(self.tasks.values()),
            tuple(self.contacts.values()),
            tuple(activities),
            tuple(busy),
        )


def fold(entries: Iterable[LogEntry]) -> Facts:
    """Return the facts of a log (entries in any order: sorted by time, stably, first)."""
    folder = _Folder()
    for entry in sorted(entries, key=lambda e: e.at):
        folder.add(entry)
    return folder.finish()
