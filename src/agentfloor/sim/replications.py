"""Replications and what-ifs: N seeded runs in parallel, each KPI with a 95% confidence interval.

Replication i of a scenario runs with seed `replication_seeds(scenario.seed, n)[i]`, drawn from
numpy's `SeedSequence(seed).spawn(n)`, so the streams are independent and any one replication
can be rerun alone with `run_scenario(scenario, seed)`. Each replication's KPIs are computed in
the process that ran it (an event log is large; a dict of KPIs is small) and averaged name by
name: the mean and the half-width t(0.975, n - 1) s / sqrt(n) (Student t, from scipy), the
usual independent-replications interval (Law, *Simulation Modeling and Analysis*, 5th ed., 9.4).

Runs fan out on a `ProcessPoolExecutor` by default (a replication is CPU-bound Python; its
processes collect garbage rarely, see `_tune_gc`), on Ray
or Dask when installed and asked for (`backend="ray"` / `"dask"`, or `"auto"`, which prefers
them), or in this process (`"serial"`, and whenever one worker is asked for). A sweep runs every
(value, replication) pair in one pool, with the same seeds for every value (common random
numbers: the differences between values are not blurred by different arrivals).
"""

from __future__ import annotations

import gc
import importlib.util
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Literal

import numpy as np
from scipy import stats

from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.sim.loop import run_scenario
from agentfloor.sim.model import KpiEstimate, ReplicationSummary, SweepResult
from agentfloor.sim.scenario import Scenario

__all__ = ["Backend", "replicate", "replication_seeds", "summarize", "sweep"]

Backend = Literal["auto", "process", "serial", "ray", "dask"]
_Job = tuple[Scenario, int]


def replication_seeds(seed: int, n: int) -> tuple[int, ...]:
    """Return the seeds of `n` independent replications of a scenario seeded `seed`."""
    children = np.random.SeedSequence(seed).spawn(n)
    return tuple(int(child.generate_state(1, dtype=np.uint64)[0] >> 1) for child in children)


def replicate(
    scenario: Scenario,
    n: int | None = None,
    workers: int | None = None,
    *,
    backend: Backend = "process",
) -> ReplicationSummary:
    """Run `n` replications (default: `scenario.replications`) and summarise their KPIs.

    `workers` caps the parallel processes (default: the CPU count).
    """
    n = _count(scenario, n)
    seeds = replication_seeds(scenario.seed, n)
    results = _run_all([(scenario, s) for s in seeds], workers, backend)
    return summarize(scenario.name, seeds, results)


def sweep(
    scenario: Scenario,
    n: int | None = None,
    workers: int | None = None,
    *,
    backend: Backend = "process",
) -> SweepResult:
    """Replicate the scenario once per value of its `sweep` variable (same seeds for each)."""
    if scenario.sweep is None:
        raise InvalidInput(
            "the scenario has no sweep: add `sweep: {variable: ..., values: [...]}`",
            problems=[ProblemDetail("sweep", "required to sweep")],
        )
    n = _count(scenario, n)
    seeds = replication_seeds(scenario.seed, n)
    variable, values = scenario.sweep.variable, tuple(scenario.sweep.values)
    variants = [scenario.with_value(variable, v) for v in values]
    jobs = [(variant, s) for variant in variants for s in seeds]
    results = _run_all(jobs, workers, backend)
    summaries = tuple(
        summarize(f"{scenario.name} ({variable}={v})", seeds, results[k * n : (k + 1) * n])
        for k, v in enumerate(values)
    )
    return SweepResult(variable, values, summaries)


def summarize(
    name: str, seeds: Sequence[int], results: Sequence[dict[str, float]]
) -> ReplicationSummary:
    """Return each KPI's mean and 95% confidence interval over replications' KPI dicts."""
    names: dict[str, None] = {}
    for result in results:
        names.update(dict.fromkeys(result))
    estimates = {kpi: _estimate(kpi, [r.get(kpi, math.nan) for r in results]) for kpi in names}
    return ReplicationSummary(name, len(results), tuple(seeds), estimates)


def _estimate(name: str, values: list[float]) -> KpiEstimate:
    kept = [v for v in values if not math.isnan(v)]
    n = len(kept)
    if n == 0:
        return KpiEstimate(name, math.nan, math.nan, math.nan, math.nan, 0, tuple(values))
    mean = math.fsum(kept) / n
    if n == 1:
        half = math.nan
    else:
        sd = math.sqrt(math.fsum((v - mean) ** 2 for v in kept) / (n - 1))
        half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return KpiEstimate(name, mean, half, mean - half, mean + half, n, tuple(values))


def _count(scenario: Scenario, n: int | None) -> int:
    n = scenario.replications if n is None else n
    if n < 1:
        raise InvalidInput(
            f"replications must be 1 or more, got {n}",
            problems=[ProblemDetail("replications", "must be >= 1")],
        )
    return n


def _kpis_of(job: _Job) -> dict[str, float]:
    """Run one replication and return only its KPIs (top level: processes pickle it by name)."""
    scenario, seed = job
    return run_scenario(scenario, seed).kpis


def _run_all(jobs: list[_Job], workers: int | None, backend: Backend) -> list[dict[str, float]]:
    workers = min(len(jobs), workers or os.cpu_count() or 1)
    if backend == "auto":
        backend = next((b for b in ("ray", "dask") if _installed(b)), "process")
    if backend == "serial" or workers <= 1:
        return [_kpis_of(job) for job in jobs]
    if backend == "ray":
        return _on_ray(jobs)
    if backend == "dask":
        return _on_dask(jobs, workers)
    with ProcessPoolExecutor(max_workers=workers, initializer=_tune_gc) as pool:
        return list(pool.map(_kpis_of, jobs))


def _tune_gc() -> None:
    """Make a replication process collect garbage rarely (it keeps its event log to the end).

    A run's log only grows, and CPython's full collections are triggered by that growth, so
    with the default thresholds they rescan the whole log again and again: a third of a run's
    time. The process is ours and short-lived; collecting young objects every 50k allocations
    and old ones almost never costs a little memory and nothing else.
    """
    gc.set_threshold(50_000, 50, 1_000)


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _require(name: str) -> Any:
    if not _installed(name):
        raise InvalidInput(
            f"backend {name!r} needs the {name} package; install it or use backend='process'",
            problems=[ProblemDetail("backend", f"{name} is not installed")],
        )
    return importlib.import_module(name)


def _on_ray(jobs: list[_Job]) -> list[dict[str, float]]:
    ray = _require("ray")
    if not ray.is_initialized():
        ray.init(ignore_reinit_error=True)  # a local cluster; RAY_ADDRESS joins an existing one
    remote: Callable[..., Any] = ray.remote(_kpis_of).remote
    return list(ray.get([remote(job) for job in jobs]))


def _on_dask(jobs: list[_Job], workers: int) -> list[dict[str, float]]:
    dask = _require("dask")
    delayed = dask.delayed(_kpis_of)
    # dask's local process scheduler (a dask.distributed cluster is not wired up yet)
    tasks = [delayed(job) for job in jobs]
    return list(dask.compute(*tasks, scheduler="processes", num_workers=workers))
