"""Simulation scenarios: the YAML file that says what contact centre to simulate, validated.

A scenario names a start (date and timezone), a horizon (`intervals` of `interval_s`), the
queues (channel, target expression, arrivals, handle time, patience, callback offer), the worker
groups (attributes, per-channel capacity, staffing by interval table, constant or roster), an
optional AI containment model, routing settings, replications, a seed and an optional sweep.
Pydantic models because the input is user-written YAML: every problem is reported at once, each
named by its path in the file (`queues[1].arrivals.per_interval: ...`), as one `InvalidInput`.
CSV files named by the scenario (replayed arrivals, a forecast of calls per interval) are read
when the scenario is loaded, so a replication in another process needs no file system and a bad
row is reported like any other field. So is a queue's contact flow (`flow.file`, a flow
document checked by `agentfloor.flows`, its problems reported under `queues[i].flow`, and its
caller model checked against it: see `sim.flows_check`).

The parts (distributions, arrivals, queues, staffing...) are in `sim.spec`. A sweep names one
field by its path (`ai.share`, `queues[0].handle_time.mean_s`, `workers[0].staffing.count`) and
the values to try; `with_value` returns the scenario with one of them in place, validated again.
"""

from __future__ import annotations

import copy
import csv
import re
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints (types-PyYAML does)
from pydantic import Field, ValidationError

from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.routing.expressions import parse_expression
from agentfloor.routing.model import SelectionStrategy
from agentfloor.sim.flows_check import flow_problems, read_flow_file
from agentfloor.sim.spec import (
    HHMM,
    AiContainment,
    KpiSpec,
    PoissonArrivals,
    QueueSpec,
    ReplayArrivals,
    RosterStaffing,
    RoutingSpec,
    Shift,
    SpecModel,
    Sweep,
    TableStaffing,
    WorkerGroup,
)

__all__ = ["Scenario", "load_scenario", "parse_scenario"]


class Scenario(SpecModel):
    """A simulated contact centre: see the module docstring."""

    name: str = "scenario"
    start: datetime = datetime(2026, 1, 5, 8, 0)  # naive: local time in `timezone`
    timezone: str = "UTC"
    interval_s: float = Field(default=900.0, gt=0, allow_inf_nan=False)
    intervals: int = Field(default=1, ge=1, le=100_000)
    warmup_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    queues: list[QueueSpec] = Field(min_length=1)
    workers: list[WorkerGroup] = Field(min_length=1)
    ai: AiContainment | None = None
    routing: RoutingSpec = RoutingSpec()
    kpis: KpiSpec = KpiSpec()
    replications: int = Field(default=10, ge=1, le=10_000)
    seed: int = Field(default=0, ge=0)
    sweep: Sweep | None = None

    @property
    def start_s(self) -> float:
        """The start as epoch seconds (a naive `start` is local time in `timezone`)."""
        start = self.start
        if start.tzinfo is None:
            start = start.replace(tzinfo=ZoneInfo(self.timezone))
        return start.timestamp()

    @property
    def duration_s(self) -> float:
        """The horizon: arrivals happen in [0, duration_s) after the start."""
        return self.intervals * self.interval_s

    def shift_bounds_s(self, shift: Shift) -> tuple[float, float]:
        """Return a shift's login and logout as seconds from the start."""
        zone = ZoneInfo(self.timezone)
        start = self.start if self.start.tzinfo else self.start.replace(tzinfo=zone)
        day = start.astimezone(zone).date()
        begin, end = (_local(day, text, zone) for text in (shift.start, shift.end))
        if end <= begin:
            end = _local(day + timedelta(days=1), shift.end, zone)
        return begin.timestamp() - start.timestamp(), end.timestamp() - start.timestamp()

    def with_value(self, variable: str, value: Any) -> Scenario:
        """Return the scenario with one field (a path like `queues[0].wrapup_s`) set, validated."""
        data = self.model_dump(mode="python", exclude_none=True)
        data.pop("sweep", None)
        _set_path(data, variable, value, loc="sweep.variable")
        return _validated(data, base_dir=None)


def _local(day: Any, text: str, zone: ZoneInfo) -> datetime:
    match = HHMM.match(text)
    assert match is not None  # checked when validating
    hours, minutes = int(match[1]), int(match[2])
    return datetime.combine(day, time(0), tzinfo=zone) + timedelta(hours=hours, minutes=minutes)


# --- loading --------------------------------------------------------------------------------------


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file; CSV paths in it are relative to the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            f"cannot read scenario {path}: {exc.strerror}",
            problems=[ProblemDetail("path", str(exc.strerror))],
        ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(
            f"scenario {path} is not valid YAML: {exc}",
            problems=[ProblemDetail("(file)", f"not valid YAML: {exc}")],
        ) from exc
    return parse_scenario(data, base_dir=path.parent)


def parse_scenario(data: Any, *, base_dir: str | Path | None = None) -> Scenario:
    """Validate a scenario given as plain data (parsed YAML or JSON).

    Raises:
        InvalidInput: every problem found, each named by its path in the scenario.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput(
            "a scenario is a mapping of fields (name, queues, workers...)",
            problems=[ProblemDetail("(root)", "must be a mapping")],
        )
    return _validated(dict(data), base_dir=None if base_dir is None else Path(base_dir))


def _validated(data: dict[str, Any], *, base_dir: Path | None) -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _invalid([ProblemDetail(_loc(e["loc"]), e["msg"]) for e in exc.errors()]) from exc
    problems: list[ProblemDetail] = []
    scenario = _read_files(scenario, base_dir, problems)
    problems += _check(scenario)
    if problems:
        raise _invalid(problems)
    return scenario


def _invalid(problems: list[ProblemDetail]) -> InvalidInput:
    text = "; ".join(f"{p.loc}: {p.message}" for p in problems)
    return InvalidInput(f"invalid scenario: {text}", problems=problems)


_TAGS = {"poisson", "constant", "replay", "exponential", "lognormal", "empirical", "table"}
_TAGS |= {"roster"}


def _loc(parts: tuple[int | str, ...]) -> str:
    """Return `queues[1].arrivals.per_interval` for pydantic's location tuple."""
    out = ""
    for i, part in enumerate(parts):
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _TAGS and i > 0 and isinstance(parts[i - 1], str):
            continue  # the union member pydantic tried: not a field the user wrote
        elif part.startswith(("constrained-", "tagged-union[")) or part in ("float", "int"):
            continue  # likewise, in a union of a number and a distribution (`prompt_time`)
        else:
            out += f".{part}" if out else part
    return out or "(root)"


def _check(s: Scenario) -> list[ProblemDetail]:
    """Check the rules across fields: lengths match the horizon, names exist, expressions parse."""
    problems: list[ProblemDetail] = []
    add = problems.append
    try:
        ZoneInfo(s.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        add(ProblemDetail("timezone", f"{s.timezone!r} is not an IANA timezone like Europe/Paris"))
        return problems  # the rest reads times in it
    if s.warmup_s >= s.duration_s:
        add(ProblemDetail("warmup_s", f"must be shorter than the horizon ({s.duration_s:g} s)"))
    seen: set[str] = set()
    for i, q in enumerate(s.queues):
        loc = f"queues[{i}]"
        if q.id in seen:
            add(ProblemDetail(f"{loc}.id", f"queue id {q.id!r} is used twice"))
        seen.add(q.id)
        try:
            parse_expression(q.target, loc="target")
        except InvalidInput as exc:
            why = "; ".join(p.message for p in exc.problems) or exc.message
            add(ProblemDetail(f"{loc}.target", why))
        if q.strategy == SelectionStrategy.MOST_SKILLED and not q.skill:
            add(ProblemDetail(f"{loc}.skill", "required by strategy most_skilled"))
        arrivals = q.arrivals
        if isinstance(arrivals, PoissonArrivals):
            if (arrivals.per_interval is None) == (arrivals.csv is None):
                add(ProblemDetail(f"{loc}.arrivals", "give exactly one of per_interval or csv"))
            elif arrivals.per_interval is not None and len(arrivals.per_interval) != s.intervals:
                n = len(arrivals.per_interval)
                add(
                    ProblemDetail(
                        f"{loc}.arrivals.per_interval",
                        f"has {n} values; the scenario has {s.intervals} intervals",
                    )
                )
    for i, g in enumerate(s.workers):
        staffing = g.staffing
        loc = f"workers[{i}].staffing"
        if isinstance(staffing, TableStaffing) and len(staffing.per_interval) != s.intervals:
            n = len(staffing.per_interval)
            add(
                ProblemDetail(
                    f"{loc}.per_interval",
                    f"has {n} values; the scenario has {s.intervals} intervals",
                )
            )
        if isinstance(staffing, RosterStaffing):
            for j, shift in enumerate(staffing.shifts):
                for name in ("start", "end"):
                    if not HHMM.match(getattr(shift, name)):
                        add(
                            ProblemDetail(
                                f"{loc}.shifts[{j}].{name}", "must be HH:MM (00:00-24:00)"
                            )
                        )
        if not any(n > 0 for n in g.capacity.values()):
            add(ProblemDetail(f"workers[{i}].capacity", "takes no channel: give one a count > 0"))
    if len({g.name for g in s.workers}) != len(s.workers):
        add(ProblemDetail("workers", "group names must be unique"))
    channels = {q.id: str(q.channel) for q in s.queues}
    for i, q in enumerate(s.queues):
        if q.flow is not None:
            loc = f"queues[{i}].flow"
            problems += flow_problems(q.flow, loc, channels, q.id, has_ai=s.ai is not None)
    if s.ai is not None and s.ai.queues is not None:
        for j, name in enumerate(s.ai.queues):
            if name not in seen:
                add(ProblemDetail(f"ai.queues[{j}]", f"there is no queue {name!r}"))
    if s.sweep is not None:
        try:
            _set_path(s.model_dump(mode="python"), s.sweep.variable, None, loc="sweep.variable")
        except InvalidInput as exc:
            problems += exc.problems
    return problems


# --- CSV files ------------------------------------------------------------------------------------


def _read_files(s: Scenario, base_dir: Path | None, problems: list[ProblemDetail]) -> Scenario:
    queues = list(s.queues)
    for i, q in enumerate(queues):
        if q.flow is not None:
            flow = read_flow_file(q.flow, base_dir, f"queues[{i}].flow", problems)
            queues[i] = q = q.model_copy(update={"flow": flow})
        arrivals, loc = q.arrivals, f"queues[{i}].arrivals.csv"
        if isinstance(arrivals, PoissonArrivals) and arrivals.csv is not None:
            rows = _rows(arrivals.csv, base_dir, loc, problems)
            counts = _column(rows, arrivals.column, loc, problems, float)
            if counts is not None:
                if any(c < 0 for c in counts):
                    problems.append(ProblemDetail(loc, "calls per interval must be >= 0"))
                queues[i] = q.model_copy(
                    update={
                        "arrivals": arrivals.model_copy(
                            update={"per_interval": counts, "csv": None}
                        )
                    }
                )
        elif isinstance(arrivals, ReplayArrivals) and not arrivals.times_s:
            rows = _rows(arrivals.csv, base_dir, loc, problems)
            replay = _replay(s, arrivals, rows, loc, problems)
            if replay is not None:
                queues[i] = q.model_copy(update={"arrivals": replay})
    return s.model_copy(update={"queues": queues})


def _rows(
    name: str, base_dir: Path | None, loc: str, problems: list[ProblemDetail]
) -> list[dict[str, str]] | None:
    path = Path(name) if base_dir is None else base_dir / name
    try:
        with path.open(newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except OSError as exc:
        problems.append(ProblemDetail(loc, f"cannot read {path}: {exc.strerror}"))
        return None


def _column(
    rows: list[dict[str, str]] | None,
    column: str,
    loc: str,
    problems: list[ProblemDetail],
    convert: Any,
) -> list[Any] | None:
    if rows is None:
        return None
    if rows and column not in rows[0]:
        problems.append(ProblemDetail(loc, f"has no column {column!r} (has {', '.join(rows[0])})"))
        return None
    out = []
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        try:
            out.append(convert(row[column]))
        except (TypeError, ValueError):
            problems.append(ProblemDetail(loc, f"line {line}: {column} {row[column]!r} is invalid"))
            return None
    return out


def _replay(
    s: Scenario,
    arrivals: ReplayArrivals,
    rows: list[dict[str, str]] | None,
    loc: str,
    problems: list[ProblemDetail],
) -> ReplayArrivals | None:
    try:
        zone = ZoneInfo(s.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None  # reported by _check
    start_s = s.start_s

    def offset(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            when = datetime.fromisoformat(text)
            if when.tzinfo is None:
                when = when.replace(tzinfo=zone)
            return when.timestamp() - start_s

    times = _column(rows, arrivals.column, loc, problems, offset)
    handles = None
    if arrivals.handle_column is not None:
        handles = _column(rows, arrivals.handle_column, loc, problems, float)
    if times is None or (arrivals.handle_column is not None and handles is None):
        return None
    keep = sorted(
        (t, i) for i, t in enumerate(times) if 0 <= t < s.duration_s
    )  # stable order for equal times: the file's
    update: dict[str, Any] = {"times_s": tuple(t for t, _ in keep)}
    if handles is not None:
        if any(h < 0 for h in handles):
            problems.append(ProblemDetail(loc, f"{arrivals.handle_column} must be >= 0 seconds"))
        update["handles_s"] = tuple(handles[i] for _, i in keep)
    return arrivals.model_copy(update=update)


# --- sweep paths ----------------------------------------------------------------------------------

_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)")


def _set_path(data: dict[str, Any], path: str, value: Any, *, loc: str) -> None:
    """Set `value` at `path` (`queues[0].handle_time.mean_s`) in plain data, in place."""
    node: Any = data
    steps: list[str | int] = []
    for part in path.split("."):
        match = _PART.fullmatch(part)
        if match is None:
            raise _invalid([ProblemDetail(loc, f"{path!r} is not a path like queues[0].wrapup_s")])
        steps.append(match[1])
        steps += [int(n) for n in re.findall(r"\d+", match[2])]
    for step in steps[:-1]:
        node = _step(node, step, path, loc)
    last = steps[-1]
    _step(node, last, path, loc)  # the field must exist (set or defaulted)
    node[last] = copy.deepcopy(value)


def _step(node: Any, step: str | int, path: str, loc: str) -> Any:
    ok = (isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node)) or (
        isinstance(step, str) and isinstance(node, dict) and step in node
    )
    if not ok:
        raise _invalid([ProblemDetail(loc, f"the scenario has no field {path!r}")])
    return node[step]
