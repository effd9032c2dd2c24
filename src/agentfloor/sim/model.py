"""What a simulation returns: one run's event log and KPIs, and replicated estimates.

Values only (frozen dataclasses); `loop` makes `SimResult`s and `replications` the summaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agentfloor.routing.model import RoutingEvent

__all__ = ["AiOutcome", "KpiEstimate", "ReplicationSummary", "SimResult", "SweepResult"]


@dataclass(frozen=True, slots=True)
class AiOutcome:
    """A contact the AI agent handled: resolved (`contained`) or handed to the router.

    `at` is when the AI finished with it (epoch seconds), `arrived_at` when the contact came,
    `handle_s` the time the AI spent on it.
    """

    at: float
    contact_id: str
    queue_id: str
    channel: str
    arrived_at: float
    contained: bool
    handle_s: float


@dataclass(frozen=True, slots=True)
class SimResult:
    """One replication: the routing event log, the AI outcomes and the KPIs measured from them.

    Times are epoch seconds: the horizon is [`start_s`, `end_s`); `finished_s` is the time of
    the last event (the run drains after the horizon). `contacts` counts arrivals, `unfinished`
    the tasks still open when nothing more could happen (no staff, no patience). `kpis` maps a
    KPI name (`service_level`, `abandon_rate`...; per queue `service_level[sales]`) to its value.
    """

    scenario: str
    seed: int
    start_s: float
    end_s: float
    finished_s: float
    contacts: int
    unfinished: int
    events: list[RoutingEvent]
    ai_outcomes: list[AiOutcome]
    kpis: dict[str, float]


@dataclass(frozen=True, slots=True)
class KpiEstimate:
    """A KPI over replications: mean and the 95% confidence interval (Student t).

    `half_width` is NaN with a single replication (no variance to estimate). Replications whose
    value is NaN (e.g. no calls answered) are left out of `n`.
    """

    name: str
    mean: float
    half_width: float
    low: float
    high: float
    n: int
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class ReplicationSummary:
    """N independent replications of one scenario: every KPI with its confidence interval."""

    scenario: str
    replications: int
    seeds: tuple[int, ...]
    kpis: dict[str, KpiEstimate]


@dataclass(frozen=True, slots=True)
class SweepResult:
    """A what-if: one `ReplicationSummary` per value of the swept variable, in order."""

    variable: str
    values: tuple[Any, ...]
    summaries: tuple[ReplicationSummary, ...]
