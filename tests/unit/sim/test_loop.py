from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from agentfloor.routing.model import RoutingEvent
from agentfloor.sim import SimResult, parse_scenario, run_scenario
from tests.unit.sim.conftest import make_scenario, scenario_data


def no_kpis(scenario: Any, result: SimResult) -> dict[str, float]:
    return {}


def of_type(result: SimResult, kind: str) -> list[RoutingEvent]:
    return [e for e in result.events if e.type == kind]


def test_the_same_seed_gives_the_same_event_log() -> None:
    scenario = make_scenario()
    first, second = run_scenario(scenario, 11), run_scenario(scenario, 11)
    assert first.events == second.events
    assert first.kpis == second.kpis
    assert run_scenario(scenario, 12).events != first.events


def test_the_scenario_seed_is_the_default() -> None:
    scenario = make_scenario(seed=5)
    assert run_scenario(scenario, kpis=no_kpis).events == run_scenario(scenario, 5).events


def test_every_call_is_answered_or_abandoned_and_kpis_come_from_analytics() -> None:
    result = run_scenario(make_scenario())
    queued = {e.task_id for e in of_type(result, "task.queued")}
    assigned = {e.task_id for e in of_type(result, "task.assigned")}
    abandoned = {e.task_id for e in of_type(result, "task.abandoned")}
    assert len(queued) == result.contacts > 100
    assert assigned | abandoned == queued and not assigned & abandoned
    assert {e.task_id for e in of_type(result, "task.completed")} == assigned
    assert result.unfinished == 0
    kpis = result.kpis
    assert kpis["offered"] == result.contacts
    assert kpis["answered"] == len(assigned) and kpis["abandoned"] == len(abandoned)
    assert 0 < kpis["service_level"] <= 1 and kpis["aht_s"] > 0
    assert kpis["service_level[sales]"] == kpis["service_level"]


def test_events_are_in_time_order_and_within_the_run() -> None:
    result = run_scenario(make_scenario(), kpis=no_kpis)
    times = [e.at for e in result.events]
    assert times == sorted(times)
    assert times[0] >= result.start_s and times[-1] == result.finished_s
    assert max(e.at for e in of_type(result, "task.queued")) < result.end_s


def test_patience_runs_out_as_an_abandon_with_its_wait() -> None:
    # nobody to answer: every caller waits exactly their patience, then hangs up
    scenario = make_scenario(workers=[{"name": "a", "staffing": {"kind": "constant", "count": 0}}])
    result = run_scenario(scenario, kpis=no_kpis)
    abandons = of_type(result, "task.abandoned")
    assert len(abandons) == result.contacts
    mean_wait = sum(e.data["wait_s"] for e in abandons) / len(abandons)
    assert mean_wait == pytest.approx(120, rel=0.15)


def test_without_staff_or_patience_the_run_ends_with_calls_unfinished() -> None:
    data = scenario_data(workers=[{"name": "a", "staffing": {"kind": "constant", "count": 0}}])
    del data["queues"][0]["patience"]
    result = run_scenario(parse_scenario(data), kpis=no_kpis)
    assert result.unfinished == result.contacts > 0


def test_callbacks_keep_the_place_and_never_abandon() -> None:
    data = scenario_data()
    data["workers"][0]["staffing"]["count"] = 2
    data["queues"][0]["callback"] = {"after_s": 30, "share": 1.0}
    result = run_scenario(parse_scenario(data), kpis=no_kpis)
    callbacks = {e.task_id for e in of_type(result, "task.callback_requested")}
    assert callbacks
    assert not callbacks & {e.task_id for e in of_type(result, "task.abandoned")}
    queued_at = {e.task_id: e.at for e in of_type(result, "task.queued")}
    assert all(
        e.at == pytest.approx(queued_at[e.task_id] + 30)
        for e in of_type(result, "task.callback_requested")
    )
    assert result.unfinished == 0  # the workers call them all back in the end


def test_ai_containment_resolves_a_share_before_the_router() -> None:
    scenario = make_scenario(
        ai={
            "share": 0.4,
            "handle_time": {"kind": "exponential", "mean_s": 60},
            "handoff_time": {"kind": "exponential", "mean_s": 30},
        }
    )
    result = run_scenario(scenario)
    contained = sum(1 for o in result.ai_outcomes if o.contained)
    assert len(result.ai_outcomes) == result.contacts
    assert len(of_type(result, "task.queued")) == result.contacts - contained
    assert result.kpis["containment_rate"] == pytest.approx(contained / result.contacts)
    assert result.kpis["containment_rate"] == pytest.approx(0.4, abs=0.07)
    handed = {o.contact_id[4:]: o.at for o in result.ai_outcomes if not o.contained}
    for event in of_type(result, "task.queued"):  # routed when the AI hands over
        assert event.at == handed[(event.task_id or "")[4:]]


def test_chat_workers_hold_several_chats_up_to_their_capacity() -> None:
    data = scenario_data(
        queues=[
            {
                "id": "chat",
                "channel": "chat",
                "arrivals": {"kind": "constant", "per_hour": 240},
                "handle_time": {"kind": "exponential", "mean_s": 300},
            }
        ],
        workers=[
            {
                "name": "a",
                "capacity": {"chat": 3},
                "staffing": {"kind": "constant", "count": 2},
            }
        ],
    )
    result = run_scenario(parse_scenario(data), kpis=no_kpis)
    holding: Counter[str] = Counter()
    most = 0
    for event in result.events:
        if event.type == "task.assigned":
            holding[event.worker_id or ""] += 1
            most = max(most, holding[event.worker_id or ""])
        elif event.type == "task.completed":
            holding[event.worker_id or ""] -= 1
    assert most == 3


def test_multi_skill_workers_take_only_the_queues_they_match() -> None:
    q = scenario_data()["queues"][0]
    data = scenario_data(
        queues=[q, {**q, "id": "billing", "target": '"billing" IN worker.skills'}],
        workers=[
            {
                "name": "sales",
                "attributes": {"skills": ["sales"]},
                "staffing": {"kind": "constant", "count": 3},
            },
            {
                "name": "both",
                "attributes": {"skills": ["sales", "billing"]},
                "staffing": {"kind": "constant", "count": 3},
            },
        ],
    )
    result = run_scenario(parse_scenario(data))
    billing = {e.worker_id for e in of_type(result, "task.assigned") if e.queue_id == "billing"}
    assert billing and all((w or "").startswith("wrk_both_") for w in billing)
    assert result.kpis["offered[billing]"] > 0 and result.kpis["offered[sales]"] > 0


def test_staffing_by_interval_logs_workers_in_and_out() -> None:
    scenario = make_scenario(
        workers=[
            {
                "name": "a",
                "attributes": {"skills": ["sales"]},
                "staffing": {"kind": "table", "per_interval": [2, 4, 1, 3]},
            }
        ]
    )
    result = run_scenario(scenario, kpis=no_kpis)
    available: set[str] = set()
    by_interval: dict[int, int] = {}
    for event in of_type(result, "worker.activity_changed"):
        if event.data["activity"] == "available":
            available.add(event.worker_id or "")
        else:
            available.discard(event.worker_id or "")
        by_interval[int((event.at - result.start_s) // 900)] = len(available)
    assert by_interval == {0: 2, 1: 4, 2: 1, 3: 3}


def test_a_roster_logs_each_shift_in_and_out() -> None:
    scenario = make_scenario(
        workers=[
            {
                "name": "a",
                "attributes": {"skills": ["sales"]},
                "staffing": {
                    "kind": "roster",
                    "shifts": [
                        {"start": "07:00", "end": "08:30", "count": 2},
                        {"start": "08:15", "end": "12:00", "count": 3},
                    ],
                },
            }
        ]
    )
    result = run_scenario(scenario, kpis=no_kpis)
    changes = [
        (e.at - result.start_s, e.data["activity"])
        for e in of_type(result, "worker.activity_changed")
    ]
    assert Counter(changes) == {
        (0.0, "available"): 2,
        (900.0, "available"): 3,
        (1800.0, "offline"): 2,
        (14_400.0, "offline"): 3,
    }


def test_workers_accept_after_the_accept_delay() -> None:
    result = run_scenario(make_scenario(routing={"accept_delay_s": 4}), kpis=no_kpis)
    created = {e.reservation_id: e.at for e in of_type(result, "reservation.created")}
    accepted = of_type(result, "reservation.accepted")
    assert accepted
    assert all(e.at == pytest.approx(created[e.reservation_id] + 4) for e in accepted)


def test_an_accept_delay_past_the_timeout_times_offers_out() -> None:
    scenario = make_scenario(routing={"accept_delay_s": 10, "reservation_timeout_s": 5})
    result = run_scenario(scenario, kpis=no_kpis)
    assert of_type(result, "reservation.timed_out")
    assert not of_type(result, "reservation.accepted")


def test_replayed_arrivals_and_handle_times_are_used_as_given(tmp_path: Path) -> None:
    (tmp_path / "calls.csv").write_text(
        "arrived_at,handle_s\n0,100\n10,50\n20,30\n", encoding="utf-8"
    )
    q = scenario_data()["queues"][0]
    q["arrivals"] = {"kind": "replay", "csv": "calls.csv", "handle_column": "handle_s"}
    result = run_scenario(parse_scenario(scenario_data(queues=[q]), base_dir=tmp_path))
    assert [e.at - result.start_s for e in of_type(result, "task.queued")] == [0, 10, 20]
    assert [e.data["talk_s"] for e in of_type(result, "task.completed")] == [30, 50, 100]


def test_wrap_up_holds_the_worker_and_counts_in_handle_time() -> None:
    q = {**scenario_data()["queues"][0], "wrapup_s": 20}
    result = run_scenario(make_scenario(queues=[q]))
    completed = of_type(result, "task.completed")
    assert completed and all(e.data["wrapup_s"] == pytest.approx(20) for e in completed)
    assert result.kpis["aht_s"] == pytest.approx(
        sum(e.data["handle_s"] for e in completed) / len(completed)
    )
