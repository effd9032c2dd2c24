"""`/v1/analytics`: KPI reports over REST, as JSON or CSV, in the tenant's timezone.

`GET /v1/analytics/kpis?from=2026-03-01&to=2026-03-08&by=day,queue` answers with every KPI of
`agentfloor.analytics` (the definitions are in `analytics.kpis`) per group and in total, with the
parameters that define them echoed back. `from`/`to` are ISO 8601; without an offset (or as bare
dates) they are local times of the tenant's timezone, so `from=2026-03-29&to=2026-03-30` is
exactly that local day, 23 hours long in London. `format=csv` (or `Accept: text/csv`) gives the
same report as CSV, one column per grouping then one per KPI, with a total row last. Bad input is
a 422 naming the parameter: a range that ends before it starts or spans more than `MAX_RANGE_DAYS`,
an unknown grouping, an interval that does not divide a day, a report of too many rows (the
checks are shared with `agentfloor report kpis` in `runtime.analytics`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from agentfloor.access.model import Principal, Role
from agentfloor.analytics import KpiParams, KpiReport, Kpis, ShortAbandons, report_csv
from agentfloor.analytics.buckets import zone
from agentfloor.api.auth import allow, context, principal
from agentfloor.core.clock import to_datetime
from agentfloor.runtime.analytics import (
    parse_interval_min,
    report_range,
    tenant_kpi_report,
    tenant_timezone,
)
from agentfloor.runtime.context import ServiceContext

__all__ = ["router"]

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])
Ctx = Annotated[ServiceContext, Depends(context)]
Who = Annotated[Principal, Depends(principal)]


class KpiRowOut(BaseModel):
    """One group: its labels by dimension, the UTC start of its interval or day, its KPIs."""

    group: dict[str, str | None]
    start: datetime | None
    kpis: Kpis


class KpiReportOut(BaseModel):
    """A range's KPIs per group and in total, with the parameters that define them."""

    start: datetime
    end: datetime
    timezone: str
    by: list[str]
    interval_min: int
    params: dict[str, Any]
    rows: list[KpiRowOut]
    total: Kpis


def _dimensions(by: list[str]) -> list[str]:
    return [part.strip() for item in by for part in item.split(",") if part.strip()]


def _out(report: KpiReport) -> KpiReportOut:
    dims = [d.value for d in report.by]
    params = report.params
    return KpiReportOut(
        start=to_datetime(report.start),
        end=to_datetime(report.end),
        timezone=report.timezone,
        by=dims,
        interval_min=report.interval_min,
        params={
            "sl_threshold_s": params.sl_threshold_s,
            "short_abandon_s": params.short_abandon_s,
            "short_abandons": params.short_abandons.value,
            "fcr_window_s": params.fcr_window_s,
            "available_activities": sorted(params.available_activities),
            "sale_codes": sorted(params.sale_codes),
        },
        rows=[
            KpiRowOut(
                group=dict(zip(dims, row.labels, strict=True)),
                start=None if row.start is None else to_datetime(row.start),
                kpis=row.kpis,
            )
            for row in report.rows
        ],
        total=report.total,
    )


@router.get(
    "/kpis",
    response_model=KpiReportOut,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
    **allow(Role.ADMIN, Role.SUPERVISOR, Role.INTEGRATION),
)
def kpis(
    request: Request,
    ctx: Ctx,
    who: Who,
    start: Annotated[
        str | None,
        Query(alias="from", description="Range start, ISO 8601; no offset: tenant local time."),
    ] = None,
    end: Annotated[
        str | None, Query(alias="to", description="Range end (exclusive); default start + 1 day.")
    ] = None,
    by: Annotated[
        list[str] | None,
        Query(description="Group by interval, day, queue, channel, worker; comma-separated."),
    ] = None,
    interval: Annotated[str, Query(description="Interval length: 15m, 30m, 1h...")] = "30m",
    sl_threshold_s: Annotated[float, Query(ge=0, le=86_400)] = 20.0,
    short_abandon_s: Annotated[float, Query(ge=0, le=3600)] = 5.0,
    short_abandons: Annotated[ShortAbandons, Query()] = ShortAbandons.EXCLUDED,
    fcr_window_s: Annotated[float, Query(ge=0, le=90 * 86_400)] = 7 * 86_400.0,
    available: Annotated[
        list[str] | None, Query(description="Activities counted as ready (default available).")
    ] = None,
    sale_codes: Annotated[
        list[str] | None, Query(description="Disposition codes that are sales (default sale).")
    ] = None,
    timezone: Annotated[
        str | None, Query(max_length=64, description="IANA name; default the tenant's.")
    ] = None,
    fmt: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="csv, or json (default; or by the Accept header)."),
    ] = None,
) -> Any:
    """Return every KPI of the range per group and in total (JSON, or CSV)."""
    zone_name = timezone or tenant_timezone(ctx, who.tenant_id)
    start_s, end_s = report_range(start, end, zone_name, ctx.clock.now(), names=("from", "to"))
    params = KpiParams(
        sl_threshold_s=sl_threshold_s,
        short_abandon_s=short_abandon_s,
        short_abandons=short_abandons,
        fcr_window_s=fcr_window_s,
        available_activities=frozenset(available or ["available"]),
        sale_codes=frozenset(sale_codes or ["sale"]),
    )
    report = tenant_kpi_report(
        ctx,
        who.tenant_id,
        start=start_s,
        end=end_s,
        by=_dimensions(by or []),
        interval_min=parse_interval_min(interval),
        params=params,
        timezone=zone_name,
    )
    wants_csv = fmt == "csv" or (fmt is None and "text/csv" in request.headers.get("accept", ""))
    if wants_csv:
        local_start = datetime.fromtimestamp(start_s, tz=zone(zone_name)).date()
        name = f"kpis-{local_start.isoformat()}.csv"
        return Response(
            report_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return _out(report)
