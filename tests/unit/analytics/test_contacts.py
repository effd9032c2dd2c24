"""Contact KPIs: first-contact resolution, CSAT, NPS, AI containment, lead follow-up, conversion."""

from __future__ import annotations

import pytest

from agentfloor.analytics import KpiParams, LogEntry, kpi_report, kpis
from tests.unit.analytics.log import T0, call, contact_event

END = T0 + 30 * 86_400


def contact(interaction: str, at: float, customer: str, reason: str) -> list[LogEntry]:
    task = f"t_{interaction}"
    return call(
        task,
        at,
        wait_s=5,
        talk_s=60,
        interaction_id=interaction,
        customer_id=customer,
        reason=reason,
    )


def test_fcr_counts_a_repeat_within_the_window_and_not_one_after_it() -> None:
    log = [
        *contact("i1", T0, "c1", "billing"),
        *contact("i2", T0 + 3600, "c1", "billing"),  # exactly at the window: a repeat of i1
        *contact("i3", T0 + 3600 + 3601, "c1", "billing"),  # just past it: i2 was resolved
        *contact("i4", T0 + 10, "c2", "billing"),  # another customer
        *contact("i5", T0 + 100, "c1", "sales"),  # another reason
    ]
    result = kpis(log, start=T0, end=END, params=KpiParams(fcr_window_s=3600))
    assert (result.contacts, result.fcr_contacts, result.fcr_resolved) == (5, 5, 4)  # not i1
    assert result.fcr_rate == pytest.approx(4 / 5)


def test_fcr_leaves_out_contacts_nobody_served_or_without_customer_or_reason() -> None:
    log = [
        *contact("i1", T0, "c1", "billing"),
        contact_event("interaction.created", "i2", T0 + 50, customer_id="c1", reason="billing"),
        *call("t3", T0 + 60, wait_s=5, interaction_id="i3"),  # nobody known
    ]
    result = kpis(log, start=T0, end=END, params=KpiParams(fcr_window_s=3600))
    # i2 was never served (not eligible) but it is still a repeat of i1
    assert (result.contacts, result.fcr_contacts, result.fcr_resolved) == (3, 1, 0)


def test_customer_and_reason_can_come_from_interaction_events() -> None:
    log = [
        contact_event("interaction.created", "i1", T0, customer_id="c1", reason=None),
        contact_event("interaction.updated", "i1", T0 + 1, reason="billing"),
        *call("t1", T0 + 2, wait_s=1, interaction_id="i1"),
        contact_event("ai.outcome", "i2", T0 + 99_000, outcome="contained", reason="x"),
        contact_event("interaction.created", "i2", T0 + 99_000, customer_id="c1", reason="billing"),
    ]
    result = kpis(log, start=T0, end=END, params=KpiParams(fcr_window_s=86_400))
    assert (result.fcr_contacts, result.fcr_resolved) == (2, 2)  # 99 000 s apart: no repeat


def test_csat_is_the_share_of_fours_and_fives_and_nps_promoters_minus_detractors() -> None:
    csat = [5, 4, "3", 1]  # a JSON log may hold a number as text
    nps = [10, 9, 8, 6, 0]
    log = [
        contact_event("survey.answered", f"s{i}", T0 + i, skill="csat_survey", score=s)
        for i, s in enumerate(csat)
    ] + [
        contact_event("survey.answered", f"n{i}", T0 + i, skill="nps_survey", nps=s)
        for i, s in enumerate(nps)
    ]
    result = kpis(log, start=T0, end=END)
    assert (result.csat_responses, result.csat, result.csat_mean) == (4, 0.5, 3.25)
    # promoters 10, 9; detractors 6, 0: (2 - 2) / 5
    assert (result.nps_responses, result.nps) == (5, 0.0)
    three = [contact_event("survey.answered", f"n{i}", T0, nps=s) for i, s in enumerate([10, 9, 7])]
    three.append(contact_event("survey.answered", "x", T0, nps="n/a", score=True))  # not scores
    assert kpis(three, start=T0, end=END).nps == pytest.approx(200 / 3)


def test_containment_is_contained_over_contacts_with_an_ai_outcome() -> None:
    outcomes = ["contained", "contained", "handed_off", "abandoned"]
    log = [
        contact_event("ai.outcome", f"i{n}", T0 + n, outcome=o, reason="r")
        for n, o in enumerate(outcomes)
    ]
    assert kpis(log, start=T0, end=END).containment_rate == 0.5
    lenient = KpiParams(ai_abandoned_is_contained=True)
    assert kpis(log, start=T0, end=END, params=lenient).containment_rate == 0.75


def test_lead_follow_up_is_the_first_answer_for_the_customer_and_conversion_a_sale() -> None:
    log = [
        contact_event("interaction.created", "l1", T0, customer_id="c9"),
        contact_event("lead.qualified", "l1", T0 + 100, score=80, hot=True),
        # the customer's next task is answered 150 s later; a sale is dispositioned on it
        *call("t2", T0 + 200, wait_s=50, talk_s=60, interaction_id="l2", customer_id="c9"),
        contact_event("interaction.dispositioned", "l2", T0 + 400, code="sale"),
        # c8: sold before the lead was qualified, then nobody called back
        contact_event("interaction.created", "l3", T0 + 500, customer_id="c8"),
        contact_event("interaction.dispositioned", "l3", T0 + 510, code="sale"),
        contact_event("lead.qualified", "l3", T0 + 520),
    ]
    result = kpis(log, start=T0, end=END)
    assert (result.leads, result.leads_followed_up, result.lead_follow_up_s) == (2, 1, 150.0)
    assert (result.leads_converted, result.conversion_rate) == (1, 0.5)


def test_sale_codes_and_conversion_window_are_parameters() -> None:
    log = [
        contact_event("interaction.created", "l1", T0, customer_id="c9"),
        contact_event("lead.qualified", "l1", T0),
        contact_event("interaction.dispositioned", "l1", T0 + 7200, code="won"),
    ]
    assert kpis(log, start=T0, end=END).conversion_rate == 0.0
    won = KpiParams(sale_codes=frozenset({"won"}))
    assert kpis(log, start=T0, end=END, params=won).conversion_rate == 1.0
    short = KpiParams(sale_codes=frozenset({"won"}), conversion_window_s=3600)
    assert kpis(log, start=T0, end=END, params=short).conversion_rate == 0.0


def test_a_contact_the_ai_handed_off_counts_once_in_the_queue_it_came_in_on() -> None:
    log = [
        LogEntry("interaction.created", T0, queue_id="sales", interaction_id="c1", channel="chat"),
        LogEntry("ai.outcome", T0 + 30, data={"outcome": "handed_off"}, interaction_id="c1"),
        *call("t1", T0 + 30, wait_s=5, talk_s=60, queue="sales", interaction_id="c1"),
        LogEntry("interaction.created", T0, queue_id="sales", interaction_id="c2", channel="chat"),
        LogEntry("ai.outcome", T0 + 20, data={"outcome": "contained"}, interaction_id="c2"),
    ]
    report = kpi_report(log, start=T0, end=END, by=["queue"])
    row = report.rows[0]  # then the None row: worker time has no queue
    assert [r.labels for r in report.rows] == [("sales",), (None,)]
    assert (row.kpis.contacts, row.kpis.ai_contacts, row.kpis.offered) == (2, 2, 1)
    assert row.kpis.containment_rate == 0.5
    assert row.kpis.transferred == 0  # the hand-off is the first task, not a transfer
