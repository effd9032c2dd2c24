"""Random draws for a run: arrival times, handle times, patience, AI outcomes, callback choices.

Everything a replication needs is drawn up front, vectorised with numpy (a `Generator` per
purpose, spawned from the run's seed in a fixed order), so the event loop only reads arrays. One
stream per purpose and per queue gives common random numbers across a sweep: two values of
`ai.share` see the same arrival times and the same handle times, so their difference is the
effect of the change rather than noise (Law, *Simulation Modeling and Analysis*, 5th ed., 11.2).

Poisson arrivals with a rate constant within each interval are drawn as a Poisson count per
interval and that many uniform times in it, which is exact for a piecewise-constant rate.
A lognormal given by mean m and standard deviation s has sigma^2 = ln(1 + s^2 / m^2) and
mu = ln m - sigma^2 / 2.

A queue with a `flow` walks each of its contacts through it (`sim.flows`, a `random.Random`
from one more stream of the queue's) before drawing the handle time, patience and callback
choice from the queue the flow routed the contact to.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from agentfloor.sim.flows import ROUTED, SERVED, compile_flow, walk_flows
from agentfloor.sim.scenario import Scenario
from agentfloor.sim.spec import (
    ConstantArrivals,
    EmpiricalTime,
    ExponentialTime,
    LognormalTime,
    PoissonArrivals,
    QueueSpec,
    ReplayArrivals,
)

__all__ = ["Contacts", "draw_contacts", "draw_times"]

_Dist = ExponentialTime | LognormalTime | EmpiricalTime


def draw_times(dist: _Dist, rng: np.random.Generator, n: int) -> np.ndarray:
    """Return `n` draws (seconds) of a time distribution."""
    if isinstance(dist, ExponentialTime):
        return rng.exponential(dist.mean_s, n)
    if isinstance(dist, LognormalTime):
        sigma2 = math.log1p((dist.sd_s / dist.mean_s) ** 2)
        return rng.lognormal(math.log(dist.mean_s) - sigma2 / 2, math.sqrt(sigma2), n)
    return rng.choice(np.asarray(dist.samples_s, dtype=np.float64), n)


def _arrival_times(
    scenario: Scenario, queue: QueueSpec, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray | None]:
    """Return arrival offsets (seconds from the start, sorted) and replayed handle times if any."""
    arrivals, length = queue.arrivals, scenario.interval_s
    if isinstance(arrivals, ReplayArrivals):
        handles = None if arrivals.handles_s is None else np.asarray(arrivals.handles_s)
        return np.asarray(arrivals.times_s, dtype=np.float64), handles
    if isinstance(arrivals, ConstantArrivals):
        means = np.full(scenario.intervals, arrivals.per_hour * length / 3600.0)
    else:
        assert isinstance(arrivals, PoissonArrivals) and arrivals.per_interval is not None
        means = np.asarray(arrivals.per_interval, dtype=np.float64)
    counts = rng.poisson(means)
    starts = np.repeat(np.arange(scenario.intervals, dtype=np.float64) * length, counts)
    times = starts + rng.uniform(0.0, length, int(counts.sum()))
    times.sort()
    return times, None


@dataclass(frozen=True, slots=True)
class Contacts:
    """Every contact of a run, in arrival order, as parallel lists (fast to index in the loop).

    `at_s` is seconds from the start; `queue` the index in `scenario.queues`; `patience_s` is
    inf for a contact that never abandons; `ai_s` is the time with the AI (0 without one);
    `contained` whether the AI resolved it; `takes_callback` whether it accepts a callback offer.
    `front` whether it meets the AI or a flow first (for `ai_s`, then the router if `routed`;
    else it ends there). With a flow, `queue` is where the flow routed it (or the queue it
    arrived at, when the flow served it), `ai_s` the time in the flow, `contained` self-served.
    """

    at_s: list[float]
    queue: list[int]
    handle_s: list[float]
    patience_s: list[float]
    ai_s: list[float]
    contained: list[bool]
    takes_callback: list[bool]
    front: list[bool]
    routed: list[bool]

    def __len__(self) -> int:
        return len(self.at_s)


def draw_contacts(scenario: Scenario, seed: int) -> Contacts:
    """Draw every contact of one replication from `seed` (same seed, same contacts)."""
    streams = np.random.SeedSequence(seed).spawn(len(scenario.queues))
    ai = scenario.ai
    ai_queues = None if ai is None or ai.queues is None else set(ai.queues)
    parts: list[tuple[np.ndarray, ...]] = []
    for index, (queue, stream) in enumerate(zip(scenario.queues, streams, strict=True)):
        # one generator per purpose, so that changing one draw leaves the others as they were
        arrive, handle, patience, ai_rng, choice = (
            np.random.default_rng(s) for s in stream.spawn(5)
        )
        times, replayed = _arrival_times(scenario, queue, arrive)
        n = len(times)
        if queue.flow is not None:
            flow_rng = random.Random(int(stream.spawn(1)[0].generate_state(1)[0]))
            parts.append(
                _through_flow(scenario, index, times, replayed, flow_rng, handle, patience, choice)
            )
            continue
        handles = draw_times(queue.handle_time, handle, n) if replayed is None else replayed
        waits = (
            np.full(n, np.inf)
            if queue.patience is None
            else patience.exponential(queue.patience.mean_s, n)
        )
        covered = ai is not None and (ai_queues is None or queue.id in ai_queues)
        if ai is not None and covered:
            contained = ai_rng.random(n) < ai.share
            ai_resolve = draw_times(ai.handle_time, ai_rng, n)
            handoff = (
                np.zeros(n) if ai.handoff_time is None else draw_times(ai.handoff_time, ai_rng, n)
            )
            ai_s = np.where(contained, ai_resolve, handoff)
        else:
            contained, ai_s = np.zeros(n, dtype=bool), np.zeros(n)
        share = 0.0 if queue.callback is None else queue.callback.share
        takes = choice.random(n) < share
        front = np.full(n, covered)
        parts.append(
            (times, np.full(n, index), handles, waits, ai_s, contained, takes, front, ~contained)
        )
    columns = [np.concatenate(col) for col in zip(*parts, strict=True)]
    order = np.argsort(columns[0], kind="stable")  # ties: queue order, then draw order
    at, queue_ix, handles, waits, ai_s, contained, takes, front, routed = (
        c[order] for c in columns
    )
    return Contacts(
        at.tolist(),
        queue_ix.tolist(),
        handles.tolist(),
        waits.tolist(),
        ai_s.tolist(),
        contained.tolist(),
        takes.tolist(),
        front.tolist(),
        routed.tolist(),
    )


def _through_flow(
    scenario: Scenario,
    index: int,
    times: np.ndarray,
    replayed: np.ndarray | None,
    flow_rng: random.Random,
    handle: np.random.Generator,
    patience: np.random.Generator,
    choice: np.random.Generator,
) -> tuple[np.ndarray, ...]:
    """Walk a flow queue's contacts through its flow; draw the rest from where each went."""
    queues, n = scenario.queues, len(times)
    spec = queues[index].flow
    assert spec is not None
    ids = [q.id for q in queues]
    caller = compile_flow(spec, index, ids, queues[index].channel, scenario.ai)
    walks = walk_flows(caller, (times + scenario.start_s).tolist(), flow_rng)
    outcome = np.asarray(walks.outcome, dtype=np.int64)
    target = np.asarray(walks.queue, dtype=np.int64)
    routed = outcome == ROUTED
    handles = np.zeros(n) if replayed is None else replayed
    waits, takes = np.full(n, np.inf), np.zeros(n, dtype=bool)
    for d in np.unique(target[routed]).tolist():  # in queue order: a seed reproduces it
        to = queues[d]
        mask = routed & (target == d)
        k = int(mask.sum())
        if replayed is None:
            handles[mask] = draw_times(to.handle_time, handle, k)
        if to.patience is not None:
            waits[mask] = patience.exponential(to.patience.mean_s, k)
        share = 0.0 if to.callback is None else to.callback.share
        takes[mask] = choice.random(k) < share
    booked = np.asarray(walks.callback, dtype=bool)
    waits[booked] = np.inf  # a booked callback waits for its call
    takes[booked] = False
    return (
        times,
        target,
        handles,
        waits,
        np.asarray(walks.seconds, dtype=np.float64),
        outcome == SERVED,
        takes,
        np.ones(n, dtype=bool),
        routed,
    )
