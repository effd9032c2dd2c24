"""Erlang C staffing: agentfloor.wfm against pyworkforce's ErlangC, the same questions in one run.

For each call volume (default 10 to 100,000 calls per interval, plus 750,000 calls: 100,000
Erlangs), AHT 240 s, a 30-minute interval and an 80/20 service level, both libraries are asked
for the fewest agents. Reported per volume: traffic, each library's answer and time per call
(the best of `--repeat` timings, each call from scratch; a fast call is
timed over as many back-to-back calls as fill 20 ms), whether the answers agree, and any failure of
the peer (an exception, or an answer that is not a finite number). Our Erlang A answer with
`--patience` seconds of mean patience is shown beside them; pyworkforce has no Erlang A.

pyworkforce 0.5.1 (the last release for Python 3.11) computes Erlang B by the inverse recurrence
and searches linearly upwards from round(A + 1), so its cost grows with A x (answer - A); ours
gets Erlang B at the first stable head count in O(sqrt A) and walks up from there in plain floats,
one recurrence step per head count, building a result object only for the answer.

    .venv/bin/python benchmarks/erlang.py
    .venv/bin/python benchmarks/erlang.py --calls 100 1000 --sl 90/15 --repeat 5
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from functools import partial
from importlib.metadata import version
from typing import Any

from pyworkforce.queuing import ErlangC  # type: ignore[import-untyped]  # no py.typed
from rich.console import Console
from rich.table import Table

from agentfloor.wfm import (
    ErlangCResult,
    QueueModel,
    Staffing,
    StaffingTarget,
    erlang_a_staffing,
    erlang_c_staffing,
    traffic_erlangs,
)
from agentfloor.wfm.staffing_many import erlang_c_agents_many

DEFAULT_CALLS = [10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 750_000]
#: Each timing lasts at least this long (many calls of a fast function, one of a slow one).
MIN_TIMING_S = 0.02


def best_time(fn: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    """Return the last result and the best of `repeat` timings of `fn`, in seconds per call.

    A call of a few microseconds is below what one pair of clock reads measures well, so each
    timing runs `fn` back to back for at least `MIN_TIMING_S` (one call for the slow cases, as
    `timeit.Timer.autorange` does) and divides; every call still starts from scratch.
    """
    start = time.perf_counter()
    result = fn()
    first = time.perf_counter() - start
    number = max(1, min(100_000, math.ceil(MIN_TIMING_S / max(first, 1e-7))))
    best = first if number == 1 else math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            result = fn()
        best = min(best, (time.perf_counter() - start) / number)
    return result, best


def peer(calls: int, aht_s: float, answer_s: float, interval_min: float, level: float) -> Any:
    """pyworkforce's answer; it takes minutes, and its `asa` is the target answer time."""
    return ErlangC(
        transactions=calls, aht=aht_s / 60, asa=answer_s / 60, interval=interval_min
    ).required_positions(service_level=level)["raw_positions"]


def fmt_time(seconds: float) -> str:
    if seconds < 1e-5:  # a few microseconds: one decimal, or the speed-up looks like 4/5
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:,.1f} ms"
    return f"{seconds:,.2f} s"


def answer_objects_s(repeat: int) -> float:
    """Seconds to build what `erlang_c_staffing` returns, with no computing at all."""

    def build() -> Staffing:
        performance = ErlangCResult(3, 1.3, 0.1, 0.9, 1.0, 0.44, True)
        return Staffing(QueueModel.ERLANG_C, 3, 3, 3, False, performance)

    return best_time(build, repeat)[1]


def week_profile(peak_calls: int, interval_min: float) -> list[int]:
    """Calls per interval over a week: a daytime hump peaking at `peak_calls`, nights empty."""
    per_day = round(24 * 60 / interval_min)
    calls = []
    for i in range(7 * per_day):
        hour = (i % per_day) * interval_min / 60
        day = i // per_day
        busy = max(0.0, math.sin(math.pi * (hour - 7) / 13)) if 7 <= hour < 20 else 0.0
        calls.append(round(peak_calls * busy * (0.4 if day >= 5 else 1.0)))
    return calls


def week_table(
    aht_s: float, interval_min: float, answer_s: float, level: float, target: Any, repeat: int
) -> Table:
    """Staffing every interval of a week: batched, one by one, and pyworkforce one by one."""
    table = Table(
        title="A week of intervals at once (what a planner asks): time per interval, best of "
        f"{repeat}"
    )
    for name in ("peak calls", "intervals", "batched", "one by one", "pyworkforce", "speed-up",
                 "same?"):  # fmt: skip
        table.add_column(name, justify="right")
    for peak in (50, 300, 3000):
        calls = week_profile(peak, interval_min)
        traffic = [traffic_erlangs(c, aht_s, interval_min * 60) for c in calls]
        (batched, _), batched_s = best_time(
            partial(erlang_c_agents_many, traffic, aht_s, target), repeat
        )

        def one_by_one(traffic: list[float] = traffic) -> list[int]:
            return [erlang_c_staffing(a, aht_s, target).agents for a in traffic]

        def theirs_one_by_one(calls: list[int] = calls) -> list[Any]:
            return [peer(c, aht_s, answer_s, interval_min, level) if c else 0 for c in calls]

        single, single_s = best_time(one_by_one, repeat)
        theirs, theirs_s = best_time(theirs_one_by_one, repeat)
        n = len(calls)
        same = list(batched) == single == [int(t) for t in theirs]
        table.add_row(
            f"{peak:,}",
            str(n),
            fmt_time(batched_s / n),
            fmt_time(single_s / n),
            fmt_time(theirs_s / n),
            f"{theirs_s / batched_s:,.1f}x",
            "[green]yes[/]" if same else "[red]no[/]",
        )
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, nargs="+", default=DEFAULT_CALLS)
    parser.add_argument("--aht", type=float, default=240.0, help="seconds")
    parser.add_argument("--interval", type=float, default=30.0, help="minutes")
    parser.add_argument("--sl", default="80/20", help="percent/seconds")
    parser.add_argument("--patience", type=float, default=90.0, help="seconds, for Erlang A")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    percent, answer_s = (float(v) for v in args.sl.split("/"))
    level = percent / 100
    target = StaffingTarget(service_level=level, answer_time_s=answer_s)

    console = Console()
    table = Table(
        title=(
            f"Erlang C staffing, AHT {args.aht:g} s, {args.interval:g}-min interval, "
            f"{args.sl} service level (best of {args.repeat})"
        )
    )
    for name in ("calls", "Erlangs", "agentfloor", "time", "pyworkforce", "time", "speed-up",
                 "same?", f"Erlang A ({args.patience:g} s)", "time"):  # fmt: skip
        table.add_column(name, justify="right")
    agree = total = 0
    for calls in args.calls:
        traffic = traffic_erlangs(calls, args.aht, args.interval * 60)
        ours, ours_s = best_time(partial(erlang_c_staffing, traffic, args.aht, target), args.repeat)
        ours_a, ours_a_s = best_time(
            partial(erlang_a_staffing, traffic, args.aht, args.patience, target), args.repeat
        )
        try:
            theirs, theirs_s = best_time(
                partial(peer, calls, args.aht, answer_s, args.interval, level), args.repeat
            )
            bad = not isinstance(theirs, int | float) or not math.isfinite(theirs)
            peer_cell = f"[red]{theirs!r}[/]" if bad else str(theirs)
        except (ArithmeticError, ValueError) as exc:  # OverflowError, ZeroDivisionError...
            theirs, theirs_s, bad = None, math.nan, True
            peer_cell = f"[red]fails: {type(exc).__name__}[/]"
        same = not bad and theirs == ours.agents
        agree += same
        total += 1
        table.add_row(
            f"{calls:,}",
            f"{traffic:,.1f}",
            str(ours.agents),
            fmt_time(ours_s),
            peer_cell,
            "-" if bad else fmt_time(theirs_s),
            "-" if bad else f"{theirs_s / ours_s:,.1f}x",
            "[green]yes[/]" if same else "[red]no[/]",
            str(ours_a.agents),
            fmt_time(ours_a_s),
        )
    console.print(table)
    floor_s = answer_objects_s(args.repeat)
    console.print(
        f"floor per call: {fmt_time(floor_s)} just to build the answer "
        "(a Staffing holding an ErlangCResult, two frozen dataclasses)"
    )
    console.print(week_table(args.aht, args.interval, answer_s, level, target, args.repeat))
    console.print(
        f"answers agree on {agree}/{total} volumes. agentfloor {version('agentfloor')}, "
        f"pyworkforce {version('pyworkforce')}; Python {sys.version.split()[0]} on "
        f"{platform.machine()} {platform.processor() or platform.system()}, "
        f"{os.cpu_count()} CPUs."
    )


if __name__ == "__main__":
    main()
