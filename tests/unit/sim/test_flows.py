from __future__ import annotations

import dataclasses
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints
from hypothesis import given, settings
from hypothesis import strategies as st

from agentfloor.core.errors import InvalidInput
from agentfloor.sim import SimResult, load_scenario, parse_scenario, run_scenario
from agentfloor.sim.flows import FAILED, ROUTED, SERVED, compile_flow, walk_flows
from tests.unit.sim.conftest import scenario_data

EXAMPLES = Path(__file__).parents[3] / "examples" / "scenarios"

MENU_FLOW = """
name: Test line
start: greet
blocks:
  greet: {type: message, text: "Hello.", next: main_menu}
  main_menu:
    type: menu
    prompt: "1 for A, 2 for B, 3 to hear your balance."
    options:
      - {label: A, dtmf: "1", next: to_a}
      - {label: B, dtmf: "2", intent: agent, next: to_b}
      - {label: Balance, dtmf: "3", next: balance}
    no_match: to_a
    max_retries: 0
  to_a: {type: enqueue, queue_id: a}
  to_b: {type: enqueue, workflow_id: b_rules}
  balance: {type: end, message: "Your balance is zero."}
"""


def flow_scenario_data(flow: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """Calls arrive at queue `a` through MENU_FLOW: 50% to a, 30% to b, 20% self-served."""
    spec: dict[str, Any] = {
        "source": MENU_FLOW,
        "queues": {"b_rules": "b"},
        "prompt_time": 10,
        "message_s": 2,
        "answers": {"main_menu": {"1": 0.5, "agent": 0.3, "3": 0.2}},
    }
    spec.update(flow or {})
    queue = {
        "target": "true",
        "handle_time": {"kind": "exponential", "mean_s": 60},
        "patience": {"kind": "exponential", "mean_s": 300},
    }
    data = scenario_data(
        queues=[
            {
                **queue,
                "id": "a",
                "arrivals": {"kind": "poisson", "per_interval": [1000, 1000, 1000, 1000]},
                "flow": spec,
            },
            {**queue, "id": "b", "arrivals": {"kind": "constant", "per_hour": 0}},
        ],
        workers=[{"name": "agents", "staffing": {"kind": "constant", "count": 40}}],
    )
    data.update(overrides)
    return data


def no_kpis(scenario: Any, result: SimResult) -> dict[str, float]:
    return {}


def problems_of(data: dict[str, Any], base_dir: Path | None = None) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_scenario(data, base_dir=base_dir)
    return {p.loc: p.message for p in caught.value.problems}


def test_menu_answer_shares_decide_the_queue_or_self_service() -> None:
    result = run_scenario(parse_scenario(flow_scenario_data()), 3)
    queued = Counter(e.queue_id for e in result.events if e.type == "task.queued")
    served = sum(1 for o in result.ai_outcomes if o.contained)
    n = result.contacts
    assert n > 3000 and len(result.ai_outcomes) == n  # one outcome per contact, as live
    assert queued["a"] + queued["b"] + served == n
    assert queued["a"] / n == pytest.approx(0.5, abs=0.03)
    assert queued["b"] / n == pytest.approx(0.3, abs=0.03)
    assert served / n == pytest.approx(0.2, abs=0.03)
    # self-service counts in containment, from the same `ai.outcome` entries as live
    assert result.kpis["containment_rate"] == pytest.approx(served / n, abs=0.01)
    # offered: tasks queued within the horizon (the flow delays the last few past its end)
    in_time = [e for e in result.events if e.type == "task.queued" and e.at < result.end_s]
    assert result.kpis["offered"] == len(in_time) > 0.75 * n


def test_time_in_the_flow_delays_the_queue_arrival() -> None:
    result = run_scenario(parse_scenario(flow_scenario_data()), 3, kpis=no_kpis)
    arrived = {o.contact_id[4:]: o.arrived_at for o in result.ai_outcomes}
    delays = [
        e.at - arrived[(e.task_id or "")[4:]] for e in result.events if e.type == "task.queued"
    ]
    # a greeting (2 s), then the menu's question and answer (10 s)
    assert delays and all(d == pytest.approx(12.0) for d in delays)
    served = [o.handle_s for o in result.ai_outcomes if o.contained]
    assert served and all(s == pytest.approx(14.0) for s in served)  # + the goodbye message


def test_handle_time_and_patience_come_from_the_queue_routed_to() -> None:
    data = flow_scenario_data()
    data["queues"][1]["handle_time"] = {"kind": "empirical", "samples_s": [7]}
    data["queues"][1]["patience"] = None
    del data["queues"][1]["patience"]
    result = run_scenario(parse_scenario(data), 3, kpis=no_kpis)
    talk = {e.task_id: e.data["talk_s"] for e in result.events if e.type == "task.completed"}
    queue_of = {e.task_id: e.queue_id for e in result.events if e.type == "task.queued"}
    assert {round(float(t), 6) for k, t in talk.items() if queue_of[k] == "b"} == {7.0}
    abandoned = {queue_of[e.task_id] for e in result.events if e.type == "task.abandoned"}
    assert "b" not in abandoned


def test_the_same_seed_gives_the_same_log() -> None:
    scenario = parse_scenario(flow_scenario_data())
    first, second = run_scenario(scenario, 5), run_scenario(scenario, 5)
    assert first.events == second.events and first.ai_outcomes == second.ai_outcomes
    assert first.kpis == second.kpis
    assert run_scenario(scenario, 6, kpis=no_kpis).events != first.events


def test_an_unknown_queue_in_the_flow_names_the_field() -> None:
    found = problems_of(flow_scenario_data({"queues": {}}))
    assert "b_rules" in found["queues[0].flow.blocks.to_b.workflow_id"]
    found = problems_of(flow_scenario_data({"queues": {"b_rules": "nope"}}))
    assert "nope" in found["queues[0].flow.queues.b_rules"]


def test_a_missing_or_wrong_answer_distribution_names_the_field() -> None:
    found = problems_of(flow_scenario_data({"answers": {}}))
    assert "main_menu" in found["queues[0].flow.answers"]
    wrong = {"main_menu": {"1": 0.5, "9": 0.5}, "greet": {"x": 1.0}}
    found = problems_of(flow_scenario_data({"answers": wrong}))
    assert "not an option" in found["queues[0].flow.answers.main_menu.9"]
    assert "asks nothing" in found["queues[0].flow.answers.greet"]
    found = problems_of(flow_scenario_data({"answers": {"main_menu": {"1": 0.5}}}))
    assert "add up to 0.5" in found["queues[0].flow.answers.main_menu"]
    found = problems_of(flow_scenario_data({"prompt_time": {"kind": "exponential"}}))
    assert "queues[0].flow.prompt_time.mean_s" in found


def test_an_invalid_flow_file_reports_its_problems_under_the_scenario_field(
    tmp_path: Path,
) -> None:
    bad = MENU_FLOW.replace("next: main_menu", "next: main_manu").replace("type: end", "type: ed")
    (tmp_path / "line.yaml").write_text(bad, encoding="utf-8")
    data = flow_scenario_data({"source": "", "file": "line.yaml"})
    found = problems_of(data, base_dir=tmp_path)
    assert "main_menu" in found["queues[0].flow.blocks.greet.next"]  # did you mean...
    assert "ed" in found["queues[0].flow.blocks.balance.type"]
    found = problems_of(flow_scenario_data({"source": "", "file": "gone.yaml"}), tmp_path)
    assert "cannot read" in found["queues[0].flow.file"]
    found = problems_of(flow_scenario_data({"source": ""}))
    assert "file" in found["queues[0].flow"]


def test_a_flow_file_is_read_relative_to_the_scenario_and_kept_for_sweeps(
    tmp_path: Path,
) -> None:
    (tmp_path / "line.yaml").write_text(MENU_FLOW, encoding="utf-8")
    data = flow_scenario_data({"source": "", "file": "line.yaml"})
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    scenario = load_scenario(tmp_path / "scenario.yaml")
    flow = scenario.queues[0].flow
    assert flow is not None and flow.source == MENU_FLOW
    swept = scenario.with_value("queues[0].flow.message_s", 0)
    result = run_scenario(swept, 3, kpis=no_kpis)
    arrived = {o.contact_id[4:]: o.arrived_at for o in result.ai_outcomes}
    first = next(e for e in result.events if e.type == "task.queued")
    assert first.at - arrived[(first.task_id or "")[4:]] == pytest.approx(10.0)


AI_FLOW = """
name: Bot line
start: bot
blocks:
  bot: {type: ai_agent, skill: billing, on_contained: bye, on_handoff: to_a}
  to_a: {type: enqueue, queue_id: a}
  bye: {type: end}
"""


def test_an_ai_agent_block_uses_the_ai_containment_model() -> None:
    spec = {"source": AI_FLOW, "answers": {}, "queues": {}}
    found = problems_of(flow_scenario_data(spec))
    assert "`ai`" in found["queues[0].flow.blocks.bot"]
    ai = {
        "share": 0.4,
        "handle_time": {"kind": "empirical", "samples_s": [100]},
        "handoff_time": {"kind": "empirical", "samples_s": [30]},
        "queues": [],
    }
    result = run_scenario(parse_scenario(flow_scenario_data(spec, ai=ai)), 3)
    contained = [o for o in result.ai_outcomes if o.contained]
    assert len(contained) / result.contacts == pytest.approx(0.4, abs=0.03)
    assert {o.handle_s for o in contained} == {100.0}
    assert {o.handle_s for o in result.ai_outcomes if not o.contained} == {30.0}
    assert result.kpis["containment_rate"] == pytest.approx(0.4, abs=0.03)


CALLBACK_FLOW = """
name: Closed line
start: offer
blocks:
  offer:
    type: callback_offer
    prompt: "Shall we call you back?"
    queue_id: b
    accepted: booked
    declined: to_a
  booked: {type: end, message: "We will call you."}
  to_a: {type: enqueue, queue_id: a}
"""


def test_a_booked_callback_is_a_task_that_never_abandons() -> None:
    spec = {"source": CALLBACK_FLOW, "answers": {"offer": {"yes": 0.5, "no": 0.5}}}
    data = flow_scenario_data(
        spec, workers=[{"name": "w", "staffing": {"kind": "constant", "count": 0}}]
    )
    result = run_scenario(parse_scenario(data), 3, kpis=no_kpis)
    queue_of = {e.task_id: e.queue_id for e in result.events if e.type == "task.queued"}
    gone = Counter(queue_of[e.task_id] for e in result.events if e.type == "task.abandoned")
    waiting = Counter(queue_of.values())
    assert waiting["b"] / result.contacts == pytest.approx(0.5, abs=0.03)
    assert gone["b"] == 0 and gone["a"] == waiting["a"]  # nobody answers: a's callers hang up
    assert not any(o.contained for o in result.ai_outcomes)


def test_the_ivr_day_example_runs() -> None:
    assert load_scenario(EXAMPLES / "ivr_day.yaml").queues[0].flow is not None
    data = yaml.safe_load((EXAMPLES / "ivr_day.yaml").read_text(encoding="utf-8"))
    data["intervals"] = 4  # its first two hours
    for part in (*data["queues"], *(w["staffing"] for w in data["workers"])):
        if isinstance(part.get("per_interval"), list):
            part["per_interval"] = part["per_interval"][:4]
        if isinstance(part.get("arrivals", {}).get("per_interval"), list):
            part["arrivals"]["per_interval"] = part["arrivals"]["per_interval"][:4]
    result = run_scenario(parse_scenario(data, base_dir=EXAMPLES), 1)
    assert 0.05 < result.kpis["containment_rate"] < 0.3
    assert result.kpis["offered[sales]"] > 0 and result.kpis["offered[support]"] > 0


HOURS_FLOW = """
name: Hours line
start: hours
timezone: Europe/London
blocks:
  hours:
    type: business_hours
    hours: {mon-fri: "08:00-20:00"}
    open: to_a
    closed: closed
  to_a: {type: enqueue, queue_id: a}
  closed: {type: end, message: "We are closed."}
"""


def test_business_hours_read_the_virtual_clock() -> None:
    spec = {"source": HOURS_FLOW, "answers": {}, "queues": {}, "prompt_time": 0}
    data = flow_scenario_data(spec, start="2026-03-02T19:30:00")  # a Monday, to 20:30
    result = run_scenario(parse_scenario(data), 3, kpis=no_kpis)
    eight_pm = result.start_s + 1800
    routed = [o.arrived_at for o in result.ai_outcomes if not o.contained]
    served = [o.arrived_at for o in result.ai_outcomes if o.contained]
    assert routed and served
    assert max(routed) < eight_pm <= min(served)


def test_remembered_paths_give_the_walks_a_fresh_interpreter_gives() -> None:
    scenario = parse_scenario(
        flow_scenario_data(
            {"answers": {"main_menu": {"1": 0.3, "agent": 0.3, "3": 0.2, "no_answer": 0.2}}}
        )
    )
    spec = scenario.queues[0].flow
    assert spec is not None
    caller = compile_flow(spec, 0, ["a", "b"], "voice", None)
    arrivals = [scenario.start_s + k for k in range(500)]
    remembered = walk_flows(caller, arrivals, random.Random(4))
    fresh = walk_flows(dataclasses.replace(caller, memo=None), arrivals, random.Random(4))
    assert remembered == fresh
    assert caller.memo and len(caller.memo) < 10


def test_a_scenario_given_as_data_reads_no_flow_file(tmp_path: Path) -> None:
    (tmp_path / "line.yaml").write_text(MENU_FLOW, encoding="utf-8")
    data = flow_scenario_data({"source": "", "file": str(tmp_path / "line.yaml")})
    assert "source" in problems_of(data)["queues[0].flow.file"]  # as over the API


def test_a_sweep_varies_the_caller_model() -> None:
    scenario = parse_scenario(flow_scenario_data())
    slower = scenario.with_value("queues[0].flow.prompt_time", 20)
    result = run_scenario(slower, 3, kpis=no_kpis)
    assert {round(o.handle_s) for o in result.ai_outcomes if not o.contained} == {22}


def test_a_flow_routes_to_queues_of_its_own_channel() -> None:
    data = flow_scenario_data()
    data["queues"][1]["channel"] = "chat"
    found = problems_of(data)
    assert "chat" in found["queues[0].flow.blocks.to_b.workflow_id"]


def test_a_block_can_take_its_own_prompt_time() -> None:
    found = problems_of(flow_scenario_data({"prompt_times": {"greet": 3, "nope": 1}}))
    assert "asks nothing" in found["queues[0].flow.prompt_times.greet"]
    assert "no such block" in found["queues[0].flow.prompt_times.nope"]
    spec = {"prompt_times": {"main_menu": {"kind": "empirical", "samples_s": [30]}}}
    result = run_scenario(parse_scenario(flow_scenario_data(spec)), 3, kpis=no_kpis)
    assert {round(o.handle_s) for o in result.ai_outcomes if not o.contained} == {32}


LOOP_FLOW = """
name: Looping line
start: main_menu
blocks:
  main_menu:
    type: menu
    prompt: "1 for A, 2 to hear this again, 3 to stop."
    options:
      - {label: A, dtmf: "1", next: to_a}
      - {label: Again, dtmf: "2", next: again}
      - {label: Stop, dtmf: "3", next: bye}
    no_match: to_b
    max_retries: 1
  again: {type: message, text: "Again.", next: main_menu}
  to_a: {type: enqueue, queue_id: a}
  to_b: {type: enqueue, queue_id: b}
  bye: {type: end}
"""


@settings(max_examples=40, deadline=None)
@given(
    shares=st.lists(st.integers(0, 10), min_size=4, max_size=4).filter(lambda s: sum(s) > 0),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_walk_ends_once_in_a_queue_self_served_or_stopped(
    shares: list[int], seed: int
) -> None:
    total = sum(shares)
    answers = dict(zip(("1", "2", "3", "no_answer"), (s / total for s in shares), strict=True))
    answers = {k: v for k, v in answers.items() if v > 0}
    answers[next(iter(answers))] += 1.0 - sum(answers.values())  # exactly 1 in floating point
    data = flow_scenario_data({"source": LOOP_FLOW, "answers": {"main_menu": answers}})
    scenario = parse_scenario(data)
    spec = scenario.queues[0].flow
    assert spec is not None
    caller = compile_flow(spec, 0, ["a", "b"], "voice", None)
    walks = walk_flows(caller, [scenario.start_s] * 50, random.Random(seed))
    for outcome, queue, seconds in zip(walks.outcome, walks.queue, walks.seconds, strict=True):
        assert outcome in (ROUTED, SERVED, FAILED) and seconds >= 0
        assert queue in (0, 1)
        if outcome == SERVED:
            assert answers.get("3", 0) > 0
    if answers.get("2") == 1.0:  # "again" forever: the walk stops, no task
        assert set(walks.outcome) == {FAILED}
