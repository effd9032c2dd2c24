"""`agentfloor schedule REQUIREMENTS WORKERS`: roster workers onto shifts with CP-SAT.

REQUIREMENTS is a CSV with the header `start,agents` (agents needed per interval) or
`start,calls` (calls offered per interval, staffed here with Erlang C from `--aht` and `--sl`);
one row per interval, ISO local times on the `--interval` grid, from midnight of the first day to
the end of the last, with no gaps. WORKERS is a CSV with the header
`id,min_hours,max_hours,start,end,days_off,skills`: hours over the horizon, a daily window
`HH:MM` (an end at or before the start runs past midnight), days off like `sat;sun` and skills
like `billing;sales`. Every problem names its CSV line and column and exits 2.

The solving is `agentfloor.wfm.schedule_shifts`; this module reads the files, prints the rich
tables, writes the roster CSV and the coverage PNG that `wfm.plots` draws (the same picture
`POST /v1/wfm/schedule?format=png` returns).
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from agentfloor.cli.common import out
from agentfloor.cli.forecast import parse_duration_min
from agentfloor.cli.wfm import parse_duration_s, parse_service_level
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.wfm import (
    BreakRule,
    ScheduleProblem,
    ScheduleResult,
    ShiftTemplate,
    StaffingTarget,
    Worker,
    coverage_png,
    erlang_c_staffing,
    schedule_shifts,
    traffic_erlangs,
)

__all__ = ["read_requirements_csv", "read_workers_csv", "schedule"]

MINUTES_PER_DAY = 1440
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKER_COLUMNS = ("id", "min_hours", "max_hours", "start", "end", "days_off", "skills")


@dataclass(frozen=True, slots=True)
class Requirement:
    """Agents needed per interval from `first` (midnight of day 0); `source` is agents or calls."""

    first: datetime
    agents: tuple[int, ...]
    source: str


class _Problems:
    """Collects `line N, column C: message` problems and raises them as one `InvalidInput`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[ProblemDetail] = []

    def add(self, line: int, column: str, message: str) -> None:
        self.items.append(ProblemDetail(f"line {line}, column {column}", message))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]
        more = f" (and {len(self.items) - 1} more)" if len(self.items) > 1 else ""
        raise InvalidInput(
            f"{self.path}: {first.loc}: {first.message}{more}", problems=self.items[:20]
        )


def _header(path: Path, reader: csv.DictReader[str], need: Sequence[str], hint: str) -> None:
    found = reader.fieldnames or []
    missing = [c for c in need if c not in found]
    if missing:
        raise InvalidInput(
            f"{path}: line 1: the header must name the columns {hint}; "
            f"missing {', '.join(missing)}",
            problems=[ProblemDetail("line 1", f"found {found}")],
        )


def read_requirements_csv(
    path: Path, interval_min: int, aht_s: float | None, target: StaffingTarget
) -> Requirement:
    """Read `start,agents` or `start,calls` (staffed with Erlang C) on the interval grid."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        source = "agents" if "agents" in fields else "calls"
        _header(path, reader, ("start", source), "start,agents or start,calls")
        if source == "calls" and aht_s is None:
            raise InvalidInput(
                f"{path}: a start,calls file needs --aht (and --sl) to compute agents",
                problems=[ProblemDetail("--aht", "give the average handle time, e.g. 240")],
            )
        problems = _Problems(path)
        first: datetime | None = None
        previous: datetime | None = None
        agents: list[int] = []
        for line, row in enumerate(reader, start=2):
            start = _read_start(row.get("start"), line, interval_min, problems)
            count = _read_count(row.get(source), line, source, problems)
            if start is None:
                previous = None  # the next row's gap cannot be judged
                continue
            if first is None:
                first = start
                if start.hour or start.minute:
                    problems.add(line, "start", f"the first interval must start at 00:00: {start}")
            elif previous is not None and start - previous != timedelta(minutes=interval_min):
                problems.add(
                    line,
                    "start",
                    f"{start} does not follow {previous} by one {interval_min}-min interval",
                )
            previous = start
            if count is None:
                continue
            if source == "calls":
                assert aht_s is not None
                traffic = traffic_erlangs(count, aht_s, interval_min * 60)
                agents.append(erlang_c_staffing(traffic, aht_s, target).scheduled)
            elif count != int(count):
                problems.add(line, source, f"agents must be a whole number, got {count:g}")
            else:
                agents.append(int(count))
    problems.raise_if_any()
    per_day = MINUTES_PER_DAY // interval_min
    if first is None or len(agents) % per_day:
        raise InvalidInput(
            f"{path}: needs whole days of {per_day} {interval_min}-min intervals "
            f"from 00:00, got {len(agents)} rows",
            problems=[ProblemDetail("rows", f"{len(agents)} is not a multiple of {per_day}")],
        )
    return Requirement(first, tuple(agents), source)


def _read_start(
    text: str | None, line: int, interval_min: int, problems: _Problems
) -> datetime | None:
    try:
        start = datetime.fromisoformat(text or "").replace(tzinfo=None)
    except ValueError:
        problems.add(line, "start", f"{text!r} is not an ISO date-time like 2026-11-30T08:30")
        return None
    if start.second or start.microsecond or (start.hour * 60 + start.minute) % interval_min:
        problems.add(line, "start", f"{start} is not on the {interval_min}-min grid")
        return None
    return start


def _read_count(text: str | None, line: int, column: str, problems: _Problems) -> float | None:
    try:
        value = float(text or "")
    except ValueError:
        problems.add(line, column, f"{text!r} is not a number")
        return None
    if not value >= 0:  # also rejects nan
        problems.add(line, column, f"must be >= 0, got {text}")
        return None
    return value


def read_workers_csv(path: Path, first: datetime, days: int) -> tuple[Worker, ...]:
    """Read the workers; days off by weekday name become the horizon's day indexes."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        _header(path, reader, WORKER_COLUMNS, ",".join(WORKER_COLUMNS))
        problems = _Problems(path)
        workers: list[Worker] = []
        seen: dict[str, int] = {}
        for line, row in enumerate(reader, start=2):
            worker = _read_worker(row, line, first, days, problems)
            if worker is None:
                continue
            if worker.worker_id in seen:
                problems.add(
                    line, "id", f"{worker.worker_id!r} is already on line {seen[worker.worker_id]}"
                )
                continue
            seen[worker.worker_id] = line
            workers.append(worker)
    problems.raise_if_any()
    if not workers:
        raise InvalidInput(
            f"{path}: no workers", problems=[ProblemDetail("rows", "add one row per worker")]
        )
    return tuple(workers)


def _read_worker(
    row: dict[str, str | None], line: int, first: datetime, days: int, problems: _Problems
) -> Worker | None:
    before = len(problems.items)
    worker_id = (row.get("id") or "").strip()
    if not worker_id:
        problems.add(line, "id", "must not be empty")
    hours = []
    for column in ("min_hours", "max_hours"):
        value = _read_count(row.get(column), line, column, problems)
        hours.append(value or 0.0)
    if len(problems.items) == before and hours[0] > hours[1]:
        problems.add(line, "min_hours", f"{hours[0]:g} is more than max_hours {hours[1]:g}")
    start = _read_clock(row.get("start"), line, "start", problems, default=0)
    end = _read_clock(row.get("end"), line, "end", problems, default=2 * MINUTES_PER_DAY)
    if start is not None and end is not None:
        if start >= MINUTES_PER_DAY:
            problems.add(line, "start", "the window must start before 24:00")
        elif end <= start:
            end += MINUTES_PER_DAY  # an evening window that ends after midnight
    off: set[int] = set()
    for name in _split(row.get("days_off")):
        if name[:3] not in WEEKDAYS or name not in (name[:3], _long_day(name[:3])):
            problems.add(line, "days_off", f"{name!r} is not a weekday like mon or sat;sun")
            continue
        weekday = WEEKDAYS.index(name[:3])
        off.update(d for d in range(days) if (first + timedelta(days=d)).weekday() == weekday)
    if len(problems.items) > before or start is None or end is None:
        return None
    return Worker(
        worker_id=worker_id,
        min_weekly_hours=hours[0],
        max_weekly_hours=hours[1],
        days_off=frozenset(off),
        earliest_start_min=start,
        latest_end_min=end,
        skills=frozenset(_split(row.get("skills"))),
    )


def _long_day(short: str) -> str:
    return {
        "mon": "monday",
        "tue": "tuesday",
        "wed": "wednesday",
        "thu": "thursday",
        "fri": "friday",
        "sat": "saturday",
        "sun": "sunday",
    }[short]


def _split(text: str | None) -> list[str]:
    return [p.strip().lower() for p in (text or "").split(";") if p.strip()]


def _read_clock(
    text: str | None, line: int, column: str, problems: _Problems, *, default: int
) -> int | None:
    text = (text or "").strip()
    if not text:
        return default
    hh, sep, mm = text.partition(":")
    if sep and hh.isdigit() and mm.isdigit() and len(mm) == 2:
        minutes = int(hh) * 60 + int(mm)
        if int(mm) < 60 and minutes <= MINUTES_PER_DAY:
            return minutes
    problems.add(line, column, f"{text!r} is not a time of day HH:MM (00:00 to 24:00)")
    return None


def _templates(shifts: str, interval_min: int) -> tuple[ShiftTemplate, ...]:
    starts = tuple(range(0, MINUTES_PER_DAY, interval_min))
    names = [s.strip() for s in shifts.split(",") if s.strip()]
    if not names:
        raise InvalidInput("--shifts: give shift lengths like 4h,6h,8h")
    return tuple(
        ShiftTemplate(name, parse_duration_min(name, "--shifts"), starts) for name in names
    )


def schedule(
    requirements: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="CSV: start,agents or start,calls"),
    ],
    workers: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="CSV: id,min_hours,max_hours,start,end,days_off,skills",
        ),
    ],
    interval: Annotated[str, typer.Option(help="Interval length of the requirement.")] = "30m",
    shifts: Annotated[str, typer.Option(help="Shift lengths, comma-separated.")] = "4h,6h,8h",
    time_limit: Annotated[float, typer.Option(help="CP-SAT budget, seconds.")] = 60.0,
    aht: Annotated[
        str | None, typer.Option(help="Average handle time for a start,calls file: 240, 4m.")
    ] = None,
    sl: Annotated[str, typer.Option(help="Service level for a start,calls file.")] = "80/20",
    skill: Annotated[
        str | None, typer.Option(help="Roster only the workers with this skill.")
    ] = None,
    min_rest: Annotated[str, typer.Option(help="Least rest between two shifts.")] = "11h",
    out_png: Annotated[Path, typer.Option("--out", help="PNG of requirement vs scheduled.")] = Path(
        "schedule.png"
    ),
    roster: Annotated[Path, typer.Option(help="Roster CSV to write.")] = Path("roster.csv"),
) -> None:
    """Roster workers onto shifts covering the agents needed per interval (OR-Tools CP-SAT)."""
    interval_min = parse_duration_min(interval, "--interval")
    if MINUTES_PER_DAY % interval_min:
        raise InvalidInput(f"--interval {interval} must divide a day (15m, 30m, 60m)")
    level, answer_s = parse_service_level(sl)
    target = StaffingTarget(service_level=level, answer_time_s=answer_s)
    aht_s = parse_duration_s(aht, "--aht") if aht else None
    need = read_requirements_csv(requirements, interval_min, aht_s, target)
    days = len(need.agents) * interval_min // MINUTES_PER_DAY
    staff = read_workers_csv(workers, need.first, days)
    problem = ScheduleProblem(
        requirement=need.agents,
        shift_templates=_templates(shifts, interval_min),
        workers=staff,
        interval_min=interval_min,
        break_rule=BreakRule(break_min=max(30, interval_min)),
        min_rest_min=parse_duration_min(min_rest, "--min-rest"),
        skill=skill,
    )
    how = "" if need.source == "agents" else f" (Erlang C from calls, AHT {aht_s:g} s, {sl})"
    out.print(
        f"requirement: {sum(need.agents) * interval_min / 60:,.1f} agent-hours over {days} day(s) "
        f"of {interval_min}-min intervals, peak {max(need.agents)}{how}; "
        f"{len(staff)} workers, {sum(w.max_weekly_hours for w in staff):,.0f} h max"
    )
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    started = time.perf_counter()
    with Progress(*columns, console=out, transient=True) as progress:
        progress.add_task(f"CP-SAT solving (limit {time_limit:g} s)", total=None)
        result = schedule_shifts(problem, time_limit_s=time_limit)
    elapsed = time.perf_counter() - started
    out.print(_result_table(result, elapsed))
    out.print(_day_table(result, need.first, interval_min))
    _write_roster(roster, result, need.first)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    out_png.write_bytes(coverage_png(result, interval_min, need.first))
    out.print(f"roster: {roster}\nplot: {out_png}")


def _result_table(result: ScheduleResult, elapsed_s: float) -> Table:
    table = Table(title="Roster (CP-SAT)", title_justify="left")
    for name in ("status", "wall s", "coverage %", "under", "over", "paid h", "shifts"):
        table.add_column(name, justify="left" if name == "status" else "right")
    table.add_row(
        result.status.value,
        f"{elapsed_s:.1f}",
        f"{result.coverage_pct:.2f}",
        str(result.under_staffed),
        str(result.over_staffed),
        f"{result.paid_hours:,.1f}",
        str(len(result.shifts)),
    )
    table.caption = "under/over: interval-agents short of or beyond the requirement"
    return table


def _day_table(result: ScheduleResult, first: datetime, interval_min: int) -> Table:
    per_day = MINUTES_PER_DAY // interval_min
    table = Table(title="Per day", title_justify="left")
    for name in ("day", "required h", "scheduled h", "under", "over", "coverage %", "shifts"):
        table.add_column(name, justify="left" if name == "day" else "right")
    for d in range(len(result.requirement) // per_day):
        need = result.requirement[d * per_day : (d + 1) * per_day]
        cover = result.coverage[d * per_day : (d + 1) * per_day]
        under = sum(max(0, r - c) for r, c in zip(need, cover, strict=True))
        over = sum(max(0, c - r) for r, c in zip(need, cover, strict=True))
        pct = 100.0 if not sum(need) else 100.0 * (sum(need) - under) / sum(need)
        table.add_row(
            f"{first + timedelta(days=d):%a %Y-%m-%d}",
            f"{sum(need) * interval_min / 60:,.1f}",
            f"{sum(cover) * interval_min / 60:,.1f}",
            str(under),
            str(over),
            f"{pct:.1f}",
            str(sum(1 for s in result.shifts if s.day == d)),
        )
    return table


def _clock(first: datetime, minutes: int) -> str:
    return f"{first + timedelta(minutes=minutes):%H:%M}"


def _write_roster(path: Path, result: ScheduleResult, first: datetime) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["worker", "day", "start", "end", "break"])
        for s in result.shifts:
            pause = ""
            if s.break_start_min is not None and s.break_end_min is not None:
                pause = f"{_clock(first, s.break_start_min)}-{_clock(first, s.break_end_min)}"
            writer.writerow(
                [
                    s.worker_id,
                    f"{first + timedelta(days=s.day):%Y-%m-%d}",
                    _clock(first, s.start_min),
                    _clock(first, s.end_min),
                    pause,
                ]
            )
