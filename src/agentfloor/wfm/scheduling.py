"""Scheduling: build shifts and a roster that cover interval requirements, with OR-Tools CP-SAT.

The model is a set-covering integer program (Dantzig, "A comment on Edie's traffic delays at toll
booths", 1954) with breaks placed implicitly (Aykin, "Optimal shift scheduling with multiple
break windows", Management Science 42(4), 1996): one 0/1 variable per (worker, shift option),
and per shift option one integer per break start counting how many of its workers take their
break there. Workers on the same shift option are interchangeable for coverage, so break counts
are dealt to them afterwards; this keeps the model small (no variable per worker and break).

Hard rules: at most one shift per worker per day, the worker's days off and daily window, min and
max paid hours over the horizon, and `min_rest_min` between shifts. The objective is
lexicographic through weights: under-staffed interval-agents cost more than every possible paid
interval together, so no saving in paid hours can buy one interval-agent of under-staffing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from ortools.sat.python import cp_model

from agentfloor.wfm.scheduling_greedy import greedy_roster
from agentfloor.wfm.scheduling_model import (
    ScheduledShift,
    ScheduleInfeasible,
    ScheduleProblem,
    ScheduleResult,
    ScheduleStatus,
    ShiftOption,
    Worker,
    _invalid,
    can_work,
    coverage_of,
    shift_options,
)

__all__ = ["schedule_shifts"]

# Share of the time limit for phase 1 (least under-staffing); phase 2 (least paid time) gets the
# rest, and all of it when phase 1 proves its optimum early.
_FIRST_PHASE_SHARE = 0.6


def _check_min_hours(worker: Worker, options: list[ShiftOption]) -> None:
    """Fail early, naming the worker, when min hours cannot be met even ignoring rest."""
    longest_by_day: dict[int, int] = defaultdict(int)
    for o in options:
        longest_by_day[o.day] = max(longest_by_day[o.day], o.template.length_min)
    most_min = sum(longest_by_day.values())
    if most_min < round(worker.min_weekly_hours * 60):
        raise _invalid(
            f"workers[{worker.worker_id!r}].min_weekly_hours",
            f"{worker.min_weekly_hours} h cannot be met: the worker's available days and window "
            f"allow at most {most_min / 60:g} h",
        )


def schedule_shifts(
    problem: ScheduleProblem,
    *,
    time_limit_s: float = 60.0,
    num_workers: int = 2,
    seed: int = 0,
    hint: tuple[ScheduledShift, ...] | None = None,
) -> ScheduleResult:
    """Return the roster that minimises under-staffing first, then paid hours.

    Args:
        problem: requirement, shift templates, workers and rules.
        time_limit_s: solver wall-time budget; the best roster found by then is returned.
        num_workers: CP-SAT search threads.
        seed: CP-SAT random seed.
        hint: a roster to start the search from (last week's, say); shifts that match no
            shift option are ignored, and it need not be feasible to help. None starts from
            `greedy_roster`, which speeds the search a lot on large problems; () starts cold.

    Raises:
        InvalidInput: a worker whose min hours their availability cannot give, or a template
            too short for its break.
        ScheduleInfeasible: the hard rules admit no roster, or none was found in time.
    """
    if not time_limit_s > 0:
        raise _invalid("time_limit_s", f"must be > 0, got {time_limit_s}")
    if num_workers < 1:
        raise _invalid("num_workers", f"must be >= 1, got {num_workers}")
    step = problem.interval_min
    options = shift_options(problem)
    model = cp_model.CpModel()

    # x[w][o]: worker w works option o.
    x: list[dict[int, cp_model.IntVar]] = []
    by_option: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    max_paid_intervals = 0
    for wi, w in enumerate(problem.workers):
        mine = [oi for oi, o in enumerate(options) if can_work(w, o, problem.skill)]
        _check_min_hours(w, [options[oi] for oi in mine])
        xw = {oi: model.new_bool_var(f"x_{wi}_{oi}") for oi in mine}
        x.append(xw)
        for oi, var in xw.items():
            by_option[oi].append(var)
        if xw:
            paid = sum(options[oi].template.length_min * var for oi, var in xw.items())
            model.add(paid >= round(w.min_weekly_hours * 60))
            model.add(paid <= round(w.max_weekly_hours * 60))
        max_paid_intervals += round(w.max_weekly_hours * 60) // step
        by_day: dict[int, list[int]] = defaultdict(list)
        for oi in xw:
            by_day[options[oi].day].append(oi)
        works: dict[int, cp_model.IntVar] = {}
        for day, ois in by_day.items():
            works[day] = model.new_bool_var(f"works_{wi}_{day}")
            model.add(sum(xw[oi] for oi in ois) == works[day])  # one shift a day at most
        # Rest between shifts on days d and d2 (d2 <= d + 2: shifts are <= 12 h and rest <= 24 h,
        # so shifts three days apart always have the rest).
        for day in by_day:
            for later in (day + 1, day + 2):
                if later not in by_day:
                    continue
                end = sum(options[oi].end_min * xw[oi] for oi in by_day[day])
                start = sum(options[oi].start_min * xw[oi] for oi in by_day[later])
                model.add(start - end >= problem.min_rest_min).only_enforce_if(
                    [works[day], works[later]]
                )

    # n[o]: workers on option o; b[o][k]: how many of them take the k-th allowed break start.
    cover: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in problem.requirement]
    n: dict[int, cp_model.IntVar] = {}
    breaks: dict[int, list[cp_model.IntVar]] = {}
    break_len = problem.break_rule.break_min // step
    for oi, vars_ in by_option.items():
        o = options[oi]
        n[oi] = model.new_int_var(0, len(vars_), f"n_{oi}")
        model.add(n[oi] == sum(vars_))
        for t in range(o.start_min // step, o.end_min // step):
            cover[t].append((1, n[oi]))
        if o.break_starts_min:
            breaks[oi] = [
                model.new_int_var(0, len(vars_), f"b_{oi}_{k}")
                for k in range(len(o.break_starts_min))
            ]
            model.add(sum(breaks[oi]) == n[oi])
            for k, b_start in enumerate(o.break_starts_min):
                for t in range(b_start // step, b_start // step + break_len):
                    cover[t].append((-1, breaks[oi][k]))

    under = []
    for t, need in enumerate(problem.requirement):
        if need == 0:
            continue
        u = model.new_int_var(0, need, f"under_{t}")
        model.add(sum(c * v for c, v in cover[t]) + u >= need)
        under.append(u)
    paid_intervals = sum((options[oi].template.length_min // step) * v for oi, v in n.items())

    if hint is None:
        hint = greedy_roster(problem)
    if hint:
        hinted = {(s.worker_id, s.template, s.start_min) for s in hint}
        for wi, w in enumerate(problem.workers):
            for oi, var in x[wi].items():
                o = options[oi]
                model.add_hint(var, (w.worker_id, o.template.name, o.start_min) in hinted)

    # Phase 1: the least under-staffing. Phase 2: the least paid time keeping that under-staffing,
    # started from phase 1's roster. Two solves search better than one weighted sum, whose
    # huge weight hides the paid-time trade-offs from the search.
    model.minimize(sum(under))
    first, first_code = _solve(model, time_limit_s * _FIRST_PHASE_SHARE, num_workers, seed)
    if first_code == cp_model.INFEASIBLE:
        raise ScheduleInfeasible(
            "no roster meets the hard rules: check min weekly hours against days off, daily "
            "windows and the minimum rest between shifts",
            proven=True,
        )
    if first_code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ScheduleInfeasible(
            f"no roster found within {time_limit_s:g} s (solver status "
            f"{first.status_name(first_code)}); raise the time limit or offer fewer shift "
            "options",
            proven=False,
        )
    least_under = round(first.objective_value)
    under_bound = math.ceil(first.best_objective_bound - 1e-9) if under else 0
    solver, status, wall_time_s = first, first_code, first.wall_time
    remaining_s = time_limit_s - first.wall_time
    if remaining_s > 0:
        every = [v for xw in x for v in xw.values()] + list(n.values()) + under
        every += [b for bs in breaks.values() for b in bs]
        model.clear_hints()  # type: ignore[no-untyped-call]  # unannotated in ortools 9.15
        for var in every:
            model.add_hint(var, first.value(var))
        model.add(sum(under) <= least_under)
        model.minimize(paid_intervals)
        second, second_code = _solve(model, remaining_s, num_workers, seed)
        wall_time_s += second.wall_time
        if second_code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            solver = second
            both_optimal = first_code == second_code == cp_model.OPTIMAL
            status = cp_model.OPTIMAL if both_optimal else cp_model.FEASIBLE
    elif first_code == cp_model.OPTIMAL:
        status = cp_model.FEASIBLE  # paid time was never minimised

    shifts = []
    for oi, o in enumerate(options):
        if oi not in n:
            continue
        on = [
            problem.workers[wi].worker_id
            for wi in range(len(problem.workers))
            if oi in x[wi] and solver.boolean_value(x[wi][oi])
        ]
        dealt: Sequence[int | None] = [None] * len(on)
        if o.break_starts_min:
            dealt = [
                at
                for k, at in enumerate(o.break_starts_min)
                for _ in range(solver.value(breaks[oi][k]))
            ]
        for worker_id, brk in zip(sorted(on), dealt, strict=True):
            shifts.append(
                ScheduledShift(
                    worker_id=worker_id,
                    template=o.template.name,
                    day=o.day,
                    start_min=o.start_min,
                    end_min=o.end_min,
                    break_start_min=brk,
                    break_end_min=None if brk is None else brk + problem.break_rule.break_min,
                )
            )
    shifts.sort(key=lambda s: (s.worker_id, s.start_min))
    roster = tuple(shifts)
    coverage = coverage_of(roster, len(problem.requirement), step)
    return ScheduleResult(
        status=ScheduleStatus.OPTIMAL if status == cp_model.OPTIMAL else ScheduleStatus.FEASIBLE,
        shifts=roster,
        requirement=problem.requirement,
        coverage=tuple(coverage),
        under_staffed=sum(
            max(0, r - c) for r, c in zip(problem.requirement, coverage, strict=True)
        ),
        over_staffed=sum(max(0, c - r) for r, c in zip(problem.requirement, coverage, strict=True)),
        paid_hours=sum(s.paid_hours for s in roster),
        wall_time_s=wall_time_s,
        under_staffed_bound=under_bound,
    )


def _solve(
    model: cp_model.CpModel, time_limit_s: float, num_workers: int, seed: int
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = num_workers
    solver.parameters.random_seed = seed
    return solver, solver.solve(model)
