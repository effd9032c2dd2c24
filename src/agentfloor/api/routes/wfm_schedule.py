"""`POST /v1/wfm/schedule`: a roster of shifts covering agents needed per interval (CP-SAT).

The REST face of `agentfloor schedule`: `requirements` (agents per interval from midnight of day
0, a whole number of days), shift `templates` and `workers` become a `wfm.ScheduleProblem`, and
`wfm.schedule_shifts` returns the roster that leaves the fewest interval-agents uncovered, then
pays the fewest hours, within `time_limit_s`. Bad input is a 422 whose `errors` name the body
field (`body.workers.<i>.min_hours`); rules no roster can meet are a 422 with the reason and
`proven` (true: the solver proved it; false: the time limit ran out first). Solving takes up to
`time_limit_s` of CPU, so the route is a sync `def`: FastAPI runs it in its threadpool.
`?format=png` returns the CLI's coverage plot (requirement vs scheduled) instead of JSON.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from agentfloor.api.auth import allow
from agentfloor.api.routes.wfm_png import PNG_RESPONSES, FormatQuery, png_response
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.wfm import (
    BreakRule,
    ScheduledShift,
    ScheduleProblem,
    ScheduleResult,
    ShiftTemplate,
    Worker,
    coverage_png,
    schedule_shifts,
)

__all__ = ["router"]

router = APIRouter()

_DAY = 1440
_ITEM = re.compile(r"^(workers|shift_templates)\[(.+)\](?:\.(\w+))?$")
_WORKER_FIELDS = {
    "worker_id": "id",
    "min_weekly_hours": "min_hours",
    "max_weekly_hours": "max_hours",
    "days_off": "days_off",
    "earliest_start_min": "window_start_minutes",
    "latest_end_min": "window_end_minutes",
}
_TEMPLATE_FIELDS = {"name": "name", "length_min": "length_minutes", "starts_min": "starts_minutes"}
_LOCS = {
    "interval_min": "body.interval_minutes",
    "requirement": "body.requirements",
    "shift_templates": "body.templates",
    "shift_templates.name": "body.templates",
    "workers": "body.workers",
    "workers.worker_id": "body.workers",
    "min_rest_min": "body.min_rest_minutes",
    "break_rule": "body.break_minutes",
    "break_rule.break_min": "body.break_minutes",
    "time_limit_s": "body.time_limit_s",
}

Agents = Annotated[int, Field(ge=0, le=100_000)]
MinuteOfDay = Annotated[int, Field(ge=0, lt=_DAY)]
DayIndex = Annotated[int, Field(ge=0, le=27)]


class TemplateIn(BaseModel):
    """A kind of shift: its length and the minutes of the day it may start."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=64, description="Default `t<i>`.")
    length_minutes: int = Field(gt=0, le=720)
    starts_minutes: list[MinuteOfDay] | None = Field(
        None,
        min_length=1,
        max_length=96,
        description="Minutes after midnight it may start; default every full hour.",
    )


class WorkerIn(BaseModel):
    """A person who can be rostered: paid hours over the horizon, daily window, days off."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64)
    min_hours: float = Field(0, ge=0, le=1000, description="Least paid hours over the horizon.")
    max_hours: float = Field(40, ge=0, le=1000, description="Most paid hours over the horizon.")
    window_start_minutes: MinuteOfDay = Field(0, description="Earliest shift start, of the day.")
    window_end_minutes: int = Field(
        2 * _DAY, gt=0, le=2 * _DAY, description="Latest shift end from midnight (max 2880)."
    )
    days_off: list[DayIndex] = Field(default_factory=list, max_length=28)


class ScheduleIn(BaseModel):
    """Agents needed per interval, the shift kinds and the workers to roster."""

    model_config = ConfigDict(extra="forbid")

    interval_minutes: Literal[15, 30, 60]
    requirements: list[Agents] = Field(
        min_length=1,
        max_length=28 * 96,
        description="Agents needed per interval from midnight of day 0; whole days.",
    )
    templates: list[TemplateIn] = Field(min_length=1, max_length=20)
    workers: list[WorkerIn] = Field(min_length=1, max_length=1000)
    min_rest_minutes: int = Field(660, ge=0, le=_DAY, description="Least rest between shifts.")
    break_minutes: int | None = Field(
        None,
        gt=0,
        le=120,
        description="The break in shifts over 6 h; default 30 (60 with hourly intervals).",
    )
    time_limit_s: float = Field(30, ge=1, le=120)


class ShiftOut(BaseModel):
    """One shift; minutes count from midnight of day 0."""

    worker_id: str
    template: str
    day: int
    start_minutes: int
    end_minutes: int
    break_start_minutes: int | None
    break_end_minutes: int | None


class TotalsOut(BaseModel):
    """How well the roster covers the requirement."""

    required: int
    under_staffed: int
    under_staffed_bound: int
    over_staffed: int
    coverage_pct: float
    paid_hours: float
    shifts: int
    workers_rostered: int


class ScheduleOut(BaseModel):
    """The roster, agents working per interval and the totals."""

    status: str
    wall_time_s: float
    roster: list[ShiftOut]
    requirements: list[int]
    coverage: list[int]
    totals: TotalsOut


def _problem(body: ScheduleIn) -> ScheduleProblem:
    """Build the domain problem, locating construction errors at the item's index."""
    templates = []
    for i, t in enumerate(body.templates):
        starts = t.starts_minutes or [h * 60 for h in range(24)]
        try:
            templates.append(ShiftTemplate(t.name or f"t{i}", t.length_minutes, tuple(starts)))
        except InvalidInput as exc:
            raise _relocated(exc, f"body.templates.{i}", _TEMPLATE_FIELDS) from exc
    workers = []
    for i, w in enumerate(body.workers):
        try:
            workers.append(
                Worker(
                    w.id,
                    min_weekly_hours=w.min_hours,
                    max_weekly_hours=w.max_hours,
                    days_off=frozenset(w.days_off),
                    earliest_start_min=w.window_start_minutes,
                    latest_end_min=w.window_end_minutes,
                )
            )
        except InvalidInput as exc:
            raise _relocated(exc, f"body.workers.{i}", _WORKER_FIELDS) from exc
    return ScheduleProblem(
        requirement=tuple(body.requirements),
        shift_templates=tuple(templates),
        workers=tuple(workers),
        interval_min=body.interval_minutes,
        break_rule=BreakRule(break_min=body.break_minutes or max(30, body.interval_minutes)),
        min_rest_min=body.min_rest_minutes,
    )


def _relocated(exc: InvalidInput, item: str, fields: dict[str, str]) -> InvalidInput:
    problems = []
    for p in exc.problems:
        field = p.loc.rsplit(".", 1)[-1] if "." in p.loc else ""
        loc = f"{item}.{fields[field]}" if field in fields else item
        problems.append(ProblemDetail(loc, p.message))
    return InvalidInput(exc.message, problems=problems or [ProblemDetail(item, exc.message)])


def _body_loc(loc: str, body: ScheduleIn) -> str:
    if loc.startswith("body"):
        return loc
    m = _ITEM.match(loc)
    if m:
        kind, key, field = m.groups()
        if kind == "workers":
            index = {repr(w.id): i for i, w in enumerate(body.workers)}.get(key)
            base, fields = "body.workers", _WORKER_FIELDS
        else:
            names = [t.name or f"t{i}" for i, t in enumerate(body.templates)]
            index = {repr(n): i for i, n in enumerate(names)}.get(key)
            base, fields = "body.templates", _TEMPLATE_FIELDS
        if index is None:
            return base
        return f"{base}.{index}" + (f".{fields[field]}" if field in fields else "")
    return _LOCS.get(loc, "body")


def _out(result: ScheduleResult) -> ScheduleOut:
    def shift(s: ScheduledShift) -> ShiftOut:
        return ShiftOut(
            worker_id=s.worker_id,
            template=s.template,
            day=s.day,
            start_minutes=s.start_min,
            end_minutes=s.end_min,
            break_start_minutes=s.break_start_min,
            break_end_minutes=s.break_end_min,
        )

    return ScheduleOut(
        status=result.status.value,
        wall_time_s=round(result.wall_time_s, 3),
        roster=[shift(s) for s in result.shifts],
        requirements=list(result.requirement),
        coverage=list(result.coverage),
        totals=TotalsOut(
            required=sum(result.requirement),
            under_staffed=result.under_staffed,
            under_staffed_bound=result.under_staffed_bound,
            over_staffed=result.over_staffed,
            coverage_pct=round(result.coverage_pct, 2),
            paid_hours=result.paid_hours,
            shifts=len(result.shifts),
            workers_rostered=len(result.roster),
        ),
    )


@router.post("/schedule", response_model=ScheduleOut, responses=PNG_RESPONSES, **allow())
def schedule(
    body: ScheduleIn,
    format: FormatQuery = "json",
) -> ScheduleOut | Response:
    """Roster the workers to cover the requirement (422 names bad fields or an infeasible rule)."""
    try:
        result = schedule_shifts(_problem(body), time_limit_s=body.time_limit_s)
    except InvalidInput as exc:
        if not exc.problems:
            raise  # ScheduleInfeasible: the reason is the message, `proven` says how sure
        problems = [ProblemDetail(_body_loc(p.loc, body), p.message) for p in exc.problems]
        raise InvalidInput(exc.message, problems=problems, extra=exc.extra) from exc
    if format == "png":
        return png_response(coverage_png(result, body.interval_minutes))
    return _out(result)
