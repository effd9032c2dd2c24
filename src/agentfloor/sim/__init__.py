"""Simulation: a contact centre in virtual time, driving the real router ("one engine, two clocks").

A scenario (`load_scenario`, a YAML file) describes queues, arrivals, handle times, patience,
callbacks, worker groups and their staffing, an AI containment model, contact flows the
callers of a queue pass through first (`FlowSpec`: the real `flows` interpreter with a caller
model, see `sim.flows`) and routing settings.
`run_scenario` simulates one seeded replication with a discrete-event loop that feeds the real
`routing.RoutingEngine` a virtual clock and returns the event log and the KPIs, measured by
`agentfloor.analytics` exactly as live KPIs are. `replicate` runs N independent replications in
parallel and gives every KPI with a 95% confidence interval; `sweep` does that for each value of
one scenario variable (what-if). `EngineDriver` is the engine on a virtual clock, for scripts
and tests that drive the router step by step.
"""

from __future__ import annotations

from agentfloor.sim.driver import EngineDriver, SequentialIds
from agentfloor.sim.kpis import KPI_NAMES, QUEUE_KPI_NAMES, kpi_params, log_entries, measure_kpis
from agentfloor.sim.loop import TENANT_ID, build_engine, run_scenario
from agentfloor.sim.model import AiOutcome, KpiEstimate, ReplicationSummary, SimResult, SweepResult
from agentfloor.sim.replications import Backend, replicate, replication_seeds, summarize, sweep
from agentfloor.sim.sampling import Contacts, draw_contacts, draw_times
from agentfloor.sim.scenario import Scenario, load_scenario, parse_scenario
from agentfloor.sim.spec import (
    AiContainment,
    CallbackOffer,
    ConstantArrivals,
    ConstantStaffing,
    EmpiricalTime,
    ExponentialTime,
    FlowPort,
    FlowPorts,
    FlowSpec,
    KpiSpec,
    LognormalTime,
    PoissonArrivals,
    QueueSpec,
    ReplayArrivals,
    RosterStaffing,
    RoutingSpec,
    Shift,
    Sweep,
    TableStaffing,
    WorkerGroup,
)
from agentfloor.sim.staffing import WorkerPlan, plan_workers

__all__ = [
    "KPI_NAMES",
    "QUEUE_KPI_NAMES",
    "TENANT_ID",
    "AiContainment",
    "AiOutcome",
    "Backend",
    "CallbackOffer",
    "ConstantArrivals",
    "ConstantStaffing",
    "Contacts",
    "EmpiricalTime",
    "EngineDriver",
    "ExponentialTime",
    "FlowPort",
    "FlowPorts",
    "FlowSpec",
    "KpiEstimate",
    "KpiSpec",
    "LognormalTime",
    "PoissonArrivals",
    "QueueSpec",
    "ReplayArrivals",
    "ReplicationSummary",
    "RosterStaffing",
    "RoutingSpec",
    "Scenario",
    "SequentialIds",
    "Shift",
    "SimResult",
    "Sweep",
    "SweepResult",
    "TableStaffing",
    "WorkerGroup",
    "WorkerPlan",
    "build_engine",
    "draw_contacts",
    "draw_times",
    "kpi_params",
    "load_scenario",
    "log_entries",
    "measure_kpis",
    "parse_scenario",
    "plan_workers",
    "replicate",
    "replication_seeds",
    "run_scenario",
    "summarize",
    "sweep",
]
