"""Staffing plans: which simulated worker is logged in when, from a table, a constant or a roster.

Every group becomes individual workers with login sessions (seconds from the start). From an
interval table, worker j of a group is logged in during the intervals whose count exceeds j
(consecutive intervals merge into one session), so staffing changes log the highest-numbered
workers in or out; the last interval's staffing holds after the horizon, so the calls that
arrived are still answered (the run drains). A roster's shifts log workers in and out as
written. A worker logged out while holding tasks finishes them (the router keeps accepted tasks
with their worker) and gets no new ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from agentfloor.sim.scenario import Scenario
from agentfloor.sim.spec import ConstantStaffing, RosterStaffing, TableStaffing, WorkerGroup

__all__ = ["WorkerPlan", "plan_workers"]


@dataclass(frozen=True, slots=True)
class WorkerPlan:
    """One simulated worker: its id, group and login sessions `(login_s, logout_s)`."""

    id: str
    group: int
    sessions: tuple[tuple[float, float], ...]


def plan_workers(scenario: Scenario) -> list[WorkerPlan]:
    """Return every simulated worker with its sessions (logout inf: stays logged in)."""
    plans: list[WorkerPlan] = []
    for g, group in enumerate(scenario.workers):
        for j, sessions in enumerate(_sessions(scenario, group)):
            if sessions:
                plans.append(WorkerPlan(f"wrk_{group.name}_{j + 1:04d}", g, sessions))
    return plans


def _sessions(scenario: Scenario, group: WorkerGroup) -> list[tuple[tuple[float, float], ...]]:
    staffing = group.staffing
    if isinstance(staffing, ConstantStaffing):
        return [((0.0, math.inf),)] * staffing.count
    if isinstance(staffing, TableStaffing):
        return _from_table(staffing.per_interval, scenario.interval_s)
    assert isinstance(staffing, RosterStaffing)
    out: list[tuple[tuple[float, float], ...]] = []
    for shift in staffing.shifts:
        begin, end = scenario.shift_bounds_s(shift)
        if end > 0:
            out += [((max(0.0, begin), end),)] * shift.count
    return out


def _from_table(counts: list[int], interval_s: float) -> list[tuple[tuple[float, float], ...]]:
    out: list[tuple[tuple[float, float], ...]] = []
    last = len(counts) - 1
    for j in range(max(counts, default=0)):
        sessions: list[tuple[float, float]] = []
        begin: float | None = None
        for k, count in enumerate(counts):
            if count > j and begin is None:
                begin = k * interval_s
            elif count <= j and begin is not None:
                sessions.append((begin, k * interval_s))
                begin = None
            if k == last and begin is not None:
                sessions.append((begin, math.inf))  # the last interval's staffing holds
        out.append(tuple(sessions))
    return out
