"""`POST /v1/simulations`: simulate a scenario on the real router and answer its KPIs with CIs.

The REST face of `agentfloor simulate`. The body is a scenario, as JSON or as the YAML file
itself (`Content-Type: application/yaml`); it is validated by `sim.parse_scenario`, and every
problem is a 422 naming its field in the body (`body.queues[0].handle_time.mean_s`). The answer
is `runtime.sim_report.report_json` (each KPI's mean and 95% interval, the per-interval series,
a sweep's summaries), or with `?format=html` the CLI's self-contained HTML report.

Synchronous, within a budget: `?replications=` (default: the scenario's) is at most
`MAX_REPLICATIONS`, a sweep has at most `MAX_SWEEP_VALUES` values, and expected contacts x
replications (x sweep values) at most `CONTACT_BUDGET`, else a 422 that says so before anything
runs; bigger studies belong to the CLI. The run happens off the event loop, in a worker thread
(small runs) or a forkserver process pool (bigger ones: CPU-bound Python in a thread would slow
every other request, and forking a process that runs threads is unsafe); at most
`MAX_CONCURRENT` simulations run at once, the next gets a 503 to retry. The API reads no files,
so CSV arrivals (`csv:`, `kind: replay`) are a 422: send `per_interval` counts instead.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import threading
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints (types-PyYAML does)
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from agentfloor.access.model import Role
from agentfloor.api.auth import allow
from agentfloor.api.errors import problem_response
from agentfloor.core.errors import InvalidInput, ProblemDetail, Unavailable
from agentfloor.runtime.sim_report import expected_contacts, report_json, simulate
from agentfloor.runtime.sim_report_html import report_html
from agentfloor.sim import Scenario, parse_scenario

__all__ = [
    "CONTACT_BUDGET",
    "MAX_CONCURRENT",
    "MAX_REPLICATIONS",
    "MAX_SWEEP_VALUES",
    "router",
]

router = APIRouter(prefix="/v1/simulations", tags=["simulations"])

#: Replications one request may ask for.
MAX_REPLICATIONS = 50
#: Values one sweep may try.
MAX_SWEEP_VALUES = 20
#: Expected simulated contacts per request (contacts per replication x replications x values):
#: about a minute of one core at the simulator's speed, measured in `benchmarks/sim.py`.
CONTACT_BUDGET = 2_000_000
#: Simulations running at once in one API process.
MAX_CONCURRENT = 2
#: Up to this many expected contacts run in a thread of this process; more in processes.
_IN_THREAD_CONTACTS = 50_000

_YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}
_JSON_TYPES = {"application/json", ""}
_running = threading.BoundedSemaphore(MAX_CONCURRENT)

_ROLES = allow(Role.ADMIN, Role.SUPERVISOR)
_OPENAPI = {
    **_ROLES["openapi_extra"],
    "requestBody": {
        "required": True,
        "description": "A scenario (the same fields as the YAML file `agentfloor simulate` "
        "reads; see examples/scenarios/support_day.yaml).",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    },
}


class KpiEstimateOut(BaseModel):
    """A KPI over replications: mean and 95% confidence interval (null: nothing to measure)."""

    mean: float | None
    half_width: float | None = Field(description="Null with a single replication.")
    low: float | None
    high: float | None
    n: int = Field(description="Replications with a value.")


class BandOut(BaseModel):
    """One measure per interval: mean and 95% interval across replications."""

    mean: list[float | None]
    low: list[float | None]
    high: list[float | None]


class SeriesOut(BaseModel):
    """Per-interval series; `queue_length` is the time-average number of tasks waiting."""

    interval_starts: list[str]
    service_level: BandOut
    abandonment_rate: BandOut
    occupancy: BandOut
    queue_length: BandOut


class SweepOut(BaseModel):
    """A what-if: the KPIs for each value of the swept variable, in order."""

    variable: str
    values: list[Any]
    kpis: list[dict[str, KpiEstimateOut]]


class SimulationOut(BaseModel):
    """The answer of `?format=json` (documentation; the CLI's `--json` file is the same)."""

    scenario: str
    seed: int
    replications: int
    seeds: list[int]
    workers: int
    wall_time_s: float
    start: str
    timezone: str
    interval_s: float
    intervals: int
    expected_contacts: float | None
    contacts_mean: float | None
    unfinished_mean: float | None
    confidence: float
    kpis: dict[str, KpiEstimateOut] = Field(
        description="`service_level`, `abandonment_rate`, `asa_s`... and per queue "
        "`service_level[sales]`."
    )
    series: SeriesOut | None
    sweep: SweepOut | None


FormatQuery = Annotated[
    Literal["json", "html"],
    Query(description="`json` (default): the numbers; `html`: the report with its plots."),
]
ReplicationsQuery = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_REPLICATIONS,
        description=f"Replications, at most {MAX_REPLICATIONS} (default: the scenario's).",
    ),
]


@router.post(
    "",
    dependencies=_ROLES["dependencies"],
    openapi_extra=_OPENAPI,
    responses={
        200: {
            "model": SimulationOut,
            "content": {"text/html": {}},
            "description": "KPIs with 95% CIs as JSON, or the HTML report with `?format=html`.",
        }
    },
    response_model=None,
)
async def create_simulation(
    request: Request,
    replications: ReplicationsQuery = None,
    format: FormatQuery = "json",
) -> Response:
    """Simulate the scenario in the body: KPIs with 95% CIs (422 names bad fields)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in _YAML_TYPES | _JSON_TYPES:
        return problem_response(
            415, f"send the scenario as application/json or application/yaml, not {media}"
        )
    data = _decode(await request.body(), yaml_body=media in _YAML_TYPES)
    problems = _files_named(data)
    if problems:
        raise InvalidInput(
            "the API reads no files: give arrivals as per_interval counts "
            "(replayed arrivals need `agentfloor simulate`)",
            problems=problems,
        )
    try:
        scenario = parse_scenario(data)
    except InvalidInput as exc:
        located = [
            ProblemDetail("body" if p.loc == "(root)" else f"body.{p.loc}", p.message)
            for p in exc.problems
        ]
        raise InvalidInput(exc.message, problems=located, extra=exc.extra) from exc
    n = scenario.replications if replications is None else replications
    work = _check_budget(scenario, n, replications is not None)
    return await asyncio.to_thread(_run, scenario, n, work, format)


def _decode(body: bytes, *, yaml_body: bool) -> Any:
    kind = "YAML" if yaml_body else "JSON"
    try:
        if not yaml_body:
            return json.loads(body)
        text = body.decode("utf-8")
        # YAML aliases can make a small body a huge document (a "billion laughs"): a scenario
        # has no need of them, so they are refused before anything is built
        if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.SafeLoader)):
            raise InvalidInput(
                "YAML anchors and aliases (&name, *name) are not accepted over the API",
                problems=[ProblemDetail("body", "write the values out instead of aliasing them")],
            )
        return yaml.safe_load(text)
    except (UnicodeDecodeError, ValueError, RecursionError, yaml.YAMLError) as exc:
        raise InvalidInput(
            f"the body is not valid {kind}: {exc}",
            problems=[ProblemDetail("body", f"not valid {kind}")],
        ) from exc


def _files_named(data: Any) -> list[ProblemDetail]:
    """Return a problem for each queue whose arrivals name a CSV file (checked before parsing)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("queues"), list):
        return []
    problems = []
    for i, queue in enumerate(data["queues"]):
        arrivals = queue.get("arrivals") if isinstance(queue, Mapping) else None
        if isinstance(arrivals, Mapping) and (
            "csv" in arrivals or arrivals.get("kind") == "replay"
        ):
            problems.append(
                ProblemDetail(
                    f"body.queues[{i}].arrivals.csv",
                    "files are not read over the API; give per_interval counts",
                )
            )
    return problems


def _check_budget(scenario: Scenario, n: int, from_query: bool) -> float:
    """Return the expected contacts of the request, or raise `InvalidInput` past the budget."""
    loc = "query.replications" if from_query else "body.replications"
    if n > MAX_REPLICATIONS:
        raise InvalidInput(
            f"at most {MAX_REPLICATIONS} replications per request, got {n}",
            problems=[ProblemDetail(loc, f"must be <= {MAX_REPLICATIONS}")],
        )
    values = 1
    if scenario.sweep is not None:
        values = len(scenario.sweep.values)
        if values > MAX_SWEEP_VALUES:
            raise InvalidInput(
                f"a sweep tries at most {MAX_SWEEP_VALUES} values per request, got {values}",
                problems=[ProblemDetail("body.sweep.values", f"at most {MAX_SWEEP_VALUES}")],
            )
    per_run = expected_contacts(scenario)
    work = per_run * n * values
    if work > CONTACT_BUDGET:
        sweep = f" x {values} sweep values" if values > 1 else ""
        raise InvalidInput(
            f"the scenario expects {per_run:,.0f} contacts x {n} replications{sweep} = "
            f"{work:,.0f} simulated contacts, over the budget of {CONTACT_BUDGET:,} per request; "
            "use fewer replications or a shorter horizon, or run `agentfloor simulate`",
            problems=[ProblemDetail("body", f"over the budget of {CONTACT_BUDGET:,} contacts")],
            extra={"expected_contacts": work, "budget": CONTACT_BUDGET},
        )
    return work


def _run(scenario: Scenario, n: int, work: float, format: str) -> Response:
    """Simulate and render (in a worker thread), if a simulation slot is free."""
    if not _running.acquire(blocking=False):
        raise Unavailable(
            f"{MAX_CONCURRENT} simulations are already running; retry in a minute",
            extra={"retry_after_s": 60},
        )
    try:
        if work <= _IN_THREAD_CONTACTS:
            report = simulate(scenario, n, workers=1)
        else:
            processes = multiprocessing.get_context("forkserver")
            # the fork server imports the simulator once; each replication process forks from it
            processes.set_forkserver_preload(["agentfloor.runtime.sim_report"])
            report = simulate(scenario, n, workers=os.cpu_count() or 1, mp_context=processes)
        if format == "html":
            return HTMLResponse(report_html(report), headers={"Cache-Control": "no-store"})
        return JSONResponse(report_json(report), headers={"Cache-Control": "no-store"})
    finally:
        _running.release()
