"""Erlang B and Erlang C: blocking, probability of waiting, service level, ASA and occupancy.

Hand-written rather than taken from a library because the textbook forms (A^n / n! sums) overflow
long before the 100,000 Erlangs a large centre offers in a peak interval. Erlang B comes from the
recurrence B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)), which stays in [0, 1] and loses no
precision (Jagerman, "Some properties of the Erlang loss function", Bell System Technical Journal
53(3), 1974); Erlang C, service level and ASA are closed forms in B (Cooper, "Introduction to
Queueing Theory", 2nd ed., 1981, sections 3.4-3.5; Gans, Koole & Mandelbaum, "Telephone call
centers: tutorial, review, and research prospects", MSOM 5(2), 2003, section 4.1).
"""

from __future__ import annotations

import math

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm.model import ErlangCResult

__all__ = [
    "ErlangBTable",
    "asa_s",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "occupancy",
    "service_level",
]


def _check_traffic(traffic_erl: float) -> None:
    if not math.isfinite(traffic_erl) or traffic_erl < 0:
        raise InvalidInput(f"traffic must be a finite number of Erlangs >= 0, got {traffic_erl}")


def _check_agents(agents: int) -> None:
    if agents < 0:
        raise InvalidInput(f"agents must be >= 0, got {agents}")


class ErlangBTable:
    """Erlang B values B(0), B(1), ... for one traffic, extended on demand by the recurrence.

    A staffing search asks for B at many head counts; the recurrence yields them all in one pass,
    so a search costs O(answer) float operations, not O(answer x probes).
    """

    __slots__ = ("_values", "traffic_erl")

    def __init__(self, traffic_erl: float) -> None:
        _check_traffic(traffic_erl)
        self.traffic_erl = traffic_erl
        self._values = [1.0]

    def at(self, agents: int) -> float:
        """Return B(agents, traffic): the probability that a call finds every agent busy."""
        _check_agents(agents)
        values, a = self._values, self.traffic_erl
        b = values[-1]
        for n in range(len(values), agents + 1):
            # Jagerman (1974): B(n) = A B(n-1) / (n + A B(n-1)); every step stays in [0, 1].
            ab = a * b
            b = ab / (n + ab)
            values.append(b)
        return values[agents]


def erlang_b(agents: int, traffic_erl: float) -> float:
    """Return the Erlang B blocking probability B(n, A) of an M/M/n/n loss system.

    Computed by the recurrence B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)) (Jagerman 1974): no
    factorials, so it holds for A = 100,000 Erlangs and any number of agents.
    """
    return ErlangBTable(traffic_erl).at(agents)


def _erlang_c_from_b(agents: int, traffic_erl: float, b: float) -> float:
    # C = n B / (n - A (1 - B)) (Cooper 1981, eq. 3.4.5); only meaningful when n > A.
    return agents * b / (agents - traffic_erl * (1.0 - b))


def erlang_c(agents: int, traffic_erl: float) -> float:
    """Return the Erlang C probability that a call waits, C(n, A) = n B / (n - A (1 - B)).

    An unstable queue (agents <= traffic) makes every call wait: the result is 1.
    """
    _check_agents(agents)
    _check_traffic(traffic_erl)
    if agents <= traffic_erl:
        return 1.0
    return _erlang_c_from_b(agents, traffic_erl, erlang_b(agents, traffic_erl))


def service_level(agents: int, traffic_erl: float, aht_s: float, answer_time_s: float) -> float:
    """Return the Erlang C fraction of calls answered within `answer_time_s`.

    SL = 1 - C exp(-(n - A) t / AHT) (Gans, Koole & Mandelbaum 2003, eq. 4.2); 0 when unstable.
    """
    return erlang_c_metrics(agents, traffic_erl, aht_s, answer_time_s).service_level


def asa_s(agents: int, traffic_erl: float, aht_s: float) -> float:
    """Return the Erlang C average speed of answer, C AHT / (n - A); infinite when unstable."""
    return erlang_c_metrics(agents, traffic_erl, aht_s, 0.0).asa_s


def occupancy(agents: int, traffic_erl: float) -> float:
    """Return the fraction of time agents are busy, A / n (capped at 1 for an unstable queue)."""
    _check_agents(agents)
    _check_traffic(traffic_erl)
    if agents == 0:
        return 0.0 if traffic_erl == 0 else 1.0
    return min(1.0, traffic_erl / agents)


def _check_times(aht_s: float, answer_time_s: float) -> None:
    if not math.isfinite(aht_s) or aht_s <= 0:
        raise InvalidInput(f"average handle time must be > 0 seconds, got {aht_s}")
    if not math.isfinite(answer_time_s) or answer_time_s < 0:
        raise InvalidInput(f"answer time must be >= 0 seconds, got {answer_time_s}")


def erlang_c_metrics(
    agents: int, traffic_erl: float, aht_s: float, answer_time_s: float
) -> ErlangCResult:
    """Return every Erlang C measure for `agents` workers and `traffic_erl` Erlangs.

    Probability of waiting C = n B / (n - A (1 - B)); service level 1 - C exp(-(n - A) t / AHT);
    ASA = C AHT / (n - A); occupancy A / n (Cooper 1981, section 3.4; Gans, Koole & Mandelbaum
    2003, section 4.1). With n <= A the queue is unstable and `is_stable` is False.
    """
    _check_agents(agents)
    _check_traffic(traffic_erl)
    _check_times(aht_s, answer_time_s)
    return _c_metrics(agents, traffic_erl, aht_s, answer_time_s, ErlangBTable(traffic_erl))


def _c_metrics(
    agents: int, traffic_erl: float, aht_s: float, answer_time_s: float, table: ErlangBTable
) -> ErlangCResult:
    if traffic_erl == 0:
        return ErlangCResult(agents, 0.0, 0.0, 1.0, 0.0, 0.0, is_stable=True)
    if agents <= traffic_erl:
        return ErlangCResult(
            agents, traffic_erl, 1.0, 0.0, math.inf, occupancy(agents, traffic_erl), False
        )
    c = _erlang_c_from_b(agents, traffic_erl, table.at(agents))
    spare = agents - traffic_erl
    return ErlangCResult(
        agents=agents,
        traffic_erl=traffic_erl,
        prob_wait=c,
        service_level=max(0.0, 1.0 - c * math.exp(-spare * answer_time_s / aht_s)),
        asa_s=c * aht_s / spare,
        occupancy=traffic_erl / agents,
        is_stable=True,
    )
