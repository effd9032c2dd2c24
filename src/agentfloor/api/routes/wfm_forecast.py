"""`POST /v1/wfm/forecast`: calls per interval for the days after an arrival history.

The REST face of `agentfloor forecast`: the history is checked by `wfm.arrival_series` (negative
or non-finite counts, duplicate or off-grid starts, gaps too long to fill and a history under two
weeks are a 422 whose `errors` name the rows as `body.history.<i>.<field>`; short gaps are
interpolated and reported in `repairs`), a finer history is summed to `interval_minutes`, and the
model (MSTL by default) forecasts `horizon_days` with the `country`'s holidays. The fit takes up
to seconds of CPU, so the route is a sync `def`: FastAPI runs it in its threadpool.

Naive history starts are a DST-free wall-clock grid unless `timezone` names their zone (or is
`tenant`, the tenant's own): then daylight-saving days follow `wfm.series`' rule (a fall-back
hour listed twice is two intervals, first daylight then standard time; a start the clocks skip
is a 422 naming the row) and the forecast's starts come back with their UTC offsets. Starts
with offsets are used as given. `?format=png` returns the CLI's forecast plot instead of JSON.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from agentfloor.access.model import Principal
from agentfloor.api.auth import allow, context, principal
from agentfloor.api.routes.wfm_png import PNG_RESPONSES, FormatQuery, png_response
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.runtime.analytics import tenant_timezone
from agentfloor.runtime.arrivals import arrivals_from_interactions
from agentfloor.runtime.context import ServiceContext
from agentfloor.wfm import (
    DEFAULT_MODEL,
    ArrivalSeries,
    ForecastModel,
    aggregate_arrivals,
    arrival_series,
    forecast_arrivals,
    forecast_png,
    holiday_dates,
    time_zone,
)

__all__ = ["router"]

router = APIRouter()

#: The most history rows one request may carry (about 5.7 years of 15-minute intervals).
MAX_HISTORY_ROWS = 200_000

_ROW = re.compile(r"^rows\[(\d+)\](?:\.(\w+))?$")
_LOCS = {
    "horizon": "body.horizon_days",
    "country": "body.country",
    "model": "body.model",
    "interval": "body.interval_minutes",
    "timezone": "body.timezone",
}


class ArrivalIn(BaseModel):
    """Calls that arrived in the interval starting at `start` (local time)."""

    model_config = ConfigDict(extra="forbid")

    start: datetime
    calls: float = Field(description="Calls offered in the interval; must be >= 0.")


class InteractionsIn(BaseModel):
    """Which of the tenant's interactions make the history (UTC intervals, zero-filled)."""

    model_config = ConfigDict(extra="forbid")

    channel: Literal["voice", "chat", "email", "sms"] | None = None


class ForecastIn(BaseModel):
    """An arrival history and what to forecast from it."""

    model_config = ConfigDict(extra="forbid")

    interval_minutes: Literal[15, 30, 60] = Field(
        description="Interval of the forecast; a finer history is summed to it."
    )
    history: list[ArrivalIn] | None = Field(
        None,
        min_length=2,
        max_length=MAX_HISTORY_ROWS,
        description="At least two weeks of intervals, in any order (or `from_interactions`).",
    )
    from_interactions: InteractionsIn | None = Field(
        None, description="Count the tenant's own interactions instead of sending a history."
    )
    horizon_days: int = Field(7, ge=1, le=28, description="Days to forecast after the history.")
    country: str | None = Field(
        None,
        min_length=2,
        max_length=3,
        pattern=r"^[A-Za-z]{2,3}$",
        description="ISO 3166 code whose public holidays shape the forecast (e.g. US, GB, IL).",
    )
    model: ForecastModel = DEFAULT_MODEL
    timezone: str | None = Field(
        None,
        max_length=64,
        description="IANA zone of the history's naive starts (e.g. Europe/London), or `tenant` "
        "for the tenant's: daylight-saving days are then read by the documented rule.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value != "tenant":
            try:
                time_zone(value)
            except InvalidInput as exc:
                raise ValueError(exc.message) from exc
        return value

    @model_validator(mode="after")
    def _one_source(self) -> ForecastIn:
        if (self.history is None) == (self.from_interactions is None):
            raise ValueError("give exactly one of history or from_interactions")
        if self.timezone is not None and self.history is None:
            raise ValueError("timezone reads a history's naive starts; interactions are in UTC")
        return self


class IntervalCallsOut(BaseModel):
    """Expected calls in the interval starting at `start`."""

    start: datetime
    calls: float


class ForecastOut(BaseModel):
    """The forecast per interval, the repairs made to the history and the holiday effect."""

    model: str
    interval_minutes: int
    forecast: list[IntervalCallsOut]
    total_calls: float
    repairs: list[str]
    holiday_factors: dict[str, float | None]
    holidays_in_horizon: list[str]


def _body_loc(loc: str, history: str) -> str:
    m = _ROW.match(loc)
    if m:
        return f"{history}.{m.group(1)}" + (f".{m.group(2)}" if m.group(2) else "")
    if loc in ("rows", "history"):
        return history
    return _LOCS.get(loc, f"body.{loc}")


def _at_body(exc: InvalidInput, history: str) -> InvalidInput:
    """Return the same error with its problems located in the request body.

    `history` is where the arrivals came from: `body.history`, or `body.from_interactions`
    when they are the tenant's own.
    """
    problems = [ProblemDetail(_body_loc(p.loc, history), p.message) for p in exc.problems]
    if not problems:
        problems = [ProblemDetail(history, exc.message)]
    return InvalidInput(exc.message, problems=problems, extra=exc.extra)


def _series(body: ForecastIn, ctx: ServiceContext, who: Principal) -> ArrivalSeries:
    if body.from_interactions is not None:
        source = body.from_interactions
        return arrivals_from_interactions(
            ctx, who.tenant_id, body.interval_minutes, channel=source.channel
        )
    assert body.history is not None
    zone = None
    if body.timezone is not None:
        name = tenant_timezone(ctx, who.tenant_id) if body.timezone == "tenant" else body.timezone
        zone = time_zone(name)
    series = arrival_series(
        [r.start for r in body.history], [r.calls for r in body.history], timezone=zone
    )
    if series.interval_min == body.interval_minutes:
        return series
    if series.interval_min > body.interval_minutes:
        raise InvalidInput(
            f"the history has {series.interval_min}-minute intervals; it cannot be split into "
            f"{body.interval_minutes}-minute ones",
            problems=[
                ProblemDetail(
                    "interval",
                    f"must be at least the history's interval ({series.interval_min} min)",
                )
            ],
        )
    return aggregate_arrivals(series, body.interval_minutes)


@router.post("/forecast", response_model=ForecastOut, responses=PNG_RESPONSES, **allow())
def forecast(
    body: ForecastIn,
    ctx: Annotated[ServiceContext, Depends(context)],
    who: Annotated[Principal, Depends(principal)],
    format: FormatQuery = "json",
) -> ForecastOut | Response:
    """Forecast calls per interval for `horizon_days` after the history (422 names bad rows)."""
    try:
        series = _series(body, ctx, who)
        horizon = body.horizon_days * series.per_day
        special = {}
        if body.country:
            end = series.start_of(len(series)) + timedelta(days=body.horizon_days)
            years = range(series.start.year, end.year + 1)
            special = holiday_dates(body.country, years)
        result = forecast_arrivals(series, horizon, model=body.model, holidays=special)
    except InvalidInput as exc:
        source = "body.history" if body.history is not None else "body.from_interactions"
        raise _at_body(exc, source) from exc
    if format == "png":
        return png_response(forecast_png(series, result))
    step = timedelta(minutes=result.interval_min)
    return ForecastOut(
        model=result.model,
        interval_minutes=result.interval_min,
        forecast=[
            IntervalCallsOut(start=series.local(result.start + i * step), calls=round(float(c), 3))
            for i, c in enumerate(result.calls)
        ],
        total_calls=round(float(result.calls.sum()), 3),
        repairs=list(series.repairs),
        holiday_factors=dict(result.holiday_factors),
        holidays_in_horizon=[d.isoformat() for d in result.holidays_in_horizon],
    )
