"""`agentfloor forecast FILE`: forecast interval arrivals from a CSV, or backtest the models.

The CSV has a header `start,calls` (ISO local start of each interval, calls that arrived in it),
like `anonymous_bank_arrivals/arrivals_6min.csv`. The history is validated and aggregated by
`agentfloor.wfm` (gaps, duplicates and negative counts are reported, never forecast silently);
this module only reads the file, prints the rich tables and writes the PNG that `wfm.plots`
draws (the same picture `POST /v1/wfm/forecast?format=png` returns).

Naive times on daylight-saving days need `--timezone`: the fall-back hour listed twice is then
two intervals (first on daylight time, then standard), a time in the spring-forward gap is an
error naming its line, and the forecast is printed in that zone (`wfm.series` has the rule).
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from agentfloor.cli.common import open_container, out, resolve_tenant
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.runtime.arrivals import arrivals_from_interactions
from agentfloor.settings import Settings
from agentfloor.wfm.backtest import BASELINE, BacktestResult, backtest_arrivals
from agentfloor.wfm.forecast import (
    ArrivalForecast,
    forecast_arrivals,
    holiday_dates,
)
from agentfloor.wfm.plots import backtest_png, forecast_png
from agentfloor.wfm.series import (
    ArrivalSeries,
    GapFill,
    aggregate_arrivals,
    arrival_series,
    time_zone,
)

__all__ = ["forecast", "parse_duration_min", "read_arrivals_csv"]

_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$")
_UNIT_MIN = {"m": 1, "min": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}


class ModelChoice(StrEnum):
    """`--model`: the model used for the forecast (the backtest runs all of them)."""

    MSTL = "mstl"
    MSTL_AUTOETS = "mstl_autoets"
    AUTOETS = "autoets"
    SEASONAL_NAIVE = "seasonal_naive"


class FillChoice(StrEnum):
    """`--fill`: what a missing interval in the file means."""

    INTERPOLATE = "interpolate"
    ZERO = "zero"
    ERROR = "error"


def parse_duration_min(text: str, option: str) -> int:
    """Minutes in `30m`, `1h`, `7d` or `2w`; `InvalidInput` names the option otherwise."""
    match = _DURATION.match(text.lower())
    if not match or int(match[1]) == 0:
        raise InvalidInput(
            f"{option} {text!r} is not a duration like 30m, 1h, 7d or 2w",
            problems=[ProblemDetail(option, "a positive whole number and a unit: m, h, d, w")],
        )
    return int(match[1]) * _UNIT_MIN[match[2]]


def read_arrivals_csv(
    path: Path,
    *,
    fill: GapFill = "interpolate",
    until: date | None = None,
    timezone: ZoneInfo | None = None,
) -> ArrivalSeries:
    """Read a `start,calls` CSV (rows before `until` only) and validate it.

    With a `timezone`, naive starts are local times there and daylight-saving days follow
    `wfm.series`' rule (a fall-back hour listed twice is two intervals, in file order; a time the
    clocks skip is an error naming its line). Problems name CSV lines (`line 2` is the first data
    row), not the 0-based rows of the domain.
    """
    starts: list[datetime] = []
    counts: list[float] = []
    lines: list[int] = []
    problems: list[ProblemDetail] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"start", "calls"} <= set(reader.fieldnames):
            raise InvalidInput(
                f"{path}: the header must name the columns start and calls",
                problems=[ProblemDetail("header", f"found {reader.fieldnames}")],
            )
        for line, row in enumerate(reader, start=2):
            try:
                start = datetime.fromisoformat(row["start"])
                calls = float(row["calls"])
            except (TypeError, ValueError):
                problems.append(ProblemDetail(f"line {line}", f"cannot read {row}"))
                continue
            if until is not None and start.date() >= until:
                continue
            starts.append(start)
            counts.append(calls)
            lines.append(line)
    if problems:
        raise InvalidInput(
            f"{path}: {len(problems)} unreadable row(s), first {problems[0].loc}",
            problems=problems[:20],
        )
    try:
        return arrival_series(starts, counts, fill=fill, timezone=timezone)
    except InvalidInput as exc:
        raise InvalidInput(
            f"{path}: {_rows_to_lines(exc.message, lines)}",
            problems=[
                ProblemDetail(_rows_to_lines(p.loc, lines), _rows_to_lines(p.message, lines))
                for p in exc.problems
            ],
        ) from exc


def forecast(
    file: Annotated[
        Path | None,
        typer.Argument(exists=True, dir_okay=False, help="CSV: start,calls (or use --tenant)"),
    ] = None,
    tenant: Annotated[
        str | None,
        typer.Option(help="Forecast from this tenant's interactions table instead of a CSV."),
    ] = None,
    channel: Annotated[
        str | None, typer.Option(help="With --tenant: only this channel (voice, chat, ...).")
    ] = None,
    interval: Annotated[str, typer.Option(help="Forecast interval: 15m, 30m or 60m.")] = "30m",
    horizon: Annotated[str, typer.Option(help="How far ahead: e.g. 7d, 48h, 2w.")] = "7d",
    backtest: Annotated[
        bool, typer.Option("--backtest", help="Rolling-origin backtest of every model.")
    ] = False,
    origins: Annotated[int, typer.Option(help="Backtest origins, one horizon apart.")] = 8,
    model: Annotated[ModelChoice, typer.Option(help="Model for the forecast.")] = ModelChoice.MSTL,
    country: Annotated[
        str, typer.Option(help="Holiday calendar (ISO code, e.g. IL); empty: no holidays.")
    ] = "",
    fill: Annotated[FillChoice, typer.Option(help="Missing intervals.")] = FillChoice.INTERPOLATE,
    until: Annotated[str, typer.Option(help="Use only rows before this date (YYYY-MM-DD).")] = "",
    plot: Annotated[Path, typer.Option(help="PNG of forecast vs actual.")] = Path("forecast.png"),
    timezone: Annotated[
        str,
        typer.Option(
            help="IANA zone of the file's naive times (e.g. Europe/London): daylight-saving "
            "days are then read by the rule in agentfloor.wfm.series; empty: a DST-free grid."
        ),
    ] = "",
) -> None:
    """Forecast contacts per interval from a CSV or a tenant's history, or backtest the models."""
    if (file is None) == (tenant is None):
        raise InvalidInput(
            "give a CSV file or --tenant (the tenant's interactions), not both",
            problems=[ProblemDetail("FILE", "a CSV path, or --tenant SLUG")],
        )
    interval_min = parse_duration_min(interval, "--interval")
    horizon_min = parse_duration_min(horizon, "--horizon")
    if horizon_min % interval_min:
        raise InvalidInput(
            f"--horizon {horizon} is not a whole number of {interval} intervals",
            problems=[ProblemDetail("--horizon", "use a multiple of --interval")],
        )
    horizon_n = horizon_min // interval_min
    if timezone and tenant is not None:
        raise InvalidInput(
            "--timezone reads a CSV's naive times; a tenant's interactions are in UTC",
            problems=[ProblemDetail("--timezone", "only with a CSV file")],
        )
    cutoff = _parse_date(until, "--until") if until else None
    if file is not None:
        zone = time_zone(timezone, "--timezone") if timezone else None
        series = read_arrivals_csv(file, fill=fill.value, until=cutoff, timezone=zone)
    else:
        assert tenant is not None
        with open_container(Settings()) as container:
            found = resolve_tenant(container, tenant)
            series = arrivals_from_interactions(
                container.ctx, found.id, interval_min, channel=channel
            )
        out.print(f"history: {found.name}'s interactions, times in UTC")
    if series.interval_min != interval_min:
        series = aggregate_arrivals(series, interval_min)
    for note in series.repairs:
        out.print(f"[yellow]repaired:[/] {note}")
    years = range(series.start.year, series.start_of(len(series) + horizon_n).year + 1)
    holidays = holiday_dates(country, years) if country else {}
    if not country:
        out.print("[dim]no holiday calendar: pass --country (e.g. IL) for holiday effects[/]")
    started = time.perf_counter()
    if backtest:
        result = _run_backtest(series, horizon_n, origins, holidays)
        elapsed = time.perf_counter() - started
        out.print(_backtest_table(result, elapsed, country))
        plot.write_bytes(backtest_png(result))
    else:
        fc = forecast_arrivals(series, horizon_n, model=model.value, holidays=holidays)
        elapsed = time.perf_counter() - started
        out.print(_forecast_table(fc, series, elapsed))
        plot.write_bytes(forecast_png(series, fc))
    out.print(f"plot: {plot}")


def _run_backtest(
    series: ArrivalSeries, horizon: int, origins: int, holidays: dict[date, str]
) -> BacktestResult:
    columns = (TextColumn("backtest"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=out, transient=True) as progress:
        task = progress.add_task("origins", total=origins)
        return backtest_arrivals(
            series,
            horizon=horizon,
            origins=origins,
            holidays=holidays,
            on_origin=lambda done, _total: progress.update(task, completed=done),
        )


def _backtest_table(result: BacktestResult, elapsed_s: float, country: str) -> Table:
    first, last = result.origins[0].origin, result.origins[-1].origin
    table = Table(
        title=f"Backtest: {len(result.origins)} origins {first:%Y-%m-%d} .. {last:%Y-%m-%d}, "
        f"horizon {result.horizon} x {result.interval_min} min, holidays: {country or 'none'}",
        caption=f"wall time {elapsed_s:.1f} s; WAPE pooled over origins (lower is better)",
    )
    table.add_column("model")
    table.add_column("WAPE", justify="right")
    table.add_column("vs seasonal naive", justify="right")
    table.add_column("best origin", justify="right")
    table.add_column("worst origin", justify="right")
    pooled = result.wape
    baseline = pooled[BASELINE]
    per_origin = [o.wape for o in result.origins]
    for name, value in sorted(pooled.items(), key=lambda kv: kv[1]):
        spread = [w[name] for w in per_origin]
        table.add_row(
            name,
            f"{value:.1%}",
            "baseline" if name == BASELINE else f"{value / baseline - 1:+.1%}",
            f"{min(spread):.1%}",
            f"{max(spread):.1%}",
        )
    return table


def _forecast_table(fc: ArrivalForecast, series: ArrivalSeries, elapsed_s: float) -> Table:
    factor = (
        ", ".join(
            f"{kind} {'not in history' if f is None else f'x{f:.2f}'}"
            for kind, f in fc.holiday_factors.items()
        )
        or "no calendar"
    )
    zone = f" {series.zone.key}" if series.zone else ""
    table = Table(
        title=f"Forecast ({fc.model}), {fc.interval_min}-minute intervals "
        f"from {series.local(fc.start):%Y-%m-%d %H:%M}{zone}",
        caption=f"holiday factors: {factor}; holidays in horizon: "
        f"{', '.join(map(str, fc.holidays_in_horizon)) or 'none'}; fit {elapsed_s:.1f} s",
    )
    for column in ("day", "calls", "peak interval", "peak calls"):
        table.add_column(column, justify="left" if column == "day" else "right")
    per_day = 24 * 60 // fc.interval_min
    for begin in range(0, len(fc.calls), per_day):
        day = fc.calls[begin : begin + per_day]
        peak = int(day.argmax())
        at = series.local(fc.start + timedelta(minutes=fc.interval_min * (begin + peak)))
        table.add_row(f"{at:%a %Y-%m-%d}", f"{day.sum():.0f}", f"{at:%H:%M}", f"{day[peak]:.1f}")
    return table


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"{option} {text!r} is not a date (YYYY-MM-DD)",
            problems=[ProblemDetail(option, "use YYYY-MM-DD")],
        ) from exc


def _rows_to_lines(text: str, lines: Sequence[int]) -> str:
    """Rewrite the domain's `rows[i]` (0-based data rows) as CSV `line N`."""
    return re.sub(r"rows\[(\d+)\]", lambda m: f"line {lines[int(m[1])]}", text)
