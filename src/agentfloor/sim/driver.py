"""The simulator's side of "one engine, two clocks": a `RoutingEngine` driven in virtual time.

`EngineDriver` holds the engine and a virtual `now`. `advance(t)` moves time forward, firing the
engine's timers (offer timeouts, wrap-up ends, escalations, cool-downs) at their due times on the
way, exactly as the live runtime's timer loop does at `next_deadline()`; the commands (submit,
accept, reject, complete, cancel, set_activity...) are the engine's, at `now`. Every event goes
to `log` in the order the engine returned it, then to an optional `on_events` hook (the
simulation loop, a subclass, reacts in its own `_record` instead: accepts offers, schedules
completions); events a reaction causes (an offer accepted at once) are logged after the events
that caused them.

The driver knows each task's pending offer, so a script can say "the worker accepts task T"
without knowing reservation ids, which differ between two runs (the live runtime's ids come from
the wall clock). The integration test feeds the same script to this driver and to the live
`RouterService` and compares the decisions.
"""

from __future__ import annotations

from collections.abc import Callable

from agentfloor.routing.engine import RoutingEngine
from agentfloor.routing.model import Queue, RoutingEvent, Task, Worker

__all__ = ["EngineDriver", "SequentialIds"]

_CLOSED_OFFERS = frozenset(
    {
        "reservation.accepted",
        "reservation.rejected",
        "reservation.timed_out",
        "reservation.canceled",
    }
)


class SequentialIds:
    """Ids `prefix_00000001`, `prefix_00000002`...: reproducible, cheap, ordered.

    A simulation needs ids that a seed reproduces and that cost nothing; it does not need the
    ULID layout's wall-clock ordering (virtual time is ordered by the event log).
    """

    def __init__(self) -> None:
        self._n = 0

    def new(self, prefix: str) -> str:
        """Return the next id with this prefix."""
        self._n += 1
        return f"{prefix}_{self._n:08d}"


class EngineDriver:
    """A routing engine, a virtual clock and the log of every event; see the module docstring."""

    def __init__(
        self,
        engine: RoutingEngine,
        start_s: float,
        *,
        on_events: Callable[[list[RoutingEvent]], None] | None = None,
        track_offers: bool = True,
    ) -> None:
        self.engine = engine
        self.now = start_s
        self.log: list[RoutingEvent] = []
        self.offers: dict[str, str] = {}  # task id -> its pending reservation id
        self._on_events = on_events
        self._track_offers = track_offers

    # --- time ------------------------------------------------------------------------------------

    def advance(self, until_s: float) -> None:
        """Move to `until_s`, firing every engine timer due by then at its due time."""
        if until_s < self.now:
            raise ValueError(f"virtual time cannot go back ({until_s} < {self.now})")
        engine = self.engine
        while (due := engine.next_deadline()) is not None and due <= until_s:
            self.now = max(self.now, due)
            self._record(engine.tick(self.now))
        self.now = until_s

    def next_deadline(self) -> float | None:
        """When the engine's next timer is due, or None."""
        return self.engine.next_deadline()

    def fire_timers(self) -> None:
        """Fire the engine's timers due by `now` (the loop calls it at `next_deadline()`)."""
        self._record(self.engine.tick(self.now))

    # --- set-up ----------------------------------------------------------------------------------

    def put_queue(self, queue: Queue) -> list[RoutingEvent]:
        """Add or replace a queue."""
        return self._record(self.engine.put_queue(queue, self.now))

    def put_worker(self, worker: Worker) -> list[RoutingEvent]:
        """Add or update a worker."""
        return self._record(self.engine.put_worker(worker, self.now))

    def set_activity(self, worker_id: str, activity: str) -> list[RoutingEvent]:
        """Change a worker's activity (log in: `available`, log out: `offline`)."""
        return self._record(self.engine.set_activity(worker_id, activity, self.now))

    # --- tasks -----------------------------------------------------------------------------------

    def submit(self, task: Task) -> list[RoutingEvent]:
        """Route a new task."""
        return self._record(self.engine.submit(task, self.now))

    def accept(self, task_id: str) -> list[RoutingEvent]:
        """Accept the offer of `task_id` (as the worker it was offered to)."""
        return self._record(self.engine.accept(self.offers[task_id], self.now))

    def accept_reservation(self, reservation_id: str) -> list[RoutingEvent]:
        """Accept an offer by its reservation id."""
        return self._record(self.engine.accept(reservation_id, self.now))

    def reject(self, task_id: str, *, activity: str | None = None) -> list[RoutingEvent]:
        """Reject the offer of `task_id` (as the worker it was offered to)."""
        reservation_id = self.offers[task_id]
        return self._record(self.engine.reject(reservation_id, self.now, activity=activity))

    def complete(self, task_id: str) -> list[RoutingEvent]:
        """Complete `task_id` (wrap-up follows if the queue has one)."""
        return self._record(self.engine.complete(task_id, self.now))

    def cancel(self, task_id: str, *, abandoned: bool = False) -> list[RoutingEvent]:
        """Withdraw a waiting or offered task; `abandoned`: the customer hung up."""
        return self._record(self.engine.cancel(task_id, self.now, abandoned=abandoned))

    def request_callback(self, task_id: str) -> list[RoutingEvent]:
        """Turn a waiting call into a callback that keeps its place."""
        return self._record(self.engine.request_callback(task_id, self.now))

    # --- internals --------------------------------------------------------------------------------

    def _record(self, events: list[RoutingEvent]) -> list[RoutingEvent]:
        if self._track_offers:
            offers = self.offers
            for event in events:
                kind = event.type
                if kind == "reservation.created":
                    offers[event.task_id or ""] = event.reservation_id or ""  # names both
                elif kind in _CLOSED_OFFERS:
                    offers.pop(event.task_id or "", None)
        self.log += events  # before the hook: events it causes come after these
        if self._on_events is not None:
            self._on_events(events)
        return events
