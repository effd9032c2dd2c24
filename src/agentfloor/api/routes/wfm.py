"""`/v1/wfm`: workforce management over REST: staffing (Erlang C and A), forecast and schedule.

`POST /v1/wfm/staffing` answers the question `agentfloor staff` answers: for a call volume,
handle time and interval, the fewest agents meeting a service-level, ASA or abandonment target,
under Erlang C and, when a mean patience is given, Erlang A; with shrinkage and an occupancy cap.
Bad numbers are a 422 naming the field. The calculation is pure and takes microseconds to a few
milliseconds, so it runs inline.

`POST /v1/wfm/forecast` (`wfm_forecast`) and `POST /v1/wfm/schedule` (`wfm_schedule`) live in
their own modules and are mounted on this router, so the app registers one `wfm` router.
"""

from __future__ import annotations

import math

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agentfloor.api.auth import allow
from agentfloor.api.routes import wfm_forecast, wfm_schedule
from agentfloor.wfm import (
    ErlangAResult,
    Staffing,
    StaffingTarget,
    erlang_a_staffing,
    erlang_c_staffing,
    traffic_erlangs,
)

__all__ = ["router"]

router = APIRouter(prefix="/v1/wfm", tags=["wfm"])


class StaffingIn(BaseModel):
    """A staffing question for one interval."""

    model_config = ConfigDict(extra="forbid")

    calls: float = Field(ge=0, le=10_000_000, description="Calls offered in the interval.")
    aht_s: float = Field(gt=0, le=86_400, description="Average handle time, seconds.")
    interval_s: float = Field(1800, gt=0, le=86_400, description="Interval length, seconds.")
    service_level: float | None = Field(
        0.8, gt=0, lt=1, description="Share answered within `answer_time_s` (0.8 for 80/20)."
    )
    answer_time_s: float = Field(20, ge=0, le=86_400)
    max_asa_s: float | None = Field(None, gt=0, le=86_400)
    max_abandon: float | None = Field(None, gt=0, lt=1, description="Erlang A only.")
    patience_s: float | None = Field(
        None, gt=0, le=86_400, description="Mean patience before hanging up: adds Erlang A."
    )
    shrinkage: float = Field(0, ge=0, lt=1, description="Share of paid time not on the phones.")
    max_occupancy: float = Field(1, gt=0, le=1)

    @model_validator(mode="after")
    def _abandon_needs_patience(self) -> StaffingIn:
        if self.max_abandon is not None and self.patience_s is None:
            raise ValueError("max_abandon needs patience_s (abandonment is an Erlang A measure)")
        if self.service_level is None and self.max_asa_s is None and self.max_abandon is None:
            raise ValueError("give at least one target: service_level, max_asa_s or max_abandon")
        return self


class PerformanceOut(BaseModel):
    """How the queue performs with the recommended agents on the phones."""

    service_level: float
    asa_s: float | None  # None: unbounded (an unstable queue)
    occupancy: float
    prob_wait: float
    prob_abandon: float | None


class ModelOut(BaseModel):
    """One queue model's answer."""

    model: str
    agents_for_target: int
    agents: int
    scheduled: int
    occupancy_bound: bool
    performance: PerformanceOut


class StaffingOut(BaseModel):
    """The traffic and each model's answer (Erlang A only with a patience)."""

    traffic_erlangs: float
    models: list[ModelOut]


def _out(answer: Staffing) -> ModelOut:
    p = answer.performance
    return ModelOut(
        model=answer.model.value,
        agents_for_target=answer.agents_for_target,
        agents=answer.agents,
        scheduled=answer.scheduled,
        occupancy_bound=answer.occupancy_bound,
        performance=PerformanceOut(
            service_level=p.service_level,
            asa_s=p.asa_s if math.isfinite(p.asa_s) else None,
            occupancy=p.occupancy,
            prob_wait=p.prob_wait,
            prob_abandon=p.prob_abandon if isinstance(p, ErlangAResult) else None,
        ),
    )


@router.post("/staffing", response_model=StaffingOut, **allow())
def staffing(body: StaffingIn) -> StaffingOut:
    """Return the agents needed for the interval under Erlang C and (with a patience) Erlang A."""
    traffic = traffic_erlangs(body.calls, body.aht_s, body.interval_s)
    plan = {"shrinkage": body.shrinkage, "max_occupancy": body.max_occupancy}
    models: list[ModelOut] = []
    if body.max_abandon is None:
        target = StaffingTarget(body.service_level, body.answer_time_s, body.max_asa_s, None)
        models.append(_out(erlang_c_staffing(traffic, body.aht_s, target, **plan)))
    if body.patience_s is not None:
        target = StaffingTarget(
            body.service_level, body.answer_time_s, body.max_asa_s, body.max_abandon
        )
        answer = erlang_a_staffing(traffic, body.aht_s, body.patience_s, target, **plan)
        models.append(_out(answer))
    return StaffingOut(traffic_erlangs=traffic, models=models)


router.include_router(wfm_forecast.router)
router.include_router(wfm_schedule.router)
