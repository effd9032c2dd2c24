"""Analytics: every contact-centre KPI, computed by one function from the event log.

The package owns the KPI definitions and nothing else: `LogEntry` is one event of the log (a
routing event via `LogEntry.from_routing`, or an interaction event: `ai.outcome`,
`survey.answered`, `lead.qualified`, `interaction.dispositioned`); `fold` turns entries into
per-task, per-contact and per-worker facts; `kpi_report` groups them by interval, day, queue,
channel and worker in the tenant's timezone and computes `Kpis` with the definitions in
`analytics.kpis` under `KpiParams`. The live API, the historical reports, the CLI and the
simulator all call `kpi_report` (or `kpis`, its total), so a number means the same everywhere.
Pure: no clock, no I/O; the caller reads the log and says which range it wants.
"""

from __future__ import annotations

from agentfloor.analytics.buckets import Bucket, Buckets
from agentfloor.analytics.facts import ContactFacts, Facts, TaskFacts, WorkerSpan, fold
from agentfloor.analytics.kpis import ContactContext, Kpis, WorkerTime, compute_kpis
from agentfloor.analytics.model import (
    Dimension,
    KpiParams,
    LogEntry,
    RoutingEventLike,
    ShortAbandons,
)
from agentfloor.analytics.ports import AnalyticsLog
from agentfloor.analytics.report import MAX_ROWS, KpiReport, KpiRow, kpi_report, kpis, report_csv

__all__ = [
    "MAX_ROWS",
    "AnalyticsLog",
    "Bucket",
    "Buckets",
    "ContactContext",
    "ContactFacts",
    "Dimension",
    "Facts",
    "KpiParams",
    "KpiReport",
    "KpiRow",
    "Kpis",
    "LogEntry",
    "RoutingEventLike",
    "ShortAbandons",
    "TaskFacts",
    "WorkerSpan",
    "WorkerTime",
    "compute_kpis",
    "fold",
    "kpi_report",
    "kpis",
    "report_csv",
]
