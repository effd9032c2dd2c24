"""A run's KPIs, measured by `agentfloor.analytics` from its event log: one definition everywhere.

The simulator keeps no KPI code of its own. Its routing events become `analytics.LogEntry`s
exactly as the live router's do (`LogEntry.from_routing`), each task tied to its contact
(`interaction_id`, so a contact the AI handed off counts once), and each contact the AI saw
becomes an `interaction.created` entry at its arrival and an `ai.outcome` entry.
`analytics.kpi_report` then computes the KPIs over the horizon after the warm-up, in total and
per queue, with the scenario's `KpiParams`. The result is flattened to
`{"service_level": 0.81, "service_level[sales]": 0.79, ...}` (None becomes NaN) so replications
can be averaged name by name.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from agentfloor.analytics import Dimension, KpiParams, Kpis, LogEntry, ShortAbandons, kpi_report
from agentfloor.sim.model import SimResult
from agentfloor.sim.scenario import Scenario

__all__ = ["KPI_NAMES", "QUEUE_KPI_NAMES", "kpi_params", "log_entries", "measure_kpis"]

# The KPIs a simulation reports (analytics computes more: CSAT, FCR, leads need inputs a
# scenario does not model).
KPI_NAMES = (
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "abandonment_rate",
    "asa_s",
    "aht_s",
    "occupancy",
    "utilisation",
    "ai_contacts",
    "containment_rate",
)
QUEUE_KPI_NAMES = ("offered", "service_level", "abandonment_rate", "asa_s", "aht_s")


def kpi_params(scenario: Scenario) -> KpiParams:
    """Return the analytics parameters the scenario's `kpis` section sets."""
    spec = scenario.kpis
    return KpiParams(
        sl_threshold_s=spec.answer_time_s,
        short_abandon_s=spec.short_abandon_s,
        short_abandons=ShortAbandons(spec.short_abandons),
    )


def log_entries(result: SimResult) -> Iterator[LogEntry]:
    """Yield the run's log as analytics entries: routing events, then AI outcomes.

    Offers (`reservation.*`) are left out: analytics reads them only for the channel, which
    `task.queued` carries too, and they are two events in five.
    """
    from_routing = LogEntry.from_routing
    for event in result.events:
        if event.type.startswith("reservation."):
            continue
        task_id = event.task_id
        # task tsk_00000042 belongs to contact con_00000042 (see sim.loop)
        contact = None if task_id is None else "con_" + task_id[4:]
        yield from_routing(event, interaction_id=contact)
    for outcome in result.ai_outcomes:
        # the contact starts when it arrives, not when the AI is done with it
        yield LogEntry(
            type="interaction.created",
            at=outcome.arrived_at,
            queue_id=outcome.queue_id,
            interaction_id=outcome.contact_id,
            channel=outcome.channel,
        )
        yield LogEntry(
            type="ai.outcome",
            at=outcome.at,
            queue_id=outcome.queue_id,
            interaction_id=outcome.contact_id,
            channel=outcome.channel,
            data={"outcome": "contained" if outcome.contained else "handed_off"},
        )


def measure_kpis(scenario: Scenario, result: SimResult) -> dict[str, float]:
    """Return the run's KPIs over [start + warm-up, end of horizon), total and per queue."""
    report = kpi_report(
        list(log_entries(result)),
        start=result.start_s + scenario.warmup_s,
        end=result.end_s,
        params=kpi_params(scenario),
        by=[Dimension.QUEUE],
        timezone=scenario.timezone,
    )
    out = dict(_flat(report.total, KPI_NAMES, ""))
    for row in report.rows:
        if row.labels[0] is None:  # entries of no queue (worker activity): in the total only
            continue
        out.update(_flat(row.kpis, QUEUE_KPI_NAMES, f"[{row.labels[0]}]"))
    return out


def _flat(kpis: Kpis, names: tuple[str, ...], suffix: str) -> Iterator[tuple[str, float]]:
    for name in names:
        value = getattr(kpis, name)
        yield name + suffix, math.nan if value is None else float(value)
