"""A greedy roster: the baseline for CP-SAT and its default starting point.

Largest deficit first: take the interval with the most agents missing, give it the shift (of the
longest template, 8 h by default) covering it that removes the most deficit, to the least-loaded
worker allowed to work it, with the break where coverage is then highest; repeat until no deficit
is left or no worker fits. It keeps every hard rule but min weekly hours, which it may leave
unmet. Fast (well under a second for a 100-worker week) and a fair first answer, but blind to
the trade-off between shift kinds: CP-SAT improves on it (benchmarks/schedule.py).
"""

from __future__ import annotations

from collections import defaultdict

from agentfloor.wfm.scheduling_model import (
    ScheduledShift,
    ScheduleProblem,
    ShiftOption,
    Worker,
    can_work,
    shift_options,
)

__all__ = ["greedy_roster"]


def greedy_roster(
    problem: ScheduleProblem, *, length_min: int | None = None
) -> tuple[ScheduledShift, ...]:
    """Return a roster built largest-deficit-first from shifts of one length.

    Args:
        problem: requirement, templates, workers and rules.
        length_min: the shift length to use; the longest template's when None.
    """
    step, rule = problem.interval_min, problem.break_rule
    length = length_min or max(t.length_min for t in problem.shift_templates)
    options = [o for o in shift_options(problem) if o.template.length_min == length]
    need = problem.requirement
    cover = [0] * len(need)
    paid_min = dict.fromkeys((w.worker_id for w in problem.workers), 0)
    taken: dict[str, list[ShiftOption]] = defaultdict(list)
    blocked: set[int] = set()
    shifts: list[ScheduledShift] = []

    def fits(w: Worker, o: ShiftOption) -> bool:
        if not can_work(w, o, problem.skill):
            return False
        if paid_min[w.worker_id] + o.template.length_min > round(w.max_weekly_hours * 60):
            return False
        rest = problem.min_rest_min
        return all(
            t.day != o.day and (o.start_min - t.end_min >= rest or t.start_min - o.end_min >= rest)
            for t in taken[w.worker_id]
        )

    while True:
        open_ = [t for t in range(len(need)) if need[t] > cover[t] and t not in blocked]
        if not open_:
            break
        worst = max(open_, key=lambda t: need[t] - cover[t])
        best: tuple[int, ShiftOption, Worker] | None = None
        for o in options:
            first, last = o.start_min // step, o.end_min // step
            if not first <= worst < last:
                continue
            gain = sum(max(0, need[t] - cover[t]) for t in range(first, last))
            if best is not None and gain <= best[0]:
                continue
            free = [w for w in problem.workers if fits(w, o)]
            if free:
                best = (gain, o, min(free, key=lambda w: paid_min[w.worker_id]))
        if best is None:
            blocked.add(worst)  # nobody can cover it: leave it under-staffed
            continue
        _, o, w = best
        for t in range(o.start_min // step, o.end_min // step):
            cover[t] += 1
        b_start = None
        if o.break_starts_min:
            b_start = max(o.break_starts_min, key=lambda b: cover[b // step] - need[b // step])
            for t in range(b_start // step, (b_start + rule.break_min) // step):
                cover[t] -= 1
        paid_min[w.worker_id] += o.template.length_min
        taken[w.worker_id].append(o)
        shifts.append(
            ScheduledShift(
                worker_id=w.worker_id,
                template=o.template.name,
                day=o.day,
                start_min=o.start_min,
                end_min=o.end_min,
                break_start_min=b_start,
                break_end_min=None if b_start is None else b_start + rule.break_min,
            )
        )
    return tuple(sorted(shifts, key=lambda s: (s.worker_id, s.start_min)))
