"""`agentfloor staff`: how many agents an interval needs, by Erlang C and (with patience) Erlang A.

Prints one table per model: the recommended head count with its neighbours, so the cost of one
agent more or less is visible. Bad numbers are an `InvalidInput` (one red line, exit 2).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from agentfloor.cli.common import out
from agentfloor.core.errors import InvalidInput

if TYPE_CHECKING:
    from agentfloor.wfm import ErlangAResult, ErlangCResult, Staffing

__all__ = ["parse_duration_s", "parse_service_level", "staff"]

_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|m|min|h)?\s*$", re.IGNORECASE)
_SERVICE_LEVEL = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*%?\s*/\s*(.+)$")
NEIGHBOURS = 2  # rows either side of the recommended head count


def parse_duration_s(text: str, what: str, default_unit: str = "s") -> float:
    """Return seconds from `240`, `240s`, `4m`, `30min` or `1h`; a bare number is `default_unit`."""
    match = _DURATION.match(text)
    if not match:
        raise InvalidInput(f"{what}: {text!r} is not a duration like 240s, 4m or 1h")
    unit = (match.group(2) or default_unit).lower()
    return float(match.group(1)) * _UNITS[unit]


def parse_service_level(text: str) -> tuple[float, float]:
    """Return (fraction, answer time s) from `80/20` (80% answered within 20 s)."""
    match = _SERVICE_LEVEL.match(text)
    if not match:
        raise InvalidInput(f"--sl: {text!r} is not a service level like 80/20")
    percent = float(match.group(1))
    if not 0 < percent < 100:
        raise InvalidInput(f"--sl: the percentage must be between 0 and 100, got {percent:g}")
    return percent / 100, parse_duration_s(match.group(2), "--sl answer time")


def _fraction(value: float | None) -> float | None:
    # Accept 0.3 or 30 (percent): people type both.
    if value is None:
        return None
    return value / 100 if value > 1 else value


def _row(result: ErlangCResult | ErlangAResult, shrinkage: float, chosen: bool) -> list[str]:
    from agentfloor.wfm import ErlangCResult

    scheduled = math.ceil(result.agents / (1 - shrinkage) - 1e-9)
    if isinstance(result, ErlangCResult) and not result.is_stable:
        return [str(result.agents), str(scheduled), "0.0%", "unstable", "100.0%", "100.0%", "-"]
    abandon = "-" if isinstance(result, ErlangCResult) else f"{result.prob_abandon:.1%}"
    cells = [
        str(result.agents),
        str(scheduled),
        f"{result.service_level:.1%}",
        f"{result.asa_s:.1f} s",
        f"{result.occupancy:.1%}",
        f"{result.prob_wait:.1%}",
        abandon,
    ]
    return [f"[bold green]{c}[/]" for c in cells] if chosen else cells


def _table(
    title: str,
    staffing: Staffing,
    shrinkage: float,
    neighbours: list[ErlangCResult | ErlangAResult],
) -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("agents", "scheduled", "service level", "ASA", "occupancy", "P(wait)", "abandon"):
        table.add_column(name, justify="right")
    for result in neighbours:
        table.add_row(*_row(result, shrinkage, result.agents == staffing.agents))
    return table


def staff(
    calls: Annotated[float, typer.Option(help="Calls offered in the interval.")],
    aht: Annotated[str, typer.Option(help="Average handle time: 240, 240s or 4m.")],
    interval: Annotated[str, typer.Option(help="Interval length: 30m, 15m, 1h.")] = "30m",
    sl: Annotated[
        str | None, typer.Option(help="Service level target: 80/20 is 80% within 20 s.")
    ] = None,
    asa: Annotated[str | None, typer.Option(help="Average speed of answer target: 30s.")] = None,
    max_abandon: Annotated[
        float | None, typer.Option(help="Abandonment target (Erlang A), 0.05 or 5 (%).")
    ] = None,
    patience: Annotated[
        str | None, typer.Option(help="Mean caller patience (adds Erlang A): 90s, 2m.")
    ] = None,
    shrinkage: Annotated[float, typer.Option(help="Share of paid time off the phones.")] = 0.0,
    max_occupancy: Annotated[float, typer.Option(help="Busiest acceptable occupancy.")] = 1.0,
) -> None:
    """Compute the agents an interval needs to meet a service level, ASA or abandonment target."""
    from agentfloor.wfm import (
        StaffingTarget,
        erlang_a_metrics,
        erlang_a_staffing,
        erlang_c_metrics,
        erlang_c_staffing,
        traffic_erlangs,
    )

    aht_s = parse_duration_s(aht, "--aht")
    interval_s = parse_duration_s(interval, "--interval", default_unit="m")
    level, answer_s = parse_service_level(sl) if sl else (None, 20.0)
    if sl is None and asa is None and max_abandon is None:
        level = 0.8  # the industry's default 80/20
    target = StaffingTarget(
        service_level=level,
        answer_time_s=answer_s,
        max_asa_s=parse_duration_s(asa, "--asa") if asa else None,
        max_abandon=_fraction(max_abandon),
    )
    patience_s = parse_duration_s(patience, "--patience") if patience else None
    if target.max_abandon is not None and patience_s is None:
        raise InvalidInput("--max-abandon needs --patience: only Erlang A models abandonment")
    plan_shrinkage = _fraction(shrinkage) or 0.0
    plan_occupancy = _fraction(max_occupancy) or 0.0
    traffic = traffic_erlangs(calls, aht_s, interval_s)

    goals = []
    if target.service_level is not None:
        goals.append(f"{target.service_level:.0%} within {target.answer_time_s:g} s")
    if target.max_asa_s is not None:
        goals.append(f"ASA <= {target.max_asa_s:g} s")
    if target.max_abandon is not None:
        goals.append(f"abandonment <= {target.max_abandon:.1%}")
    out.print(
        f"{calls:g} calls in {interval_s / 60:g} min, AHT {aht_s:g} s: "
        f"[bold]{traffic:,.2f} Erlangs[/]. Target: {', '.join(goals)}; "
        f"shrinkage {plan_shrinkage:.0%}, max occupancy {plan_occupancy:.0%}."
    )
    if target.max_abandon is None:
        c = erlang_c_staffing(
            traffic, aht_s, target, shrinkage=plan_shrinkage, max_occupancy=plan_occupancy
        )
        rows: list[ErlangCResult | ErlangAResult] = [
            erlang_c_metrics(n, traffic, aht_s, answer_s) for n in _around(c.agents)
        ]
        out.print(_table(_title("Erlang C (callers never hang up)", c), c, plan_shrinkage, rows))
    if patience_s is not None:
        a = erlang_a_staffing(
            traffic,
            aht_s,
            patience_s,
            target,
            shrinkage=plan_shrinkage,
            max_occupancy=plan_occupancy,
        )
        rows = [
            erlang_a_metrics(n, traffic, aht_s, patience_s, answer_s) for n in _around(a.agents)
        ]
        title = f"Erlang A (mean patience {patience_s:g} s; ASA is over all callers)"
        out.print(_table(_title(title, a), a, plan_shrinkage, rows))


def _around(agents: int) -> range:
    return range(max(0, agents - NEIGHBOURS), agents + NEIGHBOURS + 1)


def _title(model: str, staffing: Staffing) -> str:
    why = (
        f" ({staffing.agents_for_target} meet the target; max occupancy needs more)"
        if staffing.occupancy_bound
        else ""
    )
    return f"{model}: [bold]{staffing.agents} agents, {staffing.scheduled} scheduled[/]{why}"
