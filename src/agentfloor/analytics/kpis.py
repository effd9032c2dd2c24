"""The KPI definitions: from a group's facts to its counts, times and rates.

Definitions (every rate is None when its denominator is zero; times are seconds):

- offered: tasks first queued in the period. answered: of those, assigned to a worker;
  abandoned: the customer left while waiting or offered (short: wait < `short_abandon_s`);
  canceled tasks (withdrawn by the system or an operator) and tasks still waiting count in
  `offered` only.
- service level: answered within `sl_threshold_s` (inclusive) over answered + abandoned, with
  short abandons treated per `ShortAbandons`: excluded from both (default), counted as abandons
  (`offered`), or counted as answered in time (`answered`).
- abandonment rate: abandoned over answered + abandoned, the same treatment (short abandons are
  abandons only under `offered`).
- ASA: mean wait of answered tasks. AHT: mean talk + hold + wrap-up of tasks completed (hold is 0
  unless the log carries `hold_s`); the three means are given too.
- transfer rate: answered tasks that were transferred (another task of the same contact queued
  after this one was answered, or an explicit `task.transferred`) over answered tasks.
  Escalation to another queue while waiting is not a transfer. A consult (a warm transfer's
  task for the worker asked, `consult_of`) is not a customer's contact: it is left out of
  every task count, time and rate here (its worker's time still counts as busy), and the task
  it consulted for counts as transferred only if the consult was still on when it completed.
- occupancy: busy time (holding at least one task, wrap-up included) over staffed time (ready in
  an `available_activities` activity, or busy). utilisation: busy time over logged-in time (any
  activity but the `offline_activities`, or busy). Concurrent chats count once: it is time.
- first-contact resolution: handled contacts with a known customer and reason that are followed
  by no contact of the same customer and reason starting within `fcr_window_s` (inclusive).
  Contacts too close to the end of the log are counted as resolved so far.
- CSAT: responses >= `csat_satisfied_min` (top-two-box on 1-5) over responses; the mean too.
  NPS: % promoters (9-10) minus % detractors (0-6), from -100 to 100.
- AI containment: contacts the AI resolved (`ai.outcome` contained) over contacts with an AI
  outcome (contained, handed off, abandoned; abandons count as contained only if the parameter
  says so).
- leads: contacts with `lead.qualified`. follow-up time: from qualification to the first task of
  the same customer (this contact's hand-off included) answered at or after it; mean over leads
  followed up. conversion: leads whose customer got a `sale_codes` disposition within
  `conversion_window_s` after qualification, over leads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from statistics import fmean

from agentfloor.analytics.facts import ContactFacts, TaskFacts
from agentfloor.analytics.model import KpiParams, ShortAbandons

__all__ = ["ContactContext", "Kpis", "WorkerTime", "compute_kpis"]


@dataclass(frozen=True, slots=True)
class WorkerTime:
    """A group's worker time, in seconds: busy, staffed (ready or busy), logged in."""

    busy_s: float = 0.0
    staffed_s: float = 0.0
    logged_in_s: float = 0.0


@dataclass(frozen=True, slots=True)
class ContactContext:
    """What a contact's KPIs need from other contacts: repeats, follow-ups and sales.

    Per contact id: whether it was resolved first time (None: not eligible), the lead follow-up
    in seconds (None: no follow-up yet) and whether the lead converted.
    """

    fcr: Mapping[str, bool | None]
    follow_up_s: Mapping[str, float | None]
    converted: Mapping[str, bool]


@dataclass(frozen=True, slots=True)
class Kpis:
    """Every KPI of one group. Rates are 0-1 (NPS is -100..100); None: nothing to divide by."""

    offered: int = 0
    answered: int = 0
    answered_in_sl: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    canceled: int = 0
    service_level: float | None = None
    abandonment_rate: float | None = None
    asa_s: float | None = None
    completed: int = 0
    aht_s: float | None = None
    talk_s: float | None = None
    hold_s: float | None = None
    wrapup_s: float | None = None
    transferred: int = 0
    transfer_rate: float | None = None
    busy_s: float = 0.0
    staffed_s: float = 0.0
    logged_in_s: float = 0.0
    occupancy: float | None = None
    utilisation: float | None = None
    contacts: int = 0
    fcr_contacts: int = 0
    fcr_resolved: int = 0
    fcr_rate: float | None = None
    csat_responses: int = 0
    csat: float | None = None
    csat_mean: float | None = None
    nps_responses: int = 0
    nps: float | None = None
    ai_contacts: int = 0
    ai_contained: int = 0
    containment_rate: float | None = None
    leads: int = 0
    leads_followed_up: int = 0
    lead_follow_up_s: float | None = None
    leads_converted: int = 0
    conversion_rate: float | None = None

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Return the KPI names in column order (for CSV headers)."""
        return tuple(f.name for f in fields(cls))

    def as_dict(self) -> dict[str, float | int | None]:
        """Return the KPIs as a plain mapping, in column order."""
        return {name: getattr(self, name) for name in self.names()}


def _rate(num: float, den: float) -> float | None:
    return num / den if den else None


def _mean(values: Sequence[float]) -> float | None:
    return fmean(values) if values else None


def compute_kpis(
    tasks: Iterable[TaskFacts],
    contacts: Iterable[ContactFacts],
    time: WorkerTime,
    context: ContactContext,
    params: KpiParams,
) -> Kpis:
    """Return the KPIs of one group's tasks, contacts and worker time."""
    tasks = [t for t in tasks if t.consult_of is None]
    contacts = list(contacts)
    threshold, short_s = params.sl_threshold_s, params.short_abandon_s
    answered = [t for t in tasks if t.answered_at is not None]
    abandoned = [t for t in tasks if t.abandoned_at is not None and t.answered_at is None]
    short = sum(1 for t in abandoned if (t.wait_s or 0.0) < short_s)
    in_sl = sum(1 for t in answered if (t.wait_s or 0.0) <= threshold)
    counted_abandons = len(abandoned)
    sl_num, sl_den = in_sl, len(answered) + len(abandoned)
    if params.short_abandons is ShortAbandons.EXCLUDED:
        sl_den -= short
        counted_abandons -= short
    elif params.short_abandons is ShortAbandons.ANSWERED:
        sl_num += short
        counted_abandons -= short
    completed = [t for t in tasks if t.handle_s is not None]
    transferred = sum(1 for t in answered if t.transferred)

    fcr = [context.fcr.get(c.contact_id) for c in contacts]
    fcr_eligible = [r for r in fcr if r is not None]
    csat = [s for c in contacts for s in c.csat]
    nps = [s for c in contacts for s in c.nps]
    ai = [c for c in contacts if c.ai_outcome is not None]
    contained = sum(
        1
        for c in ai
        if c.ai_outcome == "contained"
        or (params.ai_abandoned_is_contained and c.ai_outcome == "abandoned")
    )
    leads = [c for c in contacts if c.lead_at is not None]
    follow_ups = [s for c in leads if (s := context.follow_up_s.get(c.contact_id)) is not None]
    converted = sum(1 for c in leads if context.converted.get(c.contact_id))
    promoters = sum(1 for s in nps if s >= 9)
    detractors = sum(1 for s in nps if s <= 6)
    nps_value = (promoters - detractors) * 100 / len(nps) if nps else None
    return Kpis(
        offered=len(tasks),
        answered=len(answered),
        answered_in_sl=in_sl,
        abandoned=len(abandoned),
        short_abandoned=short,
        canceled=sum(1 for t in tasks if t.canceled_at is not None and t.answered_at is None),
        service_level=_rate(sl_num, sl_den),
        abandonment_rate=_rate(counted_abandons, sl_den),
        asa_s=_mean([t.wait_s or 0.0 for t in answered]),
        completed=len(completed),
        aht_s=_mean([t.handle_s or 0.0 for t in completed]),
        talk_s=_mean([t.talk_s or 0.0 for t in completed]),
        hold_s=_mean([t.hold_s for t in completed]),
        wrapup_s=_mean([t.wrapup_s or 0.0 for t in completed]),
        transferred=transferred,
        transfer_rate=_rate(transferred, len(answered)),
        busy_s=time.busy_s,
        staffed_s=time.staffed_s,
        logged_in_s=time.logged_in_s,
        occupancy=_rate(time.busy_s, time.staffed_s),
        utilisation=_rate(time.busy_s, time.logged_in_s),
        contacts=len(contacts),
        fcr_contacts=len(fcr_eligible),
        fcr_resolved=sum(fcr_eligible),
        fcr_rate=_rate(sum(fcr_eligible), len(fcr_eligible)),
        csat_responses=len(csat),
        csat=_rate(sum(1 for s in csat if s >= params.csat_satisfied_min), len(csat)),
        csat_mean=_mean(csat),
        nps_responses=len(nps),
        nps=nps_value,
        ai_contacts=len(ai),
        ai_contained=contained,
        containment_rate=_rate(contained, len(ai)),
        leads=len(leads),
        leads_followed_up=len(follow_ups),
        lead_follow_up_s=_mean(follow_ups),
        leads_converted=converted,
        conversion_rate=_rate(converted, len(leads)),
    )
