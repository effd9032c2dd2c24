"""Scheduling values: interval requirements, shift templates, workers, and the roster answer.

Every time is whole minutes. Times of day (`starts_min`, availability windows) count from
midnight; times in a roster (`start_min`, `break_start_min`) count from the start of the
horizon (midnight of day 0), so a shift starting at 22:00 on day 1 has `start_min` 2760.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from agentfloor.core.errors import InvalidInput, ProblemDetail

__all__ = [
    "MINUTES_PER_DAY",
    "BreakRule",
    "ScheduleInfeasible",
    "ScheduleProblem",
    "ScheduleResult",
    "ScheduleStatus",
    "ScheduledShift",
    "ShiftOption",
    "ShiftTemplate",
    "Worker",
    "can_work",
    "coverage_of",
    "shift_options",
]

MINUTES_PER_DAY = 1440


def _invalid(loc: str, message: str) -> InvalidInput:
    return InvalidInput(f"{loc}: {message}", problems=[ProblemDetail(loc=loc, message=message)])


class ScheduleInfeasible(InvalidInput):
    """No roster satisfies the hard rules (hours, availability, rest), or none was found in time."""

    def __init__(self, message: str, *, proven: bool) -> None:
        super().__init__(message, extra={"proven": proven})
        self.proven = proven  # True: the solver proved it; False: the time limit ran out first


class ScheduleStatus(StrEnum):
    """How good the returned roster is known to be."""

    OPTIMAL = "optimal"  # proven best for the objective
    FEASIBLE = "feasible"  # the best found before the time limit; may not be optimal


@dataclass(frozen=True, slots=True)
class BreakRule:
    """One unpaid-or-paid break inside long shifts, placed by the solver.

    A shift longer than `applies_over_min` gets one break of `break_min` minutes that starts at
    least `earliest_after_start_min` after the shift starts and ends at least
    `latest_before_end_min` before it ends. The defaults are a 30-minute break for shifts over
    6 h, between 2 h after start and 2 h before end. Short (15-minute) rest breaks are not
    modelled: they belong to the shrinkage the staffing already added.
    """

    break_min: int = 30
    applies_over_min: int = 360
    earliest_after_start_min: int = 120
    latest_before_end_min: int = 120

    def __post_init__(self) -> None:
        if self.break_min <= 0:
            raise _invalid("break_rule.break_min", f"must be > 0, got {self.break_min}")
        for name in ("applies_over_min", "earliest_after_start_min", "latest_before_end_min"):
            value = getattr(self, name)
            if value < 0:
                raise _invalid(f"break_rule.{name}", f"must be >= 0, got {value}")


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """A kind of shift: its length and the times of day it may start."""

    name: str
    length_min: int
    starts_min: tuple[int, ...]

    def __post_init__(self) -> None:
        loc = f"shift_templates[{self.name!r}]"
        if not self.name:
            raise _invalid("shift_templates.name", "must not be empty")
        if not 0 < self.length_min <= 720:
            raise _invalid(f"{loc}.length_min", f"must be in (0, 720], got {self.length_min}")
        if not self.starts_min:
            raise _invalid(f"{loc}.starts_min", "give at least one start time")
        bad = [s for s in self.starts_min if not 0 <= s < MINUTES_PER_DAY]
        if bad:
            raise _invalid(f"{loc}.starts_min", f"must be minutes of the day in [0, 1440): {bad}")
        if len(set(self.starts_min)) != len(self.starts_min):
            raise _invalid(f"{loc}.starts_min", "has duplicate start times")


@dataclass(frozen=True, slots=True)
class Worker:
    """A person who can be rostered, with contract hours and availability.

    Attributes:
        worker_id: unique id.
        min_weekly_hours: paid hours the roster must give at least (over the whole horizon).
        max_weekly_hours: paid hours the roster may give at most.
        days_off: day indexes (0 = first day of the horizon) the worker cannot start a shift.
        earliest_start_min: earliest time of day a shift may start.
        latest_end_min: latest time a shift may end, from midnight of its start day (up to
            2880: a value past 1440 allows shifts that run past midnight).
        skills: what the worker can do; see `ScheduleProblem.skill`.
    """

    worker_id: str
    min_weekly_hours: float = 0.0
    max_weekly_hours: float = 40.0
    days_off: frozenset[int] = frozenset()
    earliest_start_min: int = 0
    latest_end_min: int = 2 * MINUTES_PER_DAY
    skills: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        loc = f"workers[{self.worker_id!r}]"
        if not self.worker_id:
            raise _invalid("workers.worker_id", "must not be empty")
        if not 0 <= self.min_weekly_hours <= self.max_weekly_hours:
            raise _invalid(
                f"{loc}.min_weekly_hours",
                f"need 0 <= min <= max weekly hours, got {self.min_weekly_hours} and "
                f"{self.max_weekly_hours}",
            )
        if any(d < 0 for d in self.days_off):
            raise _invalid(f"{loc}.days_off", "day indexes must be >= 0")
        if not 0 <= self.earliest_start_min < MINUTES_PER_DAY:
            raise _invalid(
                f"{loc}.earliest_start_min", f"must be in [0, 1440), got {self.earliest_start_min}"
            )
        if not self.earliest_start_min < self.latest_end_min <= 2 * MINUTES_PER_DAY:
            raise _invalid(
                f"{loc}.latest_end_min",
                f"must be after earliest_start_min and <= 2880, got {self.latest_end_min}",
            )


@dataclass(frozen=True, slots=True)
class ScheduleProblem:
    """What to roster: agents needed per interval, the shift kinds and the workers.

    Attributes:
        requirement: agents needed in each interval, from midnight of day 0; its length must be
            a whole number of days (336 intervals for a week of 30-minute intervals).
        interval_min: interval length; must divide a day, the shift lengths, start times and
            the break rule's times.
        shift_templates: the shift kinds.
        workers: who can be rostered.
        break_rule: where long shifts get their break.
        min_rest_min: least time off between the end of one shift and the start of the next.
        skill: when given, only workers with this skill are rostered. One skill per solve: to
            roster several skill groups, solve once per group.
    """

    requirement: tuple[int, ...]
    shift_templates: tuple[ShiftTemplate, ...]
    workers: tuple[Worker, ...]
    interval_min: int = 30
    break_rule: BreakRule = field(default_factory=BreakRule)
    min_rest_min: int = 660
    skill: str | None = None

    def __post_init__(self) -> None:
        step = self.interval_min
        if step <= 0 or MINUTES_PER_DAY % step:
            raise _invalid("interval_min", f"must divide a day (1440 minutes), got {step}")
        per_day = MINUTES_PER_DAY // step
        if not self.requirement or len(self.requirement) % per_day:
            raise _invalid(
                "requirement",
                f"needs a whole number of days of {per_day} intervals, got {len(self.requirement)}",
            )
        negative = [i for i, r in enumerate(self.requirement) if r < 0]
        if negative:
            raise _invalid("requirement", f"agents needed must be >= 0; negative at {negative}")
        if not self.shift_templates:
            raise _invalid("shift_templates", "give at least one shift template")
        if len({t.name for t in self.shift_templates}) != len(self.shift_templates):
            raise _invalid("shift_templates", "template names must be unique")
        for t in self.shift_templates:
            off = [s for s in (t.length_min, *t.starts_min) if s % step]
            if off:
                raise _invalid(
                    f"shift_templates[{t.name!r}]", f"times {off} are not on the {step}-min grid"
                )
        rule = self.break_rule
        off = [
            v
            for v in (rule.break_min, rule.earliest_after_start_min, rule.latest_before_end_min)
            if v % step
        ]
        if off:
            raise _invalid("break_rule", f"times {off} are not on the {step}-min grid")
        if not self.workers:
            raise _invalid("workers", "give at least one worker")
        ids = [w.worker_id for w in self.workers]
        if len(set(ids)) != len(ids):
            raise _invalid("workers", "worker ids must be unique")
        if not 0 <= self.min_rest_min <= MINUTES_PER_DAY:
            raise _invalid("min_rest_min", f"must be in [0, 1440], got {self.min_rest_min}")

    @property
    def days(self) -> int:
        """Days in the horizon."""
        return len(self.requirement) * self.interval_min // MINUTES_PER_DAY


@dataclass(frozen=True, slots=True)
class ScheduledShift:
    """One shift in the roster; times are minutes from the start of the horizon."""

    worker_id: str
    template: str
    day: int
    start_min: int
    end_min: int
    break_start_min: int | None = None
    break_end_min: int | None = None

    @property
    def paid_hours(self) -> float:
        """Paid time: the whole shift, break included."""
        return (self.end_min - self.start_min) / 60


@dataclass(frozen=True, slots=True)
class ScheduleResult:
    """A roster and how well it covers the requirement.

    Attributes:
        status: optimal, or the best found within the time limit.
        shifts: every shift, sorted by worker then start.
        requirement: agents needed per interval (as given).
        coverage: agents working per interval: on shift and not on break.
        under_staffed: sum over intervals of agents missing (interval-agents).
        over_staffed: sum over intervals of agents beyond the requirement.
        paid_hours: sum of shift lengths.
        wall_time_s: solver wall time.
        under_staffed_bound: the solver's proven lower bound on `under_staffed`: equal to it
            when the under-staffing is the least possible (always so when `status` is optimal).
    """

    status: ScheduleStatus
    shifts: tuple[ScheduledShift, ...]
    requirement: tuple[int, ...]
    coverage: tuple[int, ...]
    under_staffed: int
    over_staffed: int
    paid_hours: float
    wall_time_s: float
    under_staffed_bound: int

    @property
    def roster(self) -> dict[str, tuple[ScheduledShift, ...]]:
        """Each rostered worker's shifts, in start order."""
        out: dict[str, list[ScheduledShift]] = {}
        for s in self.shifts:
            out.setdefault(s.worker_id, []).append(s)
        return {k: tuple(v) for k, v in out.items()}

    @property
    def coverage_pct(self) -> float:
        """Percentage of the required interval-agents that are covered (100 when none needed)."""
        need = sum(self.requirement)
        return 100.0 if need == 0 else 100.0 * (need - self.under_staffed) / need


@dataclass(frozen=True, slots=True)
class ShiftOption:
    """One template started at one time on one day: what the solver gives a worker."""

    template: ShiftTemplate
    day: int
    start_min: int  # from the start of the horizon
    break_starts_min: tuple[int, ...]  # allowed break starts; empty when no break is due

    @property
    def end_min(self) -> int:
        """When the shift ends, in minutes from the start of the horizon."""
        return self.start_min + self.template.length_min


def shift_options(problem: ScheduleProblem) -> list[ShiftOption]:
    """Every (template, day, start) that fits in the horizon, with its allowed break starts.

    Raises:
        InvalidInput: a template that needs a break but is too short for the break window.
    """
    rule, step = problem.break_rule, problem.interval_min
    horizon_min = len(problem.requirement) * step
    options = []
    for t in problem.shift_templates:
        breaks: tuple[int, ...] = ()
        if t.length_min > rule.applies_over_min:
            first = rule.earliest_after_start_min
            last = t.length_min - rule.latest_before_end_min - rule.break_min
            if last < first:
                raise _invalid(
                    f"shift_templates[{t.name!r}].length_min",
                    f"{t.length_min} min is too short to fit the {rule.break_min}-min break "
                    f"between {first} min after start and {rule.latest_before_end_min} min "
                    "before end",
                )
            breaks = tuple(range(first, last + 1, step))
        for day in range(problem.days):
            for s in sorted(t.starts_min):
                start = day * MINUTES_PER_DAY + s
                if start + t.length_min <= horizon_min:
                    options.append(ShiftOption(t, day, start, tuple(start + b for b in breaks)))
    return options


def can_work(worker: Worker, option: ShiftOption, skill: str | None) -> bool:
    """Whether the worker's skills, days off, daily window and max hours allow the option."""
    start_of_day = option.start_min - option.day * MINUTES_PER_DAY
    return (
        (skill is None or skill in worker.skills)
        and option.day not in worker.days_off
        and start_of_day >= worker.earliest_start_min
        and start_of_day + option.template.length_min <= worker.latest_end_min
        and option.template.length_min <= round(worker.max_weekly_hours * 60)
    )


def coverage_of(shifts: tuple[ScheduledShift, ...], intervals: int, interval_min: int) -> list[int]:
    """Agents working in each interval: on shift and not on break."""
    cover = [0] * intervals
    for s in shifts:
        for t in range(s.start_min // interval_min, s.end_min // interval_min):
            cover[t] += 1
        if s.break_start_min is not None and s.break_end_min is not None:
            for t in range(s.break_start_min // interval_min, s.break_end_min // interval_min):
                cover[t] -= 1
    return cover
