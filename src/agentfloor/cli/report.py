"""`agentfloor report kpis`: a tenant's KPIs from the local database, as a table or CSV.

The same service as `GET /v1/analytics/kpis` (`runtime.analytics`), so the terminal, the API and
the simulator agree to the digit. The table shows the headline KPIs, queues and workers by name;
`--csv FILE` writes every KPI, with ids (`-` for standard output). Times are in the tenant's
timezone unless `--timezone` says otherwise; `--from`/`--to` take ISO dates or date-times (no
offset: local time).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agentfloor.analytics import Dimension, KpiParams, KpiReport, Kpis, ShortAbandons, report_csv
from agentfloor.cli.common import open_container, out, resolve_tenant
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.runtime.analytics import parse_interval_min, report_range, tenant_kpi_report
from agentfloor.runtime.context import ServiceContext
from agentfloor.settings import Settings

__all__ = ["kpis", "report_app"]

report_app = typer.Typer(help="Reports from the event log: KPIs by interval, queue, worker...")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}s"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


# (header, cell) of the table; the CSV has every KPI.
COLUMNS: tuple[tuple[str, Callable[[Kpis], str]], ...] = (
    ("offered", lambda k: str(k.offered)),
    ("answered", lambda k: str(k.answered)),
    ("abandoned", lambda k: str(k.abandoned)),
    ("SL", lambda k: _pct(k.service_level)),
    ("ASA", lambda k: _secs(k.asa_s)),
    ("AHT", lambda k: _secs(k.aht_s)),
    ("abandon", lambda k: _pct(k.abandonment_rate)),
    ("transfer", lambda k: _pct(k.transfer_rate)),
    ("occupancy", lambda k: _pct(k.occupancy)),
    ("FCR", lambda k: _pct(k.fcr_rate)),
    ("CSAT", lambda k: _pct(k.csat)),
    ("NPS", lambda k: _num(k.nps)),
    ("contained", lambda k: _pct(k.containment_rate)),
)


def _names(ctx: ServiceContext, tenant_id: str, report: KpiReport) -> dict[str, str]:
    """Return queue and worker names for the table (the CSV keeps the ids, which are stable)."""
    names: dict[str, str] = {}
    with ctx.uow(tenant_id) as uow:
        for i, dimension in enumerate(report.by):
            for row in report.rows:
                label = row.labels[i]
                if label is None or label in names:
                    continue
                if dimension is Dimension.QUEUE and (queue := uow.queues.get(label)):
                    names[label] = queue.name
                elif dimension is Dimension.WORKER and (worker := uow.workers.get(label)):
                    names[label] = worker.name
    return names


def _table(report: KpiReport, tenant_name: str, names: dict[str, str]) -> Table:
    p = report.params
    table = Table(
        title=f"KPIs of {tenant_name}, {report.timezone}",
        title_justify="left",
        caption=f"service level: answered within {p.sl_threshold_s:g}s; abandons under "
        f"{p.short_abandon_s:g}s {p.short_abandons.value}",
    )
    for dimension in report.by:
        table.add_column(dimension.value)
    for header, _ in COLUMNS:
        table.add_column(header, justify="right")
    for row in report.rows:
        labels = ["-" if v is None else names.get(v, v) for v in row.labels]
        table.add_row(*labels, *(cell(row.kpis) for _, cell in COLUMNS))
    total_labels = ["total", *[""] * (len(report.by) - 1)] if report.by else []
    table.add_row(*total_labels, *(cell(report.total) for _, cell in COLUMNS), style="bold")
    return table


def _only_tenant(ctx: ServiceContext) -> str:
    """Return the id of the only tenant (the report's default), or say to pick one."""
    with ctx.uow(None) as uow:
        tenants = uow.tenants.all()
    if len(tenants) != 1:
        slugs = ", ".join(sorted(t.slug for t in tenants)) or "none yet"
        raise InvalidInput(
            f"say which tenant with --tenant (tenants: {slugs})",
            problems=[ProblemDetail("--tenant", "required when there is not exactly one tenant")],
        )
    return tenants[0].id


@report_app.command("kpis")
def kpis(
    start: Annotated[
        str | None,
        typer.Option("--from", help="Start: ISO date or date-time (no offset: local); today."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="End (exclusive); default a day after --from.")
    ] = None,
    by: Annotated[
        str, typer.Option(help="Group by interval, day, queue, channel, worker (comma-separated).")
    ] = "",
    interval: Annotated[str, typer.Option(help="Interval length with --by interval.")] = "30m",
    tenant: Annotated[
        str | None, typer.Option(help="Tenant slug or id (default: the only tenant).")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="IANA timezone (default: the tenant's).")
    ] = None,
    sl_threshold: Annotated[
        float, typer.Option(min=0, help="Service-level answer time, seconds.")
    ] = 20.0,
    short_abandon: Annotated[
        float, typer.Option(min=0, help="Abandons quicker than this are short, seconds.")
    ] = 5.0,
    short_abandons: Annotated[
        ShortAbandons, typer.Option(help="What short abandons count as.")
    ] = ShortAbandons.EXCLUDED,
    fcr_days: Annotated[
        float, typer.Option(min=0, help="First-contact resolution window, days.")
    ] = 7.0,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write every KPI as CSV here ('-': stdout).")
    ] = None,
) -> None:
    """Print the KPIs of a range per group (table), or write them all as CSV."""
    params = KpiParams(
        sl_threshold_s=sl_threshold,
        short_abandon_s=short_abandon,
        short_abandons=short_abandons,
        fcr_window_s=fcr_days * 86_400,
    )
    dims = [part.strip() for part in by.split(",") if part.strip()]
    interval_min = parse_interval_min(interval, "--interval")
    with open_container(Settings()) as container:
        ctx = container.ctx
        found = resolve_tenant(container, tenant or _only_tenant(ctx))
        zone_name = timezone or found.timezone
        start_s, end_s = report_range(
            start, end, zone_name, ctx.clock.now(), names=("--from", "--to")
        )
        report = tenant_kpi_report(
            ctx,
            found.id,
            start=start_s,
            end=end_s,
            by=dims,
            interval_min=interval_min,
            params=params,
            timezone=zone_name,
        )
        names = _names(ctx, found.id, report) if csv_file is None else {}
    if csv_file is None:
        out.print(_table(report, found.name, names))
    elif str(csv_file) == "-":
        typer.echo(report_csv(report), nl=False)
    else:
        csv_file.write_text(report_csv(report), encoding="utf-8")
        out.print(f"wrote {len(report.rows)} rows and a total to {csv_file}")
