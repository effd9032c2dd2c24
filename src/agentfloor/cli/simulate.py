"""`agentfloor simulate SCENARIO.yaml`: replicate a scenario, print its KPIs, write the report.

The scenario is validated by `sim.load_scenario`; a bad one prints every problem by its path
in the file (`queues[0].arrivals.per_interval: ...`) and exits 2. The replications run through
`runtime.sim_report.simulate` (processes; `--workers 1` runs them here) with a rich progress bar;
the KPI table with 95% confidence intervals is printed, and the HTML report (and, with
`--json`, the same numbers as JSON) written, as `POST /v1/simulations` returns them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from agentfloor.cli.common import err, out, steps_progress
from agentfloor.core.errors import InvalidInput
from agentfloor.runtime.sim_report import SimReport, expected_contacts, report_json, simulate
from agentfloor.runtime.sim_report_html import (
    NO_VALUE,
    SWEEP_KPIS,
    format_ci,
    format_kpi,
    kpi_label,
    kpi_order,
    report_html,
)
from agentfloor.sim import ReplicationSummary, load_scenario

__all__ = ["simulate_command"]

EXIT_INVALID = 2


def simulate_command(
    scenario_file: Annotated[
        Path,
        typer.Argument(
            metavar="SCENARIO.yaml", exists=True, dir_okay=False, help="The scenario, a YAML file."
        ),
    ],
    replications: Annotated[
        int | None,
        typer.Option(min=1, max=10_000, help="Replications (default: the scenario's)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Processes running replications (default: CPU count)."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="Seed of the replications (default: the scenario's).")
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", dir_okay=False, help="HTML report (default: SCENARIO.html here)."),
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", dir_okay=False, help="Also write the numbers as JSON.")
    ] = None,
) -> None:
    """Simulate a contact-centre scenario on the real router; KPIs with 95% CIs and a report."""
    try:
        scenario = load_scenario(scenario_file)
    except InvalidInput as exc:
        err.print(f"[bold red]error:[/] invalid scenario {escape(str(scenario_file))}")
        for problem in exc.problems or ():
            err.print(f"  [bold]{escape(problem.loc)}[/]: {escape(problem.message)}")
        if not exc.problems:
            err.print(f"  {escape(exc.message)}")
        raise typer.Exit(EXIT_INVALID) from exc
    if seed is not None:
        scenario = scenario.model_copy(update={"seed": seed})
    n = scenario.replications if replications is None else replications
    runs = n * (1 if scenario.sweep is None else len(scenario.sweep.values))
    out.print(
        f"[bold]{escape(scenario.name)}[/]: {scenario.intervals} intervals of "
        f"{scenario.interval_s / 60:g} min, about {expected_contacts(scenario):,.0f} contacts per "
        f"replication, {n} replications, seed {scenario.seed}"
        + ("" if scenario.sweep is None else f", sweeping {scenario.sweep.variable}")
    )
    with steps_progress() as progress:
        task = progress.add_task("replications", total=runs)

        def done(finished: int, total: int) -> None:
            progress.update(task, completed=finished, total=total)

        report = simulate(scenario, n, workers=workers, on_progress=done)
    if report.sweep is None:
        out.print(_kpi_table(report.summary, f"KPIs over {n} replications (95% CI)"))
    else:
        out.print(_sweep_table(report))
    out.print(
        f"{report.contacts:,.0f} contacts per replication; {runs} runs in "
        f"{report.wall_time_s:.1f} s on {report.workers} worker(s)"
    )
    if report.unfinished > 0:
        out.print(
            f"[yellow]note:[/] {report.unfinished:,.1f} contacts per replication were still "
            "waiting when nobody was left to answer them (staffing ends before the demand)"
        )
    html_path = out_file or Path(f"{scenario_file.stem}.html")
    _write(html_path, report_html(report))
    out.print(f"report: {escape(str(html_path))}")
    if json_file is not None:
        _write(json_file, json.dumps(report_json(report), indent=2))
        out.print(f"json: {escape(str(json_file))}")


def _write(path: Path, text: str) -> None:
    """Write an output file (making its folder); a path that cannot be written exits 2."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        err.print(f"[bold red]error:[/] cannot write {escape(str(path))}: {escape(str(exc))}")
        raise typer.Exit(EXIT_INVALID) from exc


def _kpi_table(summary: ReplicationSummary, title: str) -> Table:
    table = Table(title=title)
    table.add_column("KPI")
    for name in ("mean", "±", "95% CI"):
        table.add_column(name, justify="right")
    for name in kpi_order(summary):
        est = summary.kpis[name]
        half = NO_VALUE if math.isnan(est.half_width) else format_kpi(name, est.half_width)
        table.add_row(kpi_label(name), format_kpi(name, est.mean), half, format_ci(est))
    return table


def _sweep_table(report: SimReport) -> Table:
    assert report.sweep is not None
    sweep = report.sweep
    table = Table(title=f"What-if: {sweep.variable} (mean and 95% CI)")
    table.add_column(sweep.variable, justify="right")
    for kpi in SWEEP_KPIS:
        table.add_column(kpi_label(kpi), justify="right")
    for value, summary in zip(sweep.values, sweep.summaries, strict=True):
        cells = []
        for kpi in SWEEP_KPIS:
            est = summary.kpis.get(kpi)
            cells.append(
                NO_VALUE if est is None else f"{format_kpi(kpi, est.mean)} {format_ci(est)}"
            )
        table.add_row(str(value), *cells)
    return table
