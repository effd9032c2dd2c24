"""Routing decisions: the indexed engine against a naive scan of every worker, in one run.

Builds one tenant with 10k workers (random skills with levels 1-5, languages, capacity 1 voice +
3 chats) and 1k queues whose expressions read like
`"skill_17" IN worker.skills AND worker.levels.skill_17 >= 2` (strategies mixed: longest idle,
most skilled, least occupied; wrap-up 0-5 s). Then 100k tasks arrive (Poisson, random queue,
voice or chat) on a virtual clock; every offer is accepted at once and completed after an
exponential handle time, so capacity cycles and queues build up and drain.

A decision is an offer (`reservation.created`). Reported:

- engine: every call (submit, accept, complete, tick) is timed. A decision's latency is the time
  of the engine call that made it (a submit offering the new task, a completion or wrap-up end
  offering the worker its next task, a timeout re-offering elsewhere); decisions/s is offers
  divided by the time of those calls. The whole task life (every call, accepts included) is
  reported too, as tasks/s over all engine time;
- naive scan (baseline): for a sample of the same tasks, scan every worker, evaluate the queue
  expression, check activity and capacity, pick the longest idle (the offer only marks the load);
  it has none of the engine's bookkeeping (reservations, events, timers), which favours it.

`--tune-gc` freezes the state built at start-up out of the cyclic garbage collector and raises
its young-generation threshold (`gc.freeze()`, `gc.set_threshold(50_000, 20, 100)`), as a
long-running router process may do; off by default, and the machine line says which was used.
The collector's pauses while routing (counted with `gc.callbacks`, whichever call they hit) are
reported on their own line.

    .venv/bin/python benchmarks/routing.py              # 10k workers, 1k queues, 100k tasks
    .venv/bin/python benchmarks/routing.py --workers 2000 --queues 200 --tasks 20000
"""

from __future__ import annotations

import argparse
import gc
import heapq
import os
import platform
import random
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from agentfloor.core.clock import VirtualClock
from agentfloor.core.ids import RandomIdFactory
from agentfloor.routing.engine import RoutingEngine
from agentfloor.routing.expressions import Expression, parse_expression
from agentfloor.routing.model import (
    Queue,
    RoutingConfig,
    RoutingEvent,
    SelectionStrategy,
    Task,
    TaskState,
    Worker,
    WorkerKind,
)

console = Console(width=150)
T0 = 1_767_225_600.0
LANGUAGES = ("en", "fr", "de", "es", "nl")
CAPACITY = {"voice": 1, "chat": 3}
TARGET_RATE, TARGET_P99_MS, TARGET_SPEEDUP = 20_000, 1.0, 50


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def percentiles_ms(samples_ns: list[int]) -> tuple[float, float, float]:
    ms = sorted(s / 1e6 for s in samples_ns)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return statistics.median(ms), p99, ms[-1]


# --- the tenant ----------------------------------------------------------------------------------


def make_workers(args: argparse.Namespace, rng: random.Random) -> list[Worker]:
    workers = []
    for i in range(args.workers):
        skills = rng.sample(range(args.queues), args.skills_per_worker)
        attributes: dict[str, Any] = {
            "skills": [f"skill_{s}" for s in skills],
            "levels": {f"skill_{s}": rng.randint(1, 5) for s in skills},
            "languages": rng.sample(LANGUAGES, rng.randint(1, 3)),
            "team": f"team_{i % 40}",
        }
        workers.append(
            Worker(
                id=f"wrk_{i:05d}",
                tenant_id="ten_bench",
                name=f"Worker {i}",
                kind=WorkerKind.AI if i % 10 == 0 else WorkerKind.HUMAN,
                activity="available",
                activity_since=T0 - rng.uniform(0, 3600),
                created_at=T0 - 86_400,
                attributes=attributes,
                capacity=dict(CAPACITY),
            )
        )
    return workers


def make_queues(args: argparse.Namespace, rng: random.Random) -> list[Queue]:
    strategies = [SelectionStrategy.LONGEST_IDLE] * 3 + [
        SelectionStrategy.MOST_SKILLED,
        SelectionStrategy.LEAST_OCCUPIED,
    ]
    return [
        Queue(
            id=f"que_{q:04d}",
            tenant_id="ten_bench",
            name=f"Queue {q}",
            created_at=T0 - 86_400,
            target_expression=f'"skill_{q}" IN worker.skills AND worker.levels.skill_{q} >= 2',
            strategy=rng.choice(strategies),
            skill=f"skill_{q}",
            wrapup_s=float(rng.choice((0, 0, 2, 5))),
        )
        for q in range(args.queues)
    ]


@dataclass(frozen=True, slots=True)
class Arrival:
    at: float
    task: Task


def make_arrivals(args: argparse.Namespace, rng: random.Random) -> list[Arrival]:
    arrivals, now = [], T0
    for i in range(args.tasks):
        now += rng.expovariate(args.arrival_rate)
        channel = "chat" if rng.random() < args.chat_share else "voice"
        task = Task(
            id=f"tsk_{i:06d}",
            tenant_id="ten_bench",
            state=TaskState.PENDING,
            created_at=now,
            updated_at=now,
            channel=channel,
            priority=1 if rng.random() < 0.1 else 0,
            queue_id=f"que_{rng.randrange(args.queues):04d}",
            attributes={"language": rng.choice(LANGUAGES)},
        )
        arrivals.append(Arrival(now, task))
    return arrivals


# --- the engine run ------------------------------------------------------------------------------


class GcPauses:
    """A `gc.callbacks` hook: how many collections of each generation, and how long they took."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0]
        self.total_ns = 0
        self.longest_ns = 0
        self._start = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter_ns()
            return
        spent = time.perf_counter_ns() - self._start
        self.counts[info["generation"]] += 1
        self.total_ns += spent
        self.longest_ns = max(self.longest_ns, spent)


@dataclass
class EngineRun:
    offers: int = 0
    engine_ns: int = 0  # all engine calls
    deciding_ns: int = 0  # the calls that made at least one offer
    decision_ns: list[int] | None = None
    by_call: dict[str, list[int]] | None = None
    waiting_peak: int = 0  # tasks waiting in all queues, sampled every 1000 arrivals


def build_engine(
    args: argparse.Namespace, queues: list[Queue], workers: list[Worker]
) -> tuple[RoutingEngine, float]:
    clock = VirtualClock(T0)
    engine = RoutingEngine(
        "ten_bench",
        RandomIdFactory(clock, random.Random(args.seed)),
        RoutingConfig(reservation_timeout_s=30.0),
    )
    t0 = time.perf_counter()
    with progress_bar() as bar:
        job = bar.add_task("queues", total=len(queues))
        for queue in queues:
            engine.put_queue(queue, T0)
            bar.advance(job)
        job = bar.add_task("workers (each tested against every queue)", total=len(workers))
        for worker in workers:
            engine.put_worker(worker, T0)
            bar.advance(job)
    return engine, time.perf_counter() - t0


def run_engine(
    engine: RoutingEngine,
    queue_ids: list[str],
    arrivals: list[Arrival],
    args: argparse.Namespace,
    rng: random.Random,
) -> EngineRun:
    run = EngineRun(
        decision_ns=[], by_call={"submit": [], "accept": [], "complete": [], "tick": []}
    )
    assert run.decision_ns is not None and run.by_call is not None
    completions: list[tuple[float, str]] = []  # (when, task id)
    mean_handle = {"voice": args.voice_handle_s, "chat": args.chat_handle_s}
    perf = time.perf_counter_ns

    def timed(kind: str, call: Any, *a: Any, **kw: Any) -> list[RoutingEvent]:
        start = perf()
        events: list[RoutingEvent] = call(*a, **kw)
        spent = perf() - start
        run.engine_ns += spent
        run.by_call[kind].append(spent)  # type: ignore[index]
        offered = sum(1 for e in events if e.type == "reservation.created")
        if offered:
            run.offers += offered
            run.deciding_ns += spent
            run.decision_ns.append(spent)  # type: ignore[union-attr]
        return events

    def settle(events: list[RoutingEvent], now: float) -> None:
        """Workers accept every offer at once; completed tasks are forgotten (as persisted)."""
        for event in events:
            if event.type == "reservation.created":
                assert event.reservation_id is not None and event.task_id is not None
                settle(timed("accept", engine.accept, event.reservation_id, now), now)
                channel = str(event.data["channel"])
                due = now + rng.expovariate(1 / mean_handle[channel])
                heapq.heappush(completions, (due, event.task_id))
            elif event.type == "task.completed":
                assert event.task_id is not None
                engine.forget(event.task_id)

    with progress_bar() as bar:
        job = bar.add_task("tasks", total=len(arrivals))
        i = 0
        while i < len(arrivals) or completions:
            next_arrival = arrivals[i].at if i < len(arrivals) else float("inf")
            next_completion = completions[0][0] if completions else float("inf")
            deadline = engine.next_deadline()
            now = min(next_arrival, next_completion, deadline or float("inf"))
            if deadline is not None and deadline <= now:
                settle(timed("tick", engine.tick, now), now)
            elif now == next_completion:
                _, task_id = heapq.heappop(completions)
                settle(timed("complete", engine.complete, task_id, now), now)
            else:
                settle(timed("submit", engine.submit, arrivals[i].task, now), now)
                i += 1
                if i % 1000 == 0:  # sampled outside the timed calls
                    bar.update(job, completed=i)
                    waiting = sum(engine.queue_stats(q, now).waiting for q in queue_ids)
                    run.waiting_peak = max(run.waiting_peak, waiting)
    return run


# --- the naive baseline --------------------------------------------------------------------------


class NaiveRouter:
    """Scan every worker for every task: the queue expression, activity, capacity, longest idle."""

    def __init__(self, workers: list[Worker], queues: list[Queue]) -> None:
        self.workers = [
            (w.id, {**w.attributes, "id": w.id, "name": w.name, "kind": str(w.kind)})
            for w in workers
        ]
        self.available = {w.id: w.activity == "available" for w in workers}
        self.idle_since = {w.id: w.activity_since for w in workers}
        self.capacity = {w.id: w.capacity for w in workers}
        self.load: dict[tuple[str, str], int] = {}
        self.expressions: dict[str, Expression] = {
            q.id: parse_expression(q.target_expression) for q in queues
        }

    def offer(self, task: Task) -> str | None:
        assert task.queue_id is not None
        expression = self.expressions[task.queue_id]
        view = {**task.attributes, "channel": task.channel, "priority": task.priority}
        best, best_idle = None, float("inf")
        for wid, attributes in self.workers:
            if not self.available[wid]:
                continue
            if self.load.get((wid, task.channel), 0) >= self.capacity[wid].get(task.channel, 0):
                continue
            if expression.matches(attributes, view) and self.idle_since[wid] < best_idle:
                best, best_idle = wid, self.idle_since[wid]
        if best is not None:
            self.load[best, task.channel] = self.load.get((best, task.channel), 0) + 1
        return best


def run_naive(
    workers: list[Worker], queues: list[Queue], arrivals: list[Arrival], sample: int
) -> list[int]:
    router = NaiveRouter(workers, queues)
    samples = []
    with progress_bar() as bar:
        job = bar.add_task("naive scan (sample)", total=sample)
        for arrival in arrivals[:sample]:
            start = time.perf_counter_ns()
            router.offer(arrival.task)
            samples.append(time.perf_counter_ns() - start)
            bar.advance(job)
    return samples


# --- report --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=10_000)
    parser.add_argument("--queues", type=int, default=1_000)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--skills-per-worker", type=int, default=8)
    parser.add_argument("--arrival-rate", type=float, default=90.0, help="tasks per second")
    parser.add_argument("--chat-share", type=float, default=0.5)
    parser.add_argument("--voice-handle-s", type=float, default=180.0)
    parser.add_argument("--chat-handle-s", type=float, default=300.0)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tune-gc", action="store_true", help="gc.freeze() + larger gen0")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    queues, workers = make_queues(args, rng), make_workers(args, rng)
    arrivals = make_arrivals(args, rng)
    console.print(f"[bold]building[/] {args.workers:,} workers x {args.queues:,} queues")
    engine, setup_s = build_engine(args, queues, workers)
    if args.tune_gc:
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
    console.print(f"[bold]routing[/] {args.tasks:,} tasks")
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    run = run_engine(engine, [q.id for q in queues], arrivals, args, rng)
    gc.callbacks.remove(pauses)
    console.print(f"[bold]naive baseline[/] on the first {args.naive_sample:,} tasks")
    naive_ns = run_naive(workers, queues, arrivals, args.naive_sample)

    assert run.decision_ns is not None and run.by_call is not None
    rate = run.offers / (run.deciding_ns / 1e9)
    tasks_rate = args.tasks / (run.engine_ns / 1e9)
    p50, p99, worst = percentiles_ms(run.decision_ns)
    n50, n99, nworst = percentiles_ms(naive_ns)
    naive_rate = len(naive_ns) / (sum(naive_ns) / 1e9)
    speedup = rate / naive_rate

    def verdict(ok: bool, text: str) -> str:
        return f"[green]{text}[/]" if ok else f"[red]not {text}[/]"

    table = Table(title="Routing decisions (an offer to a worker)")
    for col in ("router", "decisions", "decisions/s", "p50 ms", "p99 ms", "max ms", "target"):
        table.add_column(col, justify="left" if col in ("router", "target") else "right")
    table.add_row(
        "agentfloor engine (indexed)",
        f"{run.offers:,}",
        f"{rate:,.0f}",
        f"{p50:.3f}",
        f"{p99:.3f}",
        f"{worst:.3f}",
        ", ".join(
            (
                verdict(rate >= TARGET_RATE, f">= {TARGET_RATE:,}/s"),
                verdict(p99 < TARGET_P99_MS, f"p99 < {TARGET_P99_MS:g} ms"),
                verdict(speedup >= TARGET_SPEEDUP, f">= {TARGET_SPEEDUP}x naive ({speedup:,.0f}x)"),
            )
        ),
    )
    table.add_row(
        "naive scan of all workers (baseline)",
        f"{len(naive_ns):,}",
        f"{naive_rate:,.0f}",
        f"{n50:.3f}",
        f"{n99:.3f}",
        f"{nworst:.3f}",
        "sampled",
    )
    calls = Table(title="Engine calls (all of them, milliseconds)")
    for col in ("call", "count", "mean", "p50", "p99", "max", "total s"):
        calls.add_column(col, justify="left" if col == "call" else "right")
    for kind, samples in run.by_call.items():
        if samples:
            c50, c99, cmax = percentiles_ms(samples)
            calls.add_row(
                kind,
                f"{len(samples):,}",
                f"{sum(samples) / len(samples) / 1e6:.3f}",
                f"{c50:.3f}",
                f"{c99:.3f}",
                f"{cmax:.3f}",
                f"{sum(samples) / 1e9:.2f}",
            )
    console.print(table)
    console.print(calls)
    n_calls = sum(map(len, run.by_call.values()))
    console.print(
        f"whole task life (submit, offer, accept, complete, wrap-up): {args.tasks:,} tasks in "
        f"{run.engine_ns / 1e9:.2f} s of engine time over {n_calls:,} calls = "
        f"{tasks_rate:,.0f} tasks/s; peak tasks waiting {run.waiting_peak:,}"
    )
    console.print(
        f"set-up {setup_s:.1f} s ({args.workers * args.queues:,} eligibility tests, not timed "
        "above); max latencies include Python's cyclic garbage collector pauses"
    )
    young, middle, full = pauses.counts
    console.print(
        f"garbage collector while routing: {young:,} + {middle:,} + {full:,} collections "
        f"(generations 0, 1, 2), {pauses.total_ns / 1e9:.2f} s in all "
        f"({pauses.total_ns / max(run.engine_ns, 1):.0%} of engine time, wherever they fell), "
        f"longest {pauses.longest_ns / 1e6:.1f} ms"
    )
    console.print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]},"
        f" {platform.system()} {platform.release()}; seed {args.seed};"
        f" garbage collector {'tuned (--tune-gc)' if args.tune_gc else 'default'}"
    )


if __name__ == "__main__":
    main()
