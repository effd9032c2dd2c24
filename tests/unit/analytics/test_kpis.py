"""Queue KPIs from hand-made logs: every expected number is worked out in the comment beside it."""

from __future__ import annotations

import pytest

from agentfloor.analytics import KpiParams, Kpis, LogEntry, ShortAbandons, kpis
from tests.unit.analytics.log import T0, abandoned, answered, call, completed, queued

END = T0 + 86_400


def five_tasks() -> list[LogEntry]:
    """Answered after 10, 30, 20 s; abandoned after 3 s (short) and 40 s."""
    return [
        *call("t1", T0, wait_s=10, talk_s=100, wrapup_s=20),
        *call("t2", T0 + 100, wait_s=30, talk_s=200),
        queued("t3", T0 + 200),
        abandoned("t3", T0 + 203, 3),
        queued("t4", T0 + 300),
        abandoned("t4", T0 + 340, 40),
        queued("t5", T0 + 400),
        answered("t5", T0 + 420, 20),
        # talk_s from the engine runs answer to completion, 30 s on hold inside it
        completed("t5", T0 + 520, talk_s=90, wrapup_s=10, hold_s=30),
    ]


@pytest.mark.parametrize(
    ("treatment", "service_level", "abandonment"),
    [
        # in SL: t1 (10 s), t5 (20 s: the threshold counts); out: t2 (30 s), t4 abandoned
        (ShortAbandons.EXCLUDED, 2 / 4, 1 / 4),  # t3 out of both: 3 answered + 1 abandoned
        (ShortAbandons.OFFERED, 2 / 5, 2 / 5),  # t3 is one more abandon
        (ShortAbandons.ANSWERED, 3 / 5, 1 / 5),  # t3 met the target and is not an abandon
    ],
    ids=["excluded", "offered", "answered"],
)
def test_service_level_and_abandonment_under_each_short_abandon_treatment(
    treatment: ShortAbandons, service_level: float, abandonment: float
) -> None:
    params = KpiParams(sl_threshold_s=20, short_abandon_s=5, short_abandons=treatment)
    result = kpis(five_tasks(), start=T0, end=END, params=params)
    assert (result.offered, result.answered, result.answered_in_sl) == (5, 3, 2)
    assert (result.abandoned, result.short_abandoned) == (2, 1)
    assert result.service_level == pytest.approx(service_level)
    assert result.abandonment_rate == pytest.approx(abandonment)


def test_short_abandons_are_excluded_by_default() -> None:
    assert KpiParams().short_abandons is ShortAbandons.EXCLUDED
    assert kpis(five_tasks(), start=T0, end=END).service_level == pytest.approx(0.5)


def test_asa_is_the_mean_wait_of_answered_tasks() -> None:
    assert kpis(five_tasks(), start=T0, end=END).asa_s == pytest.approx((10 + 30 + 20) / 3)


def test_aht_is_talk_plus_hold_plus_wrap_up() -> None:
    result = kpis(five_tasks(), start=T0, end=END)
    # t1 100 + 0 + 20 = 120; t2 200 + 0 + 0 = 200; t5 60 + 30 + 10 = 100
    assert result.completed == 3
    assert result.aht_s == pytest.approx((120 + 200 + 100) / 3)
    assert result.talk_s == pytest.approx((100 + 200 + 60) / 3)
    assert result.hold_s == pytest.approx(10)
    assert result.wrapup_s == pytest.approx(10)


def test_a_second_task_of_an_answered_contact_makes_the_first_a_transfer() -> None:
    log = [
        *call("a", T0, wait_s=5, talk_s=60, interaction_id="i1"),
        queued("b", T0 + 70, queue="q2", interaction_id="i1"),  # sent on to tier 2
        answered("b", T0 + 80, 10, worker="w2", queue="q2"),
        *call("c", T0 + 100, wait_s=5, talk_s=60, interaction_id="i2"),
        *call("d", T0 + 200, wait_s=5, talk_s=60),
        LogEntry("task.transferred", T0 + 230, "d", "w1", "q"),  # said so explicitly
    ]
    result = kpis(log, start=T0, end=END)
    assert (result.answered, result.transferred) == (4, 2)  # a and d
    assert result.transfer_rate == pytest.approx(2 / 4)


def consult(task: str, at: float, of: str) -> LogEntry:
    """A consult task (a warm transfer) queued for the caller of `of`, asked of worker w2."""
    data = {"channel": "voice", "consult_of": of}
    return LogEntry("task.queued", at, task, None, "q2", data, interaction_id="i1")


def test_a_consult_is_not_counted_and_makes_a_transfer_only_when_handed_over() -> None:
    handed_over = [
        queued("a", T0, interaction_id="i1"),
        answered("a", T0 + 5, 5),
        consult("b", T0 + 60, of="a"),
        answered("b", T0 + 90, 30, worker="w2", queue="q2"),
        completed("a", T0 + 120, talk_s=115),  # w1 leaves the caller with w2: handed over
        completed("b", T0 + 400, talk_s=310, worker="w2", queue="q2"),
    ]
    cancelled = [
        *handed_over[:4],
        completed("b", T0 + 100, talk_s=10, worker="w2", queue="q2"),  # w2 hangs up first
        completed("a", T0 + 300, talk_s=295),
    ]
    for log, transferred in ((handed_over, 1), (cancelled, 0)):
        result = kpis(log, start=T0, end=END)
        # only a is the caller's: offered, answered in 5 s, handled 115 or 295 s
        assert (result.offered, result.answered, result.completed) == (1, 1, 1)
        assert result.asa_s == pytest.approx(5)
        assert result.aht_s == pytest.approx(115 if transferred else 295)
        assert result.transferred == transferred


def test_escalation_while_waiting_is_not_a_transfer() -> None:
    log = [
        queued("a", T0),
        LogEntry("task.escalated", T0 + 30, "a", None, "q2", {"from_queue_id": "q"}),
        answered("a", T0 + 40, 40, queue="q2"),
    ]
    result = kpis(log, start=T0, end=END)
    assert (result.transferred, result.transfer_rate) == (0, 0.0)


def test_a_task_queued_before_the_log_starts_is_placed_by_its_wait() -> None:
    # The log begins with the answer; wait_s says it was offered 50 s before T0: not in range.
    log = [answered("t", T0 + 10, 60), *call("u", T0 + 20, wait_s=5)]
    assert kpis(log, start=T0, end=END).offered == 1


def test_an_empty_log_gives_zero_counts_and_no_rates() -> None:
    result = kpis([], start=T0, end=END)
    assert result == Kpis()
    assert result.service_level is None and result.occupancy is None and result.nps is None


def test_params_reject_negative_thresholds() -> None:
    from agentfloor.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="sl_threshold_s must be zero or more"):
        KpiParams(sl_threshold_s=-1)
