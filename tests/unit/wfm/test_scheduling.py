"""Scheduling: CP-SAT rosters against hand-solved instances and the hard rules."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm.scheduling import schedule_shifts
from agentfloor.wfm.scheduling_greedy import greedy_roster
from agentfloor.wfm.scheduling_model import (
    BreakRule,
    ScheduledShift,
    ScheduleInfeasible,
    ScheduleProblem,
    ScheduleResult,
    ScheduleStatus,
    ShiftTemplate,
    Worker,
    coverage_of,
)

DAY = 48  # 30-minute intervals in a day
EVERY_30 = tuple(range(0, 1440, 30))
FOUR_H = ShiftTemplate("4h", 240, EVERY_30)
EIGHT_H = ShiftTemplate("8h", 480, EVERY_30)


def block(need: int, start_h: float, end_h: float, days: int = 1) -> tuple[int, ...]:
    """`need` agents from start_h to end_h on day 0, nobody else, over `days` days."""
    first, last = int(start_h * 2), int(end_h * 2)
    return tuple(need if first <= t < last else 0 for t in range(days * DAY))


def make_problem(**overrides: Any) -> ScheduleProblem:
    fields: dict[str, Any] = {
        "requirement": block(2, 9, 13),
        "shift_templates": (FOUR_H,),
        "workers": tuple(Worker(f"w{i}") for i in range(3)),
    }
    return ScheduleProblem(**(fields | overrides))


def solve(problem: ScheduleProblem) -> ScheduleResult:
    return schedule_shifts(problem, time_limit_s=10)


def test_two_agents_for_four_hours_take_two_four_hour_shifts() -> None:
    result = solve(make_problem())
    assert result.status is ScheduleStatus.OPTIMAL
    assert [(s.start_min, s.end_min, s.break_start_min) for s in result.shifts] == [
        (540, 780, None),
        (540, 780, None),
    ]
    assert (result.under_staffed, result.over_staffed, result.paid_hours) == (0, 0, 8.0)
    assert result.coverage == result.requirement
    assert result.coverage_pct == 100.0
    assert result.under_staffed_bound == 0


def test_eight_hour_breaks_need_a_third_shift() -> None:
    # Two agents 08:00-16:00 with 8 h shifts: each shift's 30-min break leaves a hole that only
    # a third shift can fill, so the optimum pays 24 h with no under-staffing.
    result = solve(make_problem(requirement=block(2, 8, 16), shift_templates=(EIGHT_H,)))
    assert result.status is ScheduleStatus.OPTIMAL
    assert (result.under_staffed, result.paid_hours) == (0, 24.0)
    assert len(result.shifts) == 3


def test_the_cheapest_shift_is_chosen_when_both_cover() -> None:
    result = solve(make_problem(requirement=block(1, 10, 14), shift_templates=(EIGHT_H, FOUR_H)))
    assert [s.template for s in result.shifts] == ["4h"]
    assert result.paid_hours == 4.0


def test_breaks_fall_inside_their_window() -> None:
    rule = BreakRule()
    six_h = ShiftTemplate("6h", 360, EVERY_30)
    result = solve(
        make_problem(
            requirement=block(3, 6, 20),  # 14 h: 6 h shifts alone cannot tile it
            shift_templates=(six_h, EIGHT_H),
            workers=tuple(Worker(f"w{i}") for i in range(10)),
        )
    )
    assert result.under_staffed == 0
    assert any(s.template == "8h" for s in result.shifts)
    for s in result.shifts:
        if s.end_min - s.start_min > rule.applies_over_min:
            assert s.break_start_min is not None and s.break_end_min is not None
            assert s.break_start_min >= s.start_min + rule.earliest_after_start_min
            assert s.break_end_min <= s.end_min - rule.latest_before_end_min
            assert s.break_end_min - s.break_start_min == rule.break_min
        else:
            assert s.break_start_min is None
    assert list(result.coverage) == coverage_of(result.shifts, len(result.requirement), 30)


def assert_hard_rules(problem: ScheduleProblem, shifts: tuple[ScheduledShift, ...]) -> None:
    """Everything but min hours: windows, days off, max hours, one shift a day, rest."""
    workers = {w.worker_id: w for w in problem.workers}
    by_worker: dict[str, list[ScheduledShift]] = {}
    for s in shifts:
        by_worker.setdefault(s.worker_id, []).append(s)
    for worker_id, mine in by_worker.items():
        w = workers[worker_id]
        assert sum(s.paid_hours for s in mine) <= w.max_weekly_hours
        assert len({s.day for s in mine}) == len(mine)
        for s in mine:
            assert s.day not in w.days_off
            assert s.start_min - s.day * 1440 >= w.earliest_start_min
            assert s.end_min - s.day * 1440 <= w.latest_end_min
        mine.sort(key=lambda s: s.start_min)
        for a, b in itertools.pairwise(mine):
            assert b.start_min - a.end_min >= problem.min_rest_min


def availability_problem() -> ScheduleProblem:
    days = 4
    workers = (
        Worker("early", min_weekly_hours=16, max_weekly_hours=16, latest_end_min=15 * 60),
        Worker("late", max_weekly_hours=24, earliest_start_min=12 * 60, days_off=frozenset({1})),
        Worker("any", max_weekly_hours=40),
    )
    need = tuple(2 if 7 * 2 <= t % DAY < 23 * 2 else 0 for t in range(days * DAY))
    return make_problem(
        requirement=need, shift_templates=(FOUR_H, EIGHT_H), workers=workers, min_rest_min=660
    )


def test_availability_hours_and_rest_are_respected() -> None:
    problem = availability_problem()
    result = solve(problem)
    assert_hard_rules(problem, result.shifts)
    assert sum(s.paid_hours for s in result.roster["early"]) == 16  # min hours met
    assert result.under_staffed > 0  # three workers cannot cover 2 agents 16 h a day


def test_greedy_keeps_the_hard_rules_and_covers_what_it_can() -> None:
    problem = availability_problem()
    shifts = greedy_roster(problem)
    assert_hard_rules(problem, shifts)
    assert {s.template for s in shifts} == {"8h"}
    cover = coverage_of(shifts, len(problem.requirement), 30)
    assert sum(min(c, r) for c, r in zip(cover, problem.requirement, strict=True)) > 0


def test_a_cold_start_finds_the_same_optimum() -> None:
    problem = make_problem(requirement=block(2, 8, 16), shift_templates=(EIGHT_H,))
    cold = schedule_shifts(problem, time_limit_s=10, hint=())
    assert (cold.status, cold.under_staffed, cold.paid_hours) == (ScheduleStatus.OPTIMAL, 0, 24.0)


def test_too_few_workers_report_under_staffing() -> None:
    result = solve(make_problem(requirement=block(5, 9, 13), workers=(Worker("a"), Worker("b"))))
    assert result.status is ScheduleStatus.OPTIMAL
    assert result.under_staffed == 3 * 8  # three agents short for eight intervals
    assert result.under_staffed_bound == result.under_staffed
    assert result.coverage_pct == pytest.approx(40.0)


def test_only_workers_with_the_skill_are_rostered() -> None:
    workers = (Worker("es", skills=frozenset({"spanish"})), Worker("en"), Worker("en2"))
    result = solve(make_problem(workers=workers, skill="spanish"))
    assert {s.worker_id for s in result.shifts} == {"es"}
    assert result.under_staffed == 8


def test_unreachable_min_hours_name_the_worker() -> None:
    worker = Worker("w1", min_weekly_hours=12, days_off=frozenset({0}))
    with pytest.raises(InvalidInput, match="w1") as caught:
        solve(make_problem(requirement=block(1, 9, 13, days=2), workers=(worker,)))
    assert caught.value.problems[0].loc == "workers['w1'].min_weekly_hours"


def test_rest_rule_that_blocks_min_hours_is_proven_infeasible() -> None:
    # 16 h over two days needs an 8 h shift each day, but starts at most 2 h apart leave at
    # most 18 h between them, short of the 24 h rest.
    problem = make_problem(
        requirement=block(1, 9, 13, days=2),
        shift_templates=(ShiftTemplate("8h", 480, (360, 480)),),
        workers=(Worker("w", min_weekly_hours=16),),
        min_rest_min=1440,
    )
    with pytest.raises(ScheduleInfeasible) as caught:
        solve(problem)
    assert caught.value.proven


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"requirement": (1, -1) + (0,) * (DAY - 2)}, "requirement"),
        ({"requirement": (1, 2, 3)}, "requirement"),
        ({"interval_min": 7}, "interval_min"),
        ({"workers": (Worker("a"), Worker("a"))}, "workers"),
        ({"workers": ()}, "workers"),
        ({"shift_templates": (ShiftTemplate("odd", 245, (0,)),)}, "shift_templates['odd']"),
        ({"min_rest_min": -5}, "min_rest_min"),
    ],
    ids=["negative", "partial-day", "interval", "duplicate-ids", "no-workers", "off-grid", "rest"],
)
def test_bad_problems_name_the_field(overrides: dict[str, Any], loc: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_problem(**overrides)
    assert caught.value.problems[0].loc == loc


@pytest.mark.parametrize(
    ("build", "loc"),
    [
        (
            lambda: Worker("a", min_weekly_hours=50, max_weekly_hours=40),
            "workers['a'].min_weekly_hours",
        ),
        (
            lambda: Worker("a", earliest_start_min=600, latest_end_min=500),
            "workers['a'].latest_end_min",
        ),
        (lambda: ShiftTemplate("x", 0, (0,)), "shift_templates['x'].length_min"),
        (lambda: ShiftTemplate("x", 240, (1440,)), "shift_templates['x'].starts_min"),
        (lambda: BreakRule(break_min=0), "break_rule.break_min"),
    ],
    ids=["min-over-max", "window", "length", "start", "break"],
)
def test_bad_parts_name_the_field(build: Any, loc: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        build()
    assert caught.value.problems[0].loc == loc


def test_a_template_too_short_for_its_break_is_refused() -> None:
    seven_h = ShiftTemplate("7h", 420, (480,))
    rule = BreakRule(earliest_after_start_min=180, latest_before_end_min=180, break_min=90)
    with pytest.raises(InvalidInput, match="too short"):
        solve(make_problem(shift_templates=(seven_h,), break_rule=rule))


def test_bad_solver_settings_are_refused() -> None:
    with pytest.raises(InvalidInput, match="time_limit_s"):
        schedule_shifts(make_problem(), time_limit_s=0)
