"""The parts of a simulation scenario: distributions, arrivals, queues, staffing, AI, settings.

Pydantic models, frozen and strict about unknown fields, each validating its own values; the
rules that span parts (a profile as long as the horizon, queue names that exist) and file
reading live with `Scenario` in `sim.scenario`. Kinds of a part (`exponential`, `poisson`,
`table`...) are tagged unions on `kind`, so an error names the field the user wrote.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agentfloor.routing.model import SelectionStrategy, WorkerKind

__all__ = [
    "HHMM",
    "AiContainment",
    "CallbackOffer",
    "Channel",
    "ConstantArrivals",
    "ConstantStaffing",
    "EmpiricalTime",
    "ExponentialTime",
    "FlowPort",
    "FlowPorts",
    "FlowSpec",
    "KpiSpec",
    "LognormalTime",
    "PoissonArrivals",
    "QueueSpec",
    "ReplayArrivals",
    "RosterStaffing",
    "RoutingSpec",
    "Shift",
    "SpecModel",
    "Sweep",
    "TableStaffing",
    "TimeDistribution",
    "WorkerGroup",
]

Channel = Literal["voice", "chat", "email", "sms"]
_NAME = r"^[A-Za-z0-9_.-]{1,64}$"
HHMM = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


class SpecModel(BaseModel):
    """A scenario part: frozen, and an unknown field is an error (a typo names itself)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --- distributions --------------------------------------------------------------------------------


class ExponentialTime(SpecModel):
    """Exponentially distributed seconds with mean `mean_s` (handle time, patience)."""

    kind: Literal["exponential"]
    mean_s: float = Field(gt=0, allow_inf_nan=False)


class LognormalTime(SpecModel):
    """Lognormal seconds given by their mean and standard deviation (not the log's)."""

    kind: Literal["lognormal"]
    mean_s: float = Field(gt=0, allow_inf_nan=False)
    sd_s: float = Field(gt=0, allow_inf_nan=False)


class EmpiricalTime(SpecModel):
    """Seconds drawn uniformly from observed samples (with replacement)."""

    kind: Literal["empirical"]
    samples_s: list[Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(min_length=1)


TimeDistribution = Annotated[
    ExponentialTime | LognormalTime | EmpiricalTime, Field(discriminator="kind")
]

# --- arrivals -------------------------------------------------------------------------------------


class PoissonArrivals(SpecModel):
    """Poisson arrivals with a constant rate within each interval: the expected calls per interval.

    Given inline (`per_interval`, one number per interval) or read from a CSV (`csv`, one row per
    interval in order, the count in column `column`), such as a forecast.
    """

    kind: Literal["poisson"]
    per_interval: list[Annotated[float, Field(ge=0, allow_inf_nan=False)]] | None = None
    csv: str | None = None
    column: str = "calls"


class ConstantArrivals(SpecModel):
    """Poisson arrivals at one rate for the whole horizon."""

    kind: Literal["constant"]
    per_hour: float = Field(ge=0, allow_inf_nan=False)


class ReplayArrivals(SpecModel):
    """Arrivals replayed from a CSV of real ones: one row per arrival.

    `column` holds an ISO 8601 time (naive: the scenario's timezone) or seconds from the start;
    `handle_column`, if given, the handle time of that contact (else the queue's distribution).
    Rows outside the horizon are skipped. `times_s`/`handles_s` are filled when loading.
    """

    kind: Literal["replay"]
    csv: str
    column: str = "arrived_at"
    handle_column: str | None = None
    times_s: tuple[float, ...] = ()
    handles_s: tuple[float, ...] | None = None


Arrivals = Annotated[
    PoissonArrivals | ConstantArrivals | ReplayArrivals, Field(discriminator="kind")
]


class CallbackOffer(SpecModel):
    """After `after_s` waiting, a caller is offered a callback; `share` of them take it.

    A callback keeps the caller's place (`task.callback_requested`) and no longer abandons.
    """

    after_s: float = Field(ge=0, allow_inf_nan=False)
    share: float = Field(ge=0, le=1)


class FlowPort(SpecModel):
    """What the simulator answers for a port it cannot run: a `success` share, in `time_s`."""

    success: float = Field(default=1.0, ge=0, le=1)
    time_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)


class FlowPorts(SpecModel):
    """The ports of a flow the simulator stands in for (an `ai_agent` block uses `ai`)."""

    webhook: FlowPort = FlowPort()
    crm_lookup: FlowPort = FlowPort()


class FlowSpec(SpecModel):
    """A contact flow the queue's contacts pass through before the router, and a caller model.

    `file` names the flow document (YAML, relative to the scenario); `source` is its text, filled
    when loading (or given inline, e.g. over the API). `answers` gives, for every block that
    asks (menu, collect, callback offer, survey), the share of callers giving each answer: a
    menu option's DTMF key, intent or label, any text for the others, or `no_answer` (silence:
    the block re-prompts, then gives up). `prompt_time` is the seconds a question and its answer
    take (a number or a distribution), `prompt_times` the same for given blocks (by id),
    `message_s` the seconds of each message. `queues` maps
    the flow's queue and workflow ids to scenario queue ids (a name not in it must be one).
    `attributes` are the contact's attributes at the start (the channel is added). The queue's
    contacts do not also meet the scenario's `ai` in front: the AI agent works where the flow
    has an `ai_agent` block, with the `ai` section's share and times.
    """

    file: str | None = None
    source: str = ""
    answers: dict[str, dict[str, Annotated[float, Field(ge=0, le=1)]]] = Field(default_factory=dict)
    prompt_time: Annotated[float, Field(ge=0, allow_inf_nan=False)] | TimeDistribution = 0.0
    prompt_times: dict[
        str, Annotated[float, Field(ge=0, allow_inf_nan=False)] | TimeDistribution
    ] = Field(default_factory=dict)
    message_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    ports: FlowPorts = FlowPorts()
    queues: dict[str, str] = Field(default_factory=dict)
    attributes: dict[str, Any] = Field(default_factory=lambda: {"phone": "+15550100"})


class QueueSpec(SpecModel):
    """One queue: its channel, who may answer it, and the contacts arriving at it.

    With a `flow`, the contacts arriving here first run through it; it routes each to a queue
    (this one or another, with that queue's handle time, patience and callback offer) or
    serves it itself.
    """

    id: str = Field(pattern=_NAME)
    channel: Channel = "voice"
    target: str = ""
    strategy: SelectionStrategy = SelectionStrategy.LONGEST_IDLE
    skill: str | None = None
    priority: int = 0
    wrapup_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    arrivals: Arrivals
    handle_time: TimeDistribution
    patience: ExponentialTime | None = None
    callback: CallbackOffer | None = None
    flow: FlowSpec | None = None


# --- staffing -------------------------------------------------------------------------------------


class ConstantStaffing(SpecModel):
    """The same number of workers logged in for the whole run."""

    kind: Literal["constant"]
    count: int = Field(ge=0)


class TableStaffing(SpecModel):
    """Workers logged in per interval (one count per interval); the last count holds after."""

    kind: Literal["table"]
    per_interval: list[Annotated[int, Field(ge=0)]]


class Shift(SpecModel):
    """`count` workers logged in from `start` to `end` (local `HH:MM` on the start's date).

    An `end` at or before `start` runs past midnight.
    """

    start: str
    end: str
    count: int = Field(ge=1)


class RosterStaffing(SpecModel):
    """Shifts: who logs in and out when (as `wfm.schedule_shifts` plans them)."""

    kind: Literal["roster"]
    shifts: list[Shift] = Field(min_length=1)


Staffing = Annotated[ConstantStaffing | TableStaffing | RosterStaffing, Field(discriminator="kind")]


def _one_voice_line() -> dict[Channel, int]:
    return {"voice": 1}


class WorkerGroup(SpecModel):
    """Workers alike: attributes (skills...), capacity per channel (chat concurrency), staffing."""

    name: str = Field(pattern=_NAME)
    kind: WorkerKind = WorkerKind.HUMAN
    attributes: dict[str, Any] = Field(default_factory=dict)
    capacity: dict[Channel, Annotated[int, Field(ge=0, le=100)]] = Field(
        default_factory=_one_voice_line
    )
    staffing: Staffing


# --- the rest -------------------------------------------------------------------------------------


class AiContainment(SpecModel):
    """An AI agent in front of the queues: `share` of contacts it resolves, in `handle_time`.

    The others reach the router after `handoff_time` with the AI (none: at once).
    `queues` limits it to some queues (default: all).
    """

    share: float = Field(ge=0, le=1)
    handle_time: TimeDistribution
    handoff_time: TimeDistribution | None = None
    queues: list[str] | None = None


class RoutingSpec(SpecModel):
    """Router settings and worker behaviour: how long offers last, how fast workers accept."""

    reservation_timeout_s: float = Field(default=30.0, gt=0, allow_inf_nan=False)
    accept_delay_s: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    priority_step_s: float = Field(default=86_400.0, gt=0, allow_inf_nan=False)


class KpiSpec(SpecModel):
    """How the KPIs are defined (`analytics.KpiParams`).

    The service level's answer time, and what a short abandon (a caller gone within
    `short_abandon_s`) counts as: `excluded` from service level and abandonment (the usual
    reporting), `offered` (counted as any abandon: what Erlang A predicts) or `answered`.
    """

    answer_time_s: float = Field(default=20.0, ge=0, allow_inf_nan=False)
    short_abandon_s: float = Field(default=5.0, ge=0, allow_inf_nan=False)
    short_abandons: Literal["excluded", "offered", "answered"] = "excluded"


class Sweep(SpecModel):
    """Run the scenario once per value of one field (`variable`, a path like `ai.share`)."""

    variable: str
    values: list[Any] = Field(min_length=1)
