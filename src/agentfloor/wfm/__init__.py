"""Workforce management: how many workers a queue needs, from Erlang B, C and A queueing formulas.

`erlang` holds Erlang B (blocking) and Erlang C (M/M/n: probability of waiting, service level,
ASA, occupancy); `erlang_a` holds Erlang A (M/M/n+M, callers who abandon); `staffing` inverts
them: the fewest agents meeting a service level, ASA or abandonment target, with shrinkage and a
maximum occupancy. Pure functions of numbers: no clock, no I/O. Every formula names its source.
"""

from __future__ import annotations

from agentfloor.wfm.erlang import (
    ErlangBTable,
    asa_s,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    occupancy,
    service_level,
)
from agentfloor.wfm.erlang_a import erlang_a_metrics
from agentfloor.wfm.model import (
    ErlangAResult,
    ErlangCResult,
    QueueModel,
    Staffing,
    StaffingTarget,
    traffic_erlangs,
)
from agentfloor.wfm.staffing import erlang_a_staffing, erlang_c_staffing

__all__ = [
    "ErlangAResult",
    "ErlangBTable",
    "ErlangCResult",
    "QueueModel",
    "Staffing",
    "StaffingTarget",
    "asa_s",
    "erlang_a_metrics",
    "erlang_a_staffing",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "erlang_c_staffing",
    "occupancy",
    "service_level",
    "traffic_erlangs",
]
