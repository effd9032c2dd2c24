"""KPI reports of a tenant: read the stored event log of a range and hand it to `kpi_report`.

The service only decides what to read: the range itself, a day before it (tasks still open at its
start, workers' activities) and, after it, a day of routing events (answers to tasks offered
just before the end, lead follow-ups) and the first-contact and conversion windows of contact
events (repeat contacts, sales). Everything else, every definition included, is
`agentfloor.analytics`, so the numbers here are the ones the simulator and the live queue
statistics compute. Times in and out are epoch seconds; the timezone is the tenant's unless the
caller names another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from agentfloor.analytics import Dimension, KpiParams, KpiReport, LogEntry, kpi_report
from agentfloor.analytics.buckets import zone
from agentfloor.core.errors import InvalidInput, NotFound, ProblemDetail
from agentfloor.runtime.context import ServiceContext

__all__ = [
    "LOOKBACK_S",
    "MAX_RANGE_DAYS",
    "parse_interval_min",
    "read_entries",
    "report_range",
    "tenant_kpi_report",
    "tenant_timezone",
]

LOOKBACK_S = 86_400.0  # how far before the range tasks and activities are looked for
MAX_RANGE_DAYS = 400  # a longer report is an export job, not a request

_INTERVAL = re.compile(r"^\s*(\d{1,4})\s*(m|min|h)?\s*$")


def _bad(loc: str, message: str) -> InvalidInput:
    return InvalidInput(f"{loc}: {message}", problems=[ProblemDetail(loc, message)])


def _instant(value: str, loc: str, timezone: str) -> float:
    """Parse ISO 8601; a bare date is local midnight, a time without offset is local time."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise _bad(loc, f"{value!r} is not an ISO 8601 date or date-time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(timezone))
    return parsed.timestamp()


def report_range(
    start: str | None, end: str | None, timezone: str, now: float, *, names: tuple[str, str]
) -> tuple[float, float]:
    """Return `[start, end)` in epoch seconds from ISO 8601 text in the report's timezone.

    A bare date is local midnight and a date-time without offset local time. No start: today
    (local midnight); no end: one local day after the start. `names` are the two parameters'
    names in the caller's words (`from`/`to`, `--from`/`--to`) for the messages.

    Raises:
        InvalidInput: unparseable text, an unknown timezone, a range that ends before it starts
            or is longer than `MAX_RANGE_DAYS`.
    """
    tz = zone(timezone)
    if start is None:
        today = datetime.fromtimestamp(now, tz=tz).date()
        start_s = datetime.combine(today, time(0), tzinfo=tz).timestamp()
    else:
        start_s = _instant(start, names[0], timezone)
    if end is None:
        local = datetime.fromtimestamp(start_s, tz=tz)
        next_day = datetime.combine(local.date() + timedelta(days=1), local.time(), tzinfo=tz)
        end_s = next_day.timestamp()
    else:
        end_s = _instant(end, names[1], timezone)
    if end_s <= start_s:
        raise _bad(names[1], "the range must end after it starts")
    if end_s - start_s > MAX_RANGE_DAYS * 86_400:
        raise _bad(names[1], f"the range is longer than {MAX_RANGE_DAYS} days; ask for less")
    return start_s, end_s


def parse_interval_min(value: str, loc: str = "interval") -> int:
    """Return the minutes of `15m`, `30`, `1h`; whether they divide a day is checked later."""
    match = _INTERVAL.match(value)
    if match is None:
        raise _bad(loc, f"{value!r} is not a length such as 15m, 30m or 1h")
    number, unit = int(match.group(1)), match.group(2)
    return number * 60 if unit == "h" else number


def tenant_timezone(ctx: ServiceContext, tenant_id: str) -> str:
    """Return the tenant's IANA timezone (`NotFound` when there is no such tenant)."""
    with ctx.uow(tenant_id) as uow:
        tenant = uow.tenants.get(tenant_id)
    if tenant is None:
        raise NotFound("tenant", tenant_id)
    return tenant.timezone


def read_entries(
    ctx: ServiceContext, tenant_id: str, start: float, end: float, params: KpiParams
) -> list[LogEntry]:
    """Return the log entries a report of `[start, end)` needs (see the module docstring)."""
    ahead = max(LOOKBACK_S, params.fcr_window_s, params.conversion_window_s)
    with ctx.uow(tenant_id) as uow:
        entries = uow.analytics.entries(start - LOOKBACK_S, end + ahead)
    # Routing events far past the end only add tasks the report leaves out: drop them early.
    routing_until = end + LOOKBACK_S
    return [e for e in entries if e.task_id is None or e.at < routing_until]


def tenant_kpi_report(
    ctx: ServiceContext,
    tenant_id: str,
    *,
    start: float,
    end: float,
    by: Sequence[Dimension | str] = (),
    interval_min: int = 30,
    params: KpiParams | None = None,
    timezone: str | None = None,
) -> KpiReport:
    """Return the tenant's KPIs for `[start, end)`, grouped by `by`, in its timezone.

    Raises:
        NotFound: no such tenant.
        InvalidInput: a bad range, grouping, interval or timezone (see `kpi_report`).
    """
    params = params or KpiParams()
    zone = timezone or tenant_timezone(ctx, tenant_id)
    # Validate before reading: a bad request should not cost a scan of the log.
    kpi_report([], start=start, end=end, by=by, interval_min=interval_min, timezone=zone)
    entries = read_entries(ctx, tenant_id, start, end, params)
    return kpi_report(
        entries,
        start=start,
        end=end,
        params=params,
        by=by,
        interval_min=interval_min,
        timezone=zone,
        now=ctx.clock.now(),
    )
