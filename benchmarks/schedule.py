"""A 1-week, 100-worker roster with CP-SAT against a greedy baseline, with a coverage plot.

The requirement comes from real arrivals: the anonymous bank call centre (6-minute counts,
January-October 1999), summed to 30-minute intervals, averaged per weekday and interval into one
week (Monday first), scaled by --scale to a centre of 100 workers, and staffed interval by
interval with Erlang C at AHT 240 s and 80/20 (agentfloor.wfm).

Baseline ("greedy-8h", agentfloor.wfm.scheduling_greedy): repeatedly take the interval with the
largest deficit and give it the 8 h shift covering it that removes the most deficit, to the
least-loaded worker allowed to work it, with the break where coverage is then highest. CP-SAT runs
twice: as shipped (started from that greedy roster) and from a cold start.

    .venv/bin/python benchmarks/schedule.py [--workers 100] [--time-limit 55] [--out PATH]
"""

from __future__ import annotations

import argparse
import collections
import csv
import datetime as dt
import os
import platform
import random
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from agentfloor.wfm import StaffingTarget, erlang_c_staffing, traffic_erlangs
from agentfloor.wfm.scheduling import schedule_shifts
from agentfloor.wfm.scheduling_greedy import greedy_roster
from agentfloor.wfm.scheduling_model import (
    MINUTES_PER_DAY,
    ScheduledShift,
    ScheduleProblem,
    ShiftTemplate,
    Worker,
    coverage_of,
    shift_options,
)

ARRIVALS = Path(__file__).resolve().parents[2] / "shared/datasets/anonymous_bank_arrivals"
INTERVAL_MIN = 30


def weekly_requirement(path: Path, scale: float, aht_s: float) -> tuple[int, ...]:
    """Agents needed per 30-min interval of an average week (Monday 00:00 first)."""
    calls: dict[tuple[int, int], float] = collections.defaultdict(float)
    dates: dict[int, set[dt.date]] = collections.defaultdict(set)
    with path.open() as f:
        for row in csv.DictReader(f):
            start = dt.datetime.fromisoformat(row["start"])
            if start.month > 10:  # Nov-Dec are held out for forecast testing
                continue
            calls[start.weekday(), (start.hour * 60 + start.minute) // INTERVAL_MIN] += int(
                row["calls"]
            )
            dates[start.weekday()].add(start.date())
    target = StaffingTarget(service_level=0.8, answer_time_s=20)
    need = []
    for weekday in range(7):
        for i in range(MINUTES_PER_DAY // INTERVAL_MIN):
            mean = calls[weekday, i] / len(dates[weekday]) * scale
            traffic = traffic_erlangs(mean, aht_s, INTERVAL_MIN * 60)
            need.append(erlang_c_staffing(traffic, aht_s, target).scheduled)
    return tuple(need)


def make_workers(count: int, rng: random.Random) -> tuple[Worker, ...]:
    """60% full-time (32-40 h), 25% part-time (16-24 h), 15% evenings and nights (20-32 h)."""
    workers = []
    for i in range(count):
        kind = rng.random()
        days_off = frozenset({rng.randrange(7)}) if rng.random() < 0.3 else frozenset()
        if kind < 0.6:
            window = (360, 1320) if rng.random() < 0.5 else (0, 2 * MINUTES_PER_DAY)
            hours = (32.0, 40.0)
        elif kind < 0.85:
            window, hours = (420, 1380), (16.0, 24.0)
        else:
            window, hours = (840, 2 * MINUTES_PER_DAY), (20.0, 32.0)
        workers.append(
            Worker(
                worker_id=f"w{i:03d}",
                min_weekly_hours=hours[0],
                max_weekly_hours=hours[1],
                days_off=days_off,
                earliest_start_min=window[0],
                latest_end_min=window[1],
            )
        )
    return tuple(workers)


def summary(
    name: str,
    status: str,
    wall_s: float,
    problem: ScheduleProblem,
    shifts: tuple[ScheduledShift, ...],
) -> list[str]:
    need = problem.requirement
    cover = coverage_of(shifts, len(need), problem.interval_min)
    under = sum(max(0, r - c) for r, c in zip(need, cover, strict=True))
    over = sum(max(0, c - r) for r, c in zip(need, cover, strict=True))
    paid = collections.Counter[str]()
    for s in shifts:
        paid[s.worker_id] += s.end_min - s.start_min
    short = sum(1 for w in problem.workers if paid[w.worker_id] < w.min_weekly_hours * 60)
    return [
        name,
        status,
        f"{wall_s:.1f}",
        f"{100 * (sum(need) - under) / sum(need):.2f}",
        str(under),
        str(over),
        f"{sum(paid.values()) / 60:.0f}",
        str(short),
    ]


def plot(path: Path, need: tuple[int, ...], lines: dict[str, list[int]]) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display: render straight to the file
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(16, 5))
    hours = [i * INTERVAL_MIN / 60 for i in range(len(need) + 1)]
    ax.stairs(need, hours, label="requirement (Erlang C, 80/20)", color="black", linewidth=1.5)
    for (name, cover), color in zip(lines.items(), ("tab:blue", "tab:orange"), strict=False):
        ax.stairs(cover, hours, label=f"scheduled: {name}", color=color, alpha=0.8)
    for day in range(1, len(need) * INTERVAL_MIN // MINUTES_PER_DAY):
        ax.axvline(day * 24, color="grey", linewidth=0.5, linestyle=":")
    ax.set_xticks(
        [d * 24 + 12 for d in range(7)], ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    )
    ax.set_xlim(0, hours[-1])
    ax.set_ylabel("agents working (breaks excluded)")
    ax.set_title("Anonymous bank, average week: requirement vs scheduled per 30-min interval")
    ax.legend(loc="upper right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=100)
    parser.add_argument("--scale", type=float, default=4.0, help="arrival volume multiplier")
    parser.add_argument("--aht", type=float, default=240.0, help="average handle time, seconds")
    # 55 s of search leaves room for building the model and the greedy start within 60 s.
    parser.add_argument("--time-limit", type=float, default=55.0, help="CP-SAT budget, seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--arrivals", type=Path, default=ARRIVALS / "arrivals_6min.csv")
    parser.add_argument("--out", type=Path, default=Path("var/schedule_coverage.png"))
    args = parser.parse_args()

    need = weekly_requirement(args.arrivals, args.scale, args.aht)
    every_30 = tuple(range(0, MINUTES_PER_DAY, INTERVAL_MIN))
    problem = ScheduleProblem(
        requirement=need,
        shift_templates=(
            ShiftTemplate("4h", 240, every_30),
            ShiftTemplate("6h", 360, every_30),
            ShiftTemplate("8h", 480, every_30),
        ),
        workers=make_workers(args.workers, random.Random(args.seed)),
        interval_min=INTERVAL_MIN,
        min_rest_min=660,
    )
    console = Console(width=140)
    capacity = sum(w.max_weekly_hours for w in problem.workers)
    console.print(
        f"requirement: {sum(need) * INTERVAL_MIN / 60:.0f} agent-hours over 336 intervals "
        f"(peak {max(need)}); {len(problem.workers)} workers, {capacity:.0f} h max; "
        f"{len(shift_options(problem))} shift options"
    )

    started = time.perf_counter()
    baseline = greedy_roster(problem)
    greedy_s = time.perf_counter() - started
    started = time.perf_counter()
    # The default: CP-SAT started from the greedy roster.
    result = schedule_shifts(problem, time_limit_s=args.time_limit, num_workers=2, seed=args.seed)
    result_s = time.perf_counter() - started
    started = time.perf_counter()
    cold = schedule_shifts(
        problem, time_limit_s=args.time_limit, num_workers=2, seed=args.seed, hint=()
    )
    cold_s = time.perf_counter() - started

    table = Table(title="1-week roster: CP-SAT vs greedy baseline")
    for col in (
        "method",
        "status",
        "wall s (all)",
        "coverage %",
        "under (int-agents)",
        "over (int-agents)",
        "paid h",
        "below min h",
        "under bound",
    ):
        table.add_column(col, justify="left" if col in ("method", "status") else "right")
    runs = (("cp-sat (greedy start)", result, result_s), ("cp-sat (cold start)", cold, cold_s))
    for name, res, total_s in runs:
        row = summary(name, res.status.value, total_s, problem, res.shifts)
        table.add_row(*row, str(res.under_staffed_bound))
    table.add_row(*summary("greedy-8h", "heuristic", greedy_s, problem, baseline), "-")
    console.print(table)
    console.print(
        f"machine: {platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
        f"; CP-SAT 2 workers, {args.time_limit:g} s limit"
    )

    try:
        plot(
            args.out,
            need,
            {
                "cp-sat": list(result.coverage),
                "greedy-8h": coverage_of(baseline, len(need), INTERVAL_MIN),
            },
        )
    except ImportError:
        console.print("matplotlib is not installed: no plot")
    else:
        console.print(f"coverage plot: {args.out}")


if __name__ == "__main__":
    main()
