"""Erlang A (M/M/n+M): waiting, abandonment, service level and ASA when callers run out of patience.

Formulas from Mandelbaum & Zeltyn, "The M/M/n+G queue: summary of performance measures"
(Technion, 2004; section "M/M/n+M") and Garnett, Mandelbaum & Reiman, "Designing a call center
with impatient customers", MSOM 4(3), 2002. With arrival rate l, service rate m, abandonment rate
t = 1 / mean patience, x = n m / t, y = l / t and the Erlang B value E = B(n, l / m):

    J(x, y) = sum_{j>=0} y^j / ((x+1)...(x+j)) = x e^y y^-x gamma(x, y)   (lower incomplete gamma)
    P(wait)               = J E / (1 + (J - 1) E)
    P(abandon | wait)     = 1 / (rho J) + 1 - 1 / rho,  rho = y / x = l / (n m)
    P(offered wait > s | wait) = gamma(x, y e^{-t s}) / gamma(x, y)

J is the sum, over queue lengths j, of the birth-death chain's stationary weights relative to
"all n busy, nobody waiting", so every measure is a ratio of such sums. We evaluate them without
overflow: for y well below x by the series (positive terms, summed in log space), otherwise by
scipy's regularised incomplete gamma with log-gamma (no factorials). P(abandon | wait) is taken as
M / (y J) with M = sum_j j y^j / ((x+1)...(x+j)) (Little's law), which has no cancellation.

Service level counts callers answered within s among all arrivals: 1 - P(still waiting at s) -
P(abandoned by s). Integrating the waiting-time density of the formulas above gives, given wait,

    P(still waiting at s)  = e^{-t s} K J(x, y u) / J(x, y)
    P(abandoned by s)      = (M(x, y) - K M(x, y u)) / (y J(x, y)),
    u = e^{-t s},  K = u^x e^{y (1 - u)} = exp(-n m s + y (1 - u)),

which at s -> infinity gives P(abandon | wait) back, and at t -> 0 Erlang C's
1 - C e^{-(n m - l) s}.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammainc, gammaln

from agentfloor.core.errors import InvalidInput
from agentfloor.wfm.erlang import ErlangBTable, _check_agents, _check_times, _check_traffic
from agentfloor.wfm.model import ErlangAResult

__all__ = ["erlang_a_metrics"]

_SERIES_RATIO = 0.9
_TINY = 1e-250
_FIRST_CHUNK = 64
_MAX_TERMS = 50_000_000
#: Below this y the series runs in plain floats (no term can overflow; a few hundred terms).
_FLOAT_SERIES_BELOW = 300.0


def _series(x: float, y: float) -> tuple[float, float]:
    """Return (log J, log M) by the series; needs y < x, so terms fall from the first."""
    log_y = math.log(y)
    log_j_parts: list[float] = [0.0]  # the j = 0 term is 1 (log 0) and adds nothing to M
    log_m_parts: list[float] = []
    start, last, chunk = 1, 0.0, _FIRST_CHUNK
    while start < _MAX_TERMS:
        j = np.arange(start, start + chunk, dtype=np.float64)
        logs = last + np.cumsum(log_y - np.log(x + j))
        log_j_parts.append(float(np.logaddexp.reduce(logs)))
        log_m_parts.append(float(np.logaddexp.reduce(logs + np.log(j))))
        last = float(logs[-1])
        start += chunk
        chunk *= 2  # few terms when y << x, yet O(log) numpy calls when the series is long
        ratio = y / (x + start)  # every later term shrinks by at least this factor
        total = float(np.logaddexp.reduce(np.array(log_j_parts)))
        # The tail (sum of j-weighted terms, bounded by a geometric series) is below e^-40 of J.
        if last + math.log(start) - math.log1p(-ratio) < total - 40.0:
            break
    log_j = float(np.logaddexp.reduce(np.array(log_j_parts)))
    log_m = float(np.logaddexp.reduce(np.array(log_m_parts)))
    return log_j, log_m


def _float_series(x: float, y: float) -> tuple[float, float]:
    """Return (J, M) by summing the series in plain floats; for y below `_FLOAT_SERIES_BELOW`.

    Every term is at most y^j / j! <= e^y, so for small y nothing overflows, and summing
    positive terms loses no precision. The terms grow while y > x + j and then fall by at least
    r = y / (x + j + 1) each; the sum stops once the geometric bounds on what is left of J
    (term r / (1 - r)) and of M (term (j r / (1 - r) + r / (1 - r)^2)) are below 1e-17 of each.
    """
    term = j_sum = 1.0
    m_sum = 0.0
    j = 0
    while True:
        j += 1
        term *= y / (x + j)
        j_sum += term
        m_sum += j * term
        # The bounds cost two divisions: first wait for a term that small (no earlier stop is
        # missed when r >= 1/2, and below that a few extra terms only add precision).
        if term < 1e-17 * j_sum:
            r = y / (x + j + 1)
            if r < 1.0:
                rest = term * r / (1.0 - r)
                if rest < 1e-17 * j_sum and rest * (j + 1.0 / (1.0 - r)) < 1e-17 * m_sum:
                    return j_sum, m_sum


def _log_j_and_m_per_j(x: float, y: float) -> tuple[float, float]:
    """Return (log J(x, y), M(x, y) / J(x, y)) with J and M as in the module docstring.

    M / J is the mean queue length seen in the "everyone busy" states, so it is finite even when
    J itself would overflow.
    """
    if y == 0:  # only the empty queue: J = 1, M = 0
        return 0.0, 0.0
    # Below x the series' terms fall by y / (x + j) each: take it when that is at most 0.9, or
    # when P(x, y) is too small to take a log of (then the gap is > 30 sqrt(x): few terms).
    regularised = 0.0 if y <= _SERIES_RATIO * x else float(gammainc(x, y))
    if y < x and (y <= _SERIES_RATIO * x or regularised < _TINY):
        if y < _FLOAT_SERIES_BELOW:  # small volumes: a short loop beats numpy's per-call cost
            j_sum, m_sum = _float_series(x, y)
            return math.log(j_sum), m_sum / j_sum
        log_j, log_m = _series(x, y)
        return log_j, math.exp(log_m - log_j)
    # J = x e^y y^-x Gamma(x) P(x, y), P the regularised lower incomplete gamma (log-gamma, no
    # factorials); near or above y = x the sum peaks far out, and P is no longer small.
    log_j = math.log(x) + y - x * math.log(y) + float(gammaln(x)) + math.log(regularised)
    # sum_j j r_j = y J - x (J - 1) follows from r_j (x + j) = y r_{j-1}.
    return log_j, max(0.0, x * math.exp(-log_j) + (y - x))


def erlang_a_metrics(
    agents: int,
    traffic_erl: float,
    aht_s: float,
    patience_s: float,
    answer_time_s: float,
) -> ErlangAResult:
    """Return every Erlang A measure for `agents` workers, `traffic_erl` Erlangs offered.

    Args:
        agents: workers on the phones (at least 1 when any traffic is offered).
        traffic_erl: offered traffic, calls x AHT / interval.
        aht_s: average handle time (exponential service).
        patience_s: mean time a caller waits before hanging up (exponential patience).
        answer_time_s: the service level's target answer time.

    Formulas and their sources are in the module docstring.
    """
    _check_agents(agents)
    _check_traffic(traffic_erl)
    _check_times(aht_s, answer_time_s)
    if not (patience_s > 0 and not math.isnan(patience_s)):
        raise InvalidInput(f"mean patience must be > 0 seconds, got {patience_s}")
    return _a_metrics(
        agents, traffic_erl, aht_s, patience_s, answer_time_s, ErlangBTable(traffic_erl)
    )


def _a_metrics(
    agents: int,
    traffic_erl: float,
    aht_s: float,
    patience_s: float,
    answer_time_s: float,
    table: ErlangBTable,
) -> ErlangAResult:
    if traffic_erl == 0:
        return ErlangAResult(agents, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    if agents == 0:
        return ErlangAResult(0, traffic_erl, 1.0, 1.0, 0.0, patience_s, 1.0)
    if math.isinf(patience_s):
        raise InvalidInput("infinite patience is Erlang C: use erlang_c_metrics")
    ratio = patience_s / aht_s  # m / t
    x, y = agents * ratio, traffic_erl * ratio
    arrival_rate = traffic_erl / aht_s
    log_j, m_per_j = _log_j_and_m_per_j(x, y)
    b = table.at(agents)
    # P(wait) = J E / (1 + (J - 1) E) = 1 / (1 + (1/E - 1) / J); written with 1/J so J may be huge.
    not_waiting = (1.0 / b - 1.0) * math.exp(-log_j) if b > 0 else math.inf
    p_wait = 1.0 / (1.0 + not_waiting)
    # P(abandon | wait) = M / (y J) (Little's law: t E[queue] = l P(abandon)).
    ab_given_wait = min(1.0, m_per_j / y)
    p_abandon = p_wait * ab_given_wait
    # Mean wait of all callers = E[queue] / l = P(wait) (M / J) / l: no division by t, so it stays
    # exact as patience grows (where it tends to Erlang C's ASA).
    mean_wait = p_wait * m_per_j / arrival_rate

    if answer_time_s == 0:
        not_served_by = 1.0
    else:
        s_theta = answer_time_s / patience_s
        u = math.exp(-s_theta)
        log_k = -agents * answer_time_s / aht_s - y * math.expm1(-s_theta)
        log_j_u, m_per_j_u = _log_j_and_m_per_j(x, y * u)
        # P(offered wait > s | wait) = K J(x, y u) / J(x, y); at most 1.
        beyond = math.exp(min(0.0, log_k + log_j_u - log_j))
        still_waiting = u * beyond
        abandoned_by = (m_per_j - beyond * m_per_j_u) / y
        not_served_by = min(1.0, max(0.0, still_waiting + abandoned_by))
    served = 1.0 - p_abandon
    return ErlangAResult(
        agents=agents,
        traffic_erl=traffic_erl,
        prob_wait=p_wait,
        prob_abandon=p_abandon,
        service_level=min(served, max(0.0, 1.0 - p_wait * not_served_by)),
        asa_s=mean_wait,
        occupancy=min(1.0, traffic_erl * served / agents),
    )
