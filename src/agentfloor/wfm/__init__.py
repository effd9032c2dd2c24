"""Workforce management: how many workers a queue needs, from Erlang B, C and A queueing formulas.

`erlang` holds Erlang B (blocking) and Erlang C (M/M/n: probability of waiting, service level,
ASA, occupancy); `erlang_a` holds Erlang A (M/M/n+M, callers who abandon); `staffing` inverts
them: the fewest agents meeting a service level, ASA or abandonment target, with shrinkage and a
maximum occupancy. Pure functions of numbers: no clock, no I/O. Every formula names its source.

`series` validates and aggregates an arrival history (gaps, duplicates, negative counts are errors
or documented repairs); `forecast` predicts calls per interval with statsforecast (MSTL) and a
holiday effect, `handle_time` the AHT per interval; `backtest` scores the models from rolling
origins against the seasonal naive baseline.

`scheduling` builds shifts and a roster covering interval requirements with OR-Tools CP-SAT
(values in `scheduling_model`, the greedy baseline and default start in `scheduling_greedy`).

`plots` draws the answers (forecast vs history, backtest vs actual, roster coverage) as PNG bytes
for the CLI and the REST API.
"""

from __future__ import annotations

from agentfloor.wfm.backtest import BASELINE, BacktestOrigin, BacktestResult, backtest_arrivals
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
from agentfloor.wfm.forecast import (
    DEFAULT_MODEL,
    MODELS,
    ArrivalForecast,
    ForecastModel,
    forecast_arrivals,
    holiday_dates,
    holiday_mask,
    wape,
)
from agentfloor.wfm.handle_time import forecast_handle_time
from agentfloor.wfm.model import (
    ErlangAResult,
    ErlangCResult,
    QueueModel,
    Staffing,
    StaffingTarget,
    traffic_erlangs,
)
from agentfloor.wfm.plots import backtest_png, coverage_png, forecast_png
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
from agentfloor.wfm.series import (
    MIN_HISTORY_DAYS,
    ArrivalSeries,
    GapFill,
    aggregate_arrivals,
    arrival_series,
    time_zone,
)
from agentfloor.wfm.staffing import erlang_a_staffing, erlang_c_staffing

__all__ = [
    "BASELINE",
    "DEFAULT_MODEL",
    "MIN_HISTORY_DAYS",
    "MODELS",
    "ArrivalForecast",
    "ArrivalSeries",
    "BacktestOrigin",
    "BacktestResult",
    "BreakRule",
    "ErlangAResult",
    "ErlangBTable",
    "ErlangCResult",
    "ForecastModel",
    "GapFill",
    "QueueModel",
    "ScheduleInfeasible",
    "ScheduleProblem",
    "ScheduleResult",
    "ScheduleStatus",
    "ScheduledShift",
    "ShiftTemplate",
    "Staffing",
    "StaffingTarget",
    "Worker",
    "aggregate_arrivals",
    "arrival_series",
    "asa_s",
    "backtest_arrivals",
    "backtest_png",
    "coverage_of",
    "coverage_png",
    "erlang_a_metrics",
    "erlang_a_staffing",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "erlang_c_staffing",
    "forecast_arrivals",
    "forecast_handle_time",
    "forecast_png",
    "greedy_roster",
    "holiday_dates",
    "holiday_mask",
    "occupancy",
    "schedule_shifts",
    "service_level",
    "time_zone",
    "traffic_erlangs",
    "wape",
]
