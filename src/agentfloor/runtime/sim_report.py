"""Simulation reports: replications run once for their KPIs and their per-interval series.

`simulate` runs a scenario's replications (or, for a scenario with a `sweep`, every value's
replications) and returns a `SimReport`: the `sim.ReplicationSummary` (each KPI's mean and 95%
confidence interval), and, per interval, the mean and 95% interval across replications of the
service level, abandonment rate, occupancy and queue length. `report_json` gives its numbers as
plain data; `sim_report_html.report_html` the self-contained HTML page with the plots.

Why not `sim.replicate` plus an extra pass for the series: that would simulate every replication
twice. Each replication instead runs once, in a worker process, through `_replicate_one`: it
calls `sim.run_scenario` (whose KPIs come from `sim.measure_kpis`, as `replicate`'s do), then
measures the interval series from the same log (`sim_report_series.interval_series`) and sends
back only the small numbers, never the log. The seeds are `sim.replication_seeds` and the KPIs
are averaged by `sim.summarize`, so the KPI table is exactly what `replicate` (or `sweep`, with
the same common random numbers) would give. The pool is a `ProcessPoolExecutor` (one worker or
one job: this process), with progress reported as replications finish; Ray and Dask
(`sim.replicate(backend=...)`) are not wired in here.
"""

from __future__ import annotations

import gc
import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.context import BaseContext
from typing import Any
from zoneinfo import ZoneInfo

from scipy import stats

from agentfloor.runtime.sim_report_series import SERIES, interval_series
from agentfloor.sim import (
    ConstantArrivals,
    PoissonArrivals,
    ReplayArrivals,
    ReplicationSummary,
    Scenario,
    SweepResult,
    log_entries,
    replication_seeds,
    run_scenario,
    summarize,
)

__all__ = [
    "IntervalSeries",
    "SimReport",
    "expected_contacts",
    "local_time",
    "report_json",
    "simulate",
]

Progress = Callable[[int, int], None]
_Job = tuple[Scenario, int, bool]


@dataclass(frozen=True, slots=True)
class IntervalSeries:
    """One measure per interval across replications: mean and 95% CI (NaN: no data there)."""

    name: str
    mean: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class SimReport:
    """What a report shows: the scenario, the KPI estimates, the series and how it was run.

    `interval_starts` are the intervals' epoch starts. For a sweep, `summary` is the first
    value's, `series` is empty and `sweep` has every value's (its report plots the KPIs against
    the swept variable instead). `contacts` is the mean number of
    contacts per replication, `unfinished` the mean still open when the run ended.
    """

    scenario: Scenario
    summary: ReplicationSummary
    series: dict[str, IntervalSeries]
    interval_starts: tuple[float, ...]
    wall_time_s: float
    workers: int
    contacts: float
    unfinished: float
    sweep: SweepResult | None = None


@dataclass(frozen=True, slots=True)
class _Replication:
    kpis: dict[str, float]
    series: dict[str, list[float]]
    contacts: int
    unfinished: int


def _replicate_one(job: _Job) -> _Replication:
    """Run one replication; measure its series too when asked (top level: pickled by name)."""
    scenario, seed, with_series = job
    result = run_scenario(scenario, seed)
    series: dict[str, list[float]] = {}
    if with_series:
        series = interval_series(scenario, list(log_entries(result)))
    return _Replication(result.kpis, series, result.contacts, result.unfinished)


# --- running replications ------------------------------------------------------------------------


def expected_contacts(scenario: Scenario) -> float:
    """Return the contacts one replication is expected to generate (the arrival rates' sum)."""
    total = 0.0
    for queue in scenario.queues:
        arrivals = queue.arrivals
        if isinstance(arrivals, PoissonArrivals):
            total += sum(arrivals.per_interval or ())
        elif isinstance(arrivals, ConstantArrivals):
            total += arrivals.per_hour * scenario.duration_s / 3600
        elif isinstance(arrivals, ReplayArrivals):
            total += len(arrivals.times_s)
    return total


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    *,
    workers: int | None = None,
    on_progress: Progress | None = None,
    mp_context: BaseContext | None = None,
) -> SimReport:
    """Run the replications (every sweep value's, if the scenario sweeps) and summarise them.

    `replications` defaults to the scenario's; `workers` caps the processes (default: the CPU
    count; 1: run here). `on_progress(done, total)` is called in this thread as replications
    finish. `mp_context` picks how processes start (a server passes `forkserver`: forking a
    process that runs threads is unsafe).
    """
    n = scenario.replications if replications is None else replications
    if n < 1:
        raise ValueError(f"replications must be 1 or more, got {n}")
    seeds = replication_seeds(scenario.seed, n)
    swept = scenario.sweep
    variants = (
        [scenario]
        if swept is None
        else [scenario.with_value(swept.variable, v) for v in swept.values]
    )
    jobs: list[_Job] = [(v, s, swept is None) for v in variants for s in seeds]
    workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    began = time.perf_counter()
    runs = _run_jobs(jobs, workers, on_progress, mp_context)
    wall_s = time.perf_counter() - began
    summaries = [
        summarize(
            scenario.name if swept is None else f"{scenario.name} ({swept.variable}={value})",
            seeds,
            [r.kpis for r in runs[k * n : (k + 1) * n]],
        )
        for k, value in enumerate([None] if swept is None else swept.values)
    ]
    sweep = (
        None
        if swept is None
        else SweepResult(swept.variable, tuple(swept.values), tuple(summaries))
    )
    series = {} if swept is not None else _series_across(runs, scenario.intervals)
    return SimReport(
        scenario=scenario,
        summary=summaries[0],
        series=series,
        interval_starts=tuple(
            scenario.start_s + k * scenario.interval_s for k in range(scenario.intervals)
        ),
        wall_time_s=wall_s,
        workers=workers,
        contacts=math.fsum(r.contacts for r in runs) / len(runs),
        unfinished=math.fsum(r.unfinished for r in runs) / len(runs),
        sweep=sweep,
    )


def _run_jobs(
    jobs: list[_Job],
    workers: int,
    on_progress: Progress | None,
    mp_context: BaseContext | None,
) -> list[_Replication]:
    total = len(jobs)
    if workers <= 1:
        runs = []
        for done, job in enumerate(jobs, start=1):
            runs.append(_replicate_one(job))
            if on_progress is not None:
                on_progress(done, total)
        return runs
    out: list[_Replication | None] = [None] * total
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=mp_context, initializer=_tune_gc
    ) as pool:
        futures = {pool.submit(_replicate_one, job): i for i, job in enumerate(jobs)}
        for done, future in enumerate(as_completed(futures), start=1):
            out[futures[future]] = future.result()
            if on_progress is not None:
                on_progress(done, total)
    return [r for r in out if r is not None]


def _tune_gc() -> None:
    """Collect garbage rarely in a replication process, as `sim.replicate`'s processes do.

    A run's event log only grows, so CPython's default thresholds rescan it again and again
    (a third of a run's time, measured in `sim.replications`); the process is ours and short-lived.
    """
    gc.set_threshold(50_000, 50, 1_000)


def _series_across(runs: Sequence[_Replication], intervals: int) -> dict[str, IntervalSeries]:
    out = {}
    for name in SERIES:
        columns = [[r.series[name][k] for r in runs] for k in range(intervals)]
        estimates = [_ci(values) for values in columns]
        out[name] = IntervalSeries(
            name,
            tuple(e[0] for e in estimates),
            tuple(e[1] for e in estimates),
            tuple(e[2] for e in estimates),
        )
    return out


def _ci(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and 95% Student-t interval of the non-NaN values (one value: the interval is it)."""
    kept = [v for v in values if not math.isnan(v)]
    n = len(kept)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = math.fsum(kept) / n
    if n == 1:
        return mean, mean, mean
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in kept) / (n - 1))
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


# --- JSON ----------------------------------------------------------------------------------------


def _num(value: float) -> float | None:
    """JSON has no NaN: None instead; 6 significant digits are plenty for a report."""
    return None if math.isnan(value) or math.isinf(value) else float(f"{value:.6g}")


def _summary_json(summary: ReplicationSummary) -> dict[str, Any]:
    return {
        name: {
            "mean": _num(e.mean),
            "half_width": _num(e.half_width),
            "low": _num(e.low),
            "high": _num(e.high),
            "n": e.n,
        }
        for name, e in summary.kpis.items()
    }


def local_time(scenario: Scenario, at: float) -> datetime:
    """Return epoch seconds as a datetime in the scenario's timezone."""
    return datetime.fromtimestamp(at, tz=ZoneInfo(scenario.timezone))


def report_json(report: SimReport) -> dict[str, Any]:
    """Return the report's numbers as JSON-ready data (NaN becomes null; times local ISO 8601)."""
    s = report.scenario
    out: dict[str, Any] = {
        "scenario": s.name,
        "seed": s.seed,
        "replications": report.summary.replications,
        "seeds": list(report.summary.seeds),
        "workers": report.workers,
        "wall_time_s": round(report.wall_time_s, 3),
        "start": local_time(s, s.start_s).isoformat(),
        "timezone": s.timezone,
        "interval_s": s.interval_s,
        "intervals": s.intervals,
        "expected_contacts": _num(expected_contacts(s)),
        "contacts_mean": _num(report.contacts),
        "unfinished_mean": _num(report.unfinished),
        "confidence": 0.95,
        "kpis": _summary_json(report.summary),
        "series": None,
        "sweep": None,
    }
    if report.series:
        out["series"] = {
            "interval_starts": [local_time(s, t).isoformat() for t in report.interval_starts],
            **{
                name: {
                    "mean": [_num(v) for v in series.mean],
                    "low": [_num(v) for v in series.low],
                    "high": [_num(v) for v in series.high],
                }
                for name, series in report.series.items()
            },
        }
    if report.sweep is not None:
        out["sweep"] = {
            "variable": report.sweep.variable,
            "values": list(report.sweep.values),
            "kpis": [_summary_json(summary) for summary in report.sweep.summaries],
        }
    return out
