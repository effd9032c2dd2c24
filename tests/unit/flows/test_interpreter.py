from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from importlib import resources

import pytest

from agentfloor.flows import (
    STEP_BUDGET,
    Ask,
    CallWebhook,
    Choice,
    CustomerSaid,
    Dtmf,
    End,
    Enqueue,
    Flow,
    FlowOutcome,
    FlowStateMismatch,
    LookupCustomer,
    OfferCallback,
    PortKind,
    PortResult,
    RunSkill,
    Say,
    ScheduleCallback,
    Step,
    Timeout,
    Transfer,
    Waiting,
    advance,
    parse_flow,
    start,
)

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def flow(blocks: str, *, start_at: str = "a", version: int = 1, extra: str = "") -> Flow:
    body = textwrap.indent(textwrap.dedent(blocks).strip(), "  ")
    if "bye" in blocks:  # a shared end block for the flows that name it
        body += "\n  bye: {type: end}"
    text = f"name: T\nstart: {start_at}\n{extra}blocks:\n{body}\n"
    return parse_flow(text, flow_id="flw_1", tenant_id="ten_1", version=version, now=T0)


def said(step: Step) -> list[str]:
    return [action.text for action in step.outputs if isinstance(action, Say)]


def ended(step: Step) -> End:
    assert step.state.is_done
    last = step.outputs[-1]
    assert isinstance(last, End)
    return last


MENU = """
    a:
      type: menu
      prompt: "Hi {name}, choose"
      options:
        - {label: Billing, dtmf: 1, intent: billing, next: billing}
        - {label: Orders, dtmf: 2, intent: order_status, next: orders}
      no_match: fallback
      max_retries: 1
    billing: {type: message, text: billing, next: bye}
    orders: {type: message, text: orders, next: bye}
    fallback: {type: message, text: fallback, next: bye}
"""


def test_start_asks_the_menu_with_its_choices_and_waits() -> None:
    step = start(flow(MENU), {"name": "Ann"}, T0)
    assert step.outputs == (
        Ask("Hi Ann, choose", "choice", (Choice("Billing", "1"), Choice("Orders", "2"))),
    )
    assert step.state.waiting is Waiting.INPUT and step.state.block_id == "a"
    assert (step.state.flow_id, step.state.version) == ("flw_1", 1)


@pytest.mark.parametrize(
    ("event", "branch"),
    [
        (Dtmf("2"), "orders"),
        (CustomerSaid("where is my parcel", intent="order_status"), "orders"),
        (CustomerSaid("billing"), "billing"),  # a chat button sends its label
        (CustomerSaid("1"), "billing"),  # or the customer types the key
    ],
    ids=["dtmf", "intent", "label", "typed-digit"],
)
def test_menu_choice(event: CustomerSaid | Dtmf, branch: str) -> None:
    f = flow(MENU)
    step = advance(f, start(f, {}, T0).state, event, T0)
    assert said(step) == [branch]
    assert ended(step).outcome is FlowOutcome.COMPLETED
    assert step.state.slots["a"] == branch.capitalize()


def test_menu_no_match_reprompts_then_gives_up() -> None:
    f = flow(MENU)
    state = start(f, {"name": "Ann"}, T0).state
    step = advance(f, state, CustomerSaid("banana"), T0)
    assert step.outputs[0] == Say("Sorry, I didn't get that.")
    assert isinstance(step.outputs[1], Ask) and step.state.retries == 1
    step = advance(f, step.state, Timeout(), T0)  # silence counts as a try too
    assert said(step) == ["fallback"]


COLLECT = """
    a:
      type: collect
      slot: {name: when, type: date}
      prompt: "Which day?"
      reprompt: "Which day, as 2026-03-14?"
      max_retries: 2
      next: ok
      on_fail: failed
    ok: {type: message, text: "Booked for {when}", next: bye}
    failed: {type: message, text: failed, next: bye}
"""


def test_collect_reprompts_with_a_hint_then_stores_the_slot() -> None:
    f = flow(COLLECT)
    step = start(f, {}, T0)
    assert step.outputs == (Ask("Which day?", "date"),)
    step = advance(f, step.state, CustomerSaid("next friday"), T0)
    assert step.outputs == (
        Say("Please give the date as year-month-day, for example 2026-03-14."),
        Ask("Which day, as 2026-03-14?", "date"),
    )
    step = advance(f, step.state, CustomerSaid("2026-03-14"), T0)
    assert said(step) == ["Booked for 2026-03-14"]
    assert step.state.slots == {"when": "2026-03-14"}


def test_collect_goes_to_on_fail_after_max_retries() -> None:
    f = flow(COLLECT)
    state = start(f, {}, T0).state
    for attempt in (1, 2):
        step = advance(f, state, CustomerSaid("soon"), T0)
        state = step.state
        assert state.retries == attempt and not said(step)[1:]
    step = advance(f, state, CustomerSaid("whenever"), T0)
    assert said(step) == ["failed"]
    assert "when" not in step.state.slots


def test_collect_takes_an_nlu_entity_and_enum_keys() -> None:
    f = flow(COLLECT)
    step = advance(
        f, start(f, {}, T0).state, CustomerSaid("Friday", entities={"date": "2026-03-20"}), T0
    )
    assert step.state.slots["when"] == "2026-03-20"
    g = flow("""
        a:
          type: collect
          slot: {name: colour, type: enum, values: [Red, Green]}
          prompt: p
          next: bye
          on_fail: bye
    """)
    first = start(g, {}, T0)
    assert first.outputs == (Ask("p", "enum", (Choice("Red", "1"), Choice("Green", "2"))),)
    assert advance(g, first.state, Dtmf("2"), T0).state.slots["colour"] == "Green"


CONDITION = """
    a:
      type: condition
      expression: 'task.vip AND task.tier IN ["gold", "platinum"]'
      then: priority
      else: normal
    priority: {type: message, text: "priority line", next: bye}
    normal: {type: message, text: "normal line", next: bye}
"""


@pytest.mark.parametrize(
    ("attributes", "line"),
    [
        ({"vip": True, "tier": "gold"}, "priority line"),
        ({"vip": True, "tier": "bronze"}, "normal line"),
        ({"tier": "gold"}, "normal line"),
        ({}, "normal line"),
    ],
    ids=["vip-gold", "vip-bronze", "not-vip", "nothing-known"],
)
def test_condition_branches_on_the_contacts_attributes(
    attributes: dict[str, object], line: str
) -> None:
    assert said(start(flow(CONDITION), attributes, T0)) == [line]


def test_set_attribute_renders_and_keeps_value_kinds() -> None:
    f = flow("""
        a: {type: set_attribute, name: greeting, value: "Hi {name}", next: b}
        b: {type: set_attribute, name: copy, value: "{order.total}", next: c}
        c: {type: condition, expression: task.copy > 10, then: d, else: bye}
        d: {type: message, text: "{greeting}: big order", next: bye}
    """)
    step = start(f, {"name": "Ann", "order": {"total": 25}}, T0)
    assert said(step) == ["Hi Ann: big order"]
    assert step.state.attributes["copy"] == 25


WEBHOOK = """
    a:
      type: webhook
      method: POST
      url: "https://shop.example/orders/{order_id}"
      headers: {X-Tenant: "{tenant}"}
      body: {id: "{order_id}", note: "from {channel}"}
      timeout_s: 3
      retries: 2
      save_as: order
      success: good
      error: bad
    good: {type: message, text: "Status: {order.status}", next: bye}
    bad: {type: message, text: "Lookup failed ({last_error})", next: bye}
"""


def test_webhook_requests_and_waits_then_takes_the_success_branch() -> None:
    f = flow(WEBHOOK)
    step = start(f, {"order_id": "A/1 2", "tenant": "acme\r\nX-Evil: 1", "channel": "chat"}, T0)
    (call,) = step.outputs
    assert call == CallWebhook(
        request_id="a:1",
        url="https://shop.example/orders/A%2F1%202",
        method="POST",
        headers={"X-Tenant": "acme X-Evil: 1"},  # a line break cannot start a new header
        body={"id": "A/1 2", "note": "from chat"},
        timeout_s=3.0,
        retries=2,
    )
    assert step.state.waiting is Waiting.PORT and step.state.pending == "a:1"
    reply = PortResult(
        PortKind.WEBHOOK, ok=True, data={"status": 200, "body": {"status": "shipped"}}
    )
    done = advance(f, step.state, reply, T0)
    assert said(done) == ["Status: shipped"]
    assert done.state.attributes["order"] == {"status": "shipped"}


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (PortResult("webhook", ok=False, data={"status": 500}), "status 500"),
        (PortResult("webhook", ok=False, data={"error": "timed out"}), "timed out"),
        (Timeout(), "timeout"),
    ],
    ids=["server-error", "adapter-timeout", "runtime-timeout"],
)
def test_webhook_error_and_timeout_take_the_error_branch(
    event: PortResult | Timeout, error: str
) -> None:
    f = flow(WEBHOOK)
    step = advance(f, start(f, {"order_id": "1"}, T0).state, event, T0)
    assert said(step) == [f"Lookup failed ({error})"]


def test_events_a_waiting_block_did_not_ask_for_change_nothing() -> None:
    f = flow(WEBHOOK)
    state = start(f, {"order_id": "1"}, T0).state
    for event in (
        CustomerSaid("hello?"),
        Dtmf("1"),
        PortResult("crm_lookup", ok=True),  # another kind
        PortResult("webhook", ok=True, request_id="a:0"),  # a late answer to an old request
    ):
        assert advance(f, state, event, T0) == Step(state)
    good = PortResult("webhook", ok=True, data={"body": {"status": "x"}}, request_id="a:1")
    assert said(advance(f, state, good, T0)) == ["Status: x"]
    menu = flow(MENU)
    waiting = start(menu, {}, T0).state
    assert advance(menu, waiting, PortResult("webhook", ok=True), T0) == Step(waiting)


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


HOURS = """
    a:
      type: business_hours
      hours: {mon-fri: "09:00-17:00"}
      country: US
      closed_dates: ["2026-11-27"]
      open: open
      closed: closed
    open: {type: message, text: open, next: bye}
    closed: {type: message, text: closed, next: bye}
"""


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-07-02T13:30:00", "open"),  # Thursday 09:30 in New York
        ("2026-07-02T12:30:00", "closed"),  # 08:30 in New York, though 12:30 UTC
        ("2026-07-03T14:00:00", "closed"),  # Independence Day (observed), a Friday
        ("2026-11-27T15:00:00", "closed"),  # an explicit closed date
        ("2026-07-04T14:00:00", "closed"),  # Saturday
    ],
    ids=["open", "before-opening-local", "holiday", "closed-date", "weekend"],
)
def test_business_hours_in_the_flow_timezone(now: str, expected: str) -> None:
    f = flow(HOURS, extra="timezone: America/New_York\n")
    assert said(start(f, {}, at(now))) == [expected]


SURVEY = """
    a:
      type: survey
      questions:
        - {id: csat, kind: csat, prompt: "Rate us 1-5"}
        - {id: nps, kind: nps, prompt: "Recommend us 0-10?"}
        - {id: comment, kind: text, prompt: "Anything else?"}
      max_retries: 1
      next: thanks
    thanks: {type: end, message: "Thanks! CSAT {csat}, NPS {nps}"}
"""


def test_survey_asks_each_question_and_stores_the_answers() -> None:
    f = flow(SURVEY)
    step = start(f, {}, T0)
    assert step.outputs == (Ask("Rate us 1-5", "csat"),)
    step = advance(f, step.state, Dtmf("5"), T0)
    assert step.outputs == (Ask("Recommend us 0-10?", "nps"),)
    step = advance(f, step.state, CustomerSaid("11"), T0)
    assert step.outputs == (
        Say("Please answer with a number from 0 to 10."),
        Ask("Recommend us 0-10?", "nps"),
    )
    step = advance(f, step.state, CustomerSaid("9"), T0)
    step = advance(f, step.state, CustomerSaid("Quick and kind"), T0)
    assert step.state.slots == {"csat": 5, "nps": 9, "comment": "Quick and kind"}
    assert said(step) == ["Thanks! CSAT 5, NPS 9"]
    assert ended(step).outcome is FlowOutcome.COMPLETED


def test_survey_skips_a_question_after_its_retries() -> None:
    f = flow(SURVEY)
    state = start(f, {}, T0).state
    state = advance(f, state, CustomerSaid("great"), T0).state  # retry 1
    step = advance(f, state, Timeout(), T0)  # out of retries: skip to NPS
    assert step.outputs == (Ask("Recommend us 0-10?", "nps"),)
    assert "csat" not in step.state.slots


ENQUEUE = """
    a:
      type: enqueue
      workflow_id: support
      priority: 5
      attributes: {topic: billing, order: "{order_id}"}
      position_message: "You are number {queue.position}."
      wait_message: "About {queue.estimated_wait_min} minutes."
"""


def test_enqueue_is_terminal_once_the_task_is_queued() -> None:
    f = flow(ENQUEUE)
    step = start(f, {"order_id": "ORD-1", "channel": "chat"}, T0)
    (enqueue,) = step.outputs
    assert isinstance(enqueue, Enqueue)
    assert (enqueue.workflow_id, enqueue.queue_id, enqueue.priority) == ("support", None, 5)
    assert enqueue.attributes == {
        "order_id": "ORD-1",
        "channel": "chat",
        "topic": "billing",
        "order": "ORD-1",
    }
    queued = PortResult("enqueue", ok=True, data={"position": 3, "estimated_wait_s": 130})
    step = advance(f, step.state, queued, T0)
    assert said(step) == ["You are number 3.", "About 3 minutes."]
    assert ended(step).outcome is FlowOutcome.ENQUEUED
    after = advance(f, step.state, CustomerSaid("hello?"), T0)
    assert after == Step(step.state)  # the flow is over; nothing more happens


def test_enqueue_failure_ends_or_takes_on_error() -> None:
    f = flow(ENQUEUE)
    failed = PortResult("enqueue", ok=False, data={"error": "no such workflow"})
    step = advance(f, start(f, {}, T0).state, failed, T0)
    end = ended(step)
    assert end.outcome is FlowOutcome.FAILED and "no such workflow" in end.reason
    g = flow(ENQUEUE + "      on_error: sorry\n    sorry: {type: message, text: sorry, next: bye}")
    step = advance(g, start(g, {}, T0).state, failed, T0)
    assert said(step) == ["sorry"] and ended(step).outcome is FlowOutcome.COMPLETED


def test_transfer_is_terminal() -> None:
    f = flow("a: {type: transfer, worker_id: wrk_7, message: Connecting you}")
    step = start(f, {"topic": "x"}, T0)
    assert step.outputs[:2] == (Say("Connecting you"), Transfer(None, "wrk_7", {"topic": "x"}))
    assert ended(step).outcome is FlowOutcome.TRANSFERRED


CRM = """
    a: {type: crm_lookup, by: [phone, email], found: known, not_found: unknown}
    known: {type: message, text: "Welcome back {customer.name}", next: bye}
    unknown: {type: message, text: "Welcome", next: bye}
"""


def test_crm_lookup_found_not_found_and_nothing_to_look_up() -> None:
    f = flow(CRM)
    step = start(f, {"phone": "+442079460958", "chat_id": "v1"}, T0)
    assert step.outputs == (LookupCustomer("a:1", (("phone", "+442079460958"),)),)
    found = PortResult("crm_lookup", ok=True, data={"customer": {"name": "Ann"}})
    assert said(advance(f, step.state, found, T0)) == ["Welcome back Ann"]
    missing = PortResult("crm_lookup", ok=True, data={"customer": None})
    assert said(advance(f, step.state, missing, T0)) == ["Welcome"]
    assert said(start(f, {"chat_id": "v1"}, T0)) == ["Welcome"]  # no phone or e-mail: no request


AI = """
    a: {type: ai_agent, skill: order_status, on_contained: solved, on_handoff: human}
    solved: {type: end, message: "Glad I could help"}
    human: {type: enqueue, queue_id: support}
"""


def test_ai_agent_contained_or_handed_off_with_its_slots() -> None:
    f = flow(AI)
    step = start(f, {"channel": "chat"}, T0)
    assert step.outputs == (RunSkill("a:1", "order_status", {"channel": "chat"}, {}),)
    contained = PortResult(
        "ai_agent", ok=True, data={"outcome": "contained", "slots": {"order_id": "A1"}}
    )
    done = advance(f, step.state, contained, T0)
    assert said(done) == ["Glad I could help"] and done.state.slots == {"order_id": "A1"}
    handoff = PortResult(
        "ai_agent", ok=True, data={"outcome": "handoff", "reason": "asked for a person"}
    )
    queued = advance(f, step.state, handoff, T0)
    assert isinstance(queued.outputs[-1], Enqueue)
    assert queued.state.attributes["ai"] == {"outcome": "handoff", "reason": "asked for a person"}
    assert isinstance(advance(f, step.state, Timeout(), T0).outputs[-1], Enqueue)


CALLBACK = """
    a:
      type: callback_offer
      prompt: "Call you back?"
      queue_id: callbacks
      accepted: booked
      declined: fine
    booked: {type: end, message: "We will call {phone}"}
    fine: {type: end, message: "OK"}
"""


def test_callback_offer_accepted_declined_or_impossible() -> None:
    f = flow(CALLBACK)
    step = start(f, {"phone": "+15551230000"}, T0)
    assert step.outputs == (OfferCallback("Call you back?", "+15551230000"),)
    accepted = advance(f, step.state, CustomerSaid("yes please"), T0)
    assert accepted.outputs[0] == ScheduleCallback(
        "callbacks", "+15551230000", {"phone": "+15551230000"}
    )
    assert said(accepted) == ["We will call +15551230000"]
    assert said(advance(f, step.state, Dtmf("2"), T0)) == ["OK"]
    unclear = advance(f, step.state, CustomerSaid("hmm"), T0)
    assert isinstance(unclear.outputs[-1], Ask) and unclear.outputs[-1].expect == "yes_no"
    assert said(start(f, {}, T0)) == ["OK"]  # no number to call: declined without asking


def test_a_flow_that_spins_is_ended_by_the_step_budget() -> None:
    f = flow("""
        a: {type: message, text: tick, next: b}
        b: {type: condition, expression: task.done, then: bye, else: a}
    """)
    step = start(f, {}, T0)
    end = ended(step)
    assert end.outcome is FlowOutcome.FAILED
    assert f"stopped after {STEP_BUDGET} blocks" in end.reason
    assert len(said(step)) == STEP_BUDGET // 2
    small = start(f, {}, T0, step_budget=5)
    assert len(said(small)) == 3 and ended(small).outcome is FlowOutcome.FAILED


def test_the_budget_counts_from_the_customers_last_input() -> None:
    f = flow("""
        a: {type: menu, prompt: p, options: [{label: x, dtmf: 1, next: b}], no_match: bye}
        b: {type: message, text: again, next: a}
    """)
    state = start(f, {}, T0, step_budget=3).state
    for _ in range(10):  # each answer earns a fresh budget: a chatty customer is no loop
        step = advance(f, state, Dtmf("1"), T0, step_budget=3)
        assert not step.state.is_done
        state = step.state
    assert state.steps == 21


def test_a_running_contact_keeps_its_version() -> None:
    v1 = flow(MENU, version=1)
    v2 = flow(MENU, version=2)
    state = start(v1, {}, T0).state
    assert state.version == 1
    with pytest.raises(FlowStateMismatch, match="runs version 1 of flow flw_1, not version 2"):
        advance(v2, state, Dtmf("1"), T0)
    assert said(advance(v1, state, Dtmf("1"), T0)) == ["billing"]


def test_the_support_example_end_to_end() -> None:
    text = resources.files("agentfloor.flows").joinpath("examples", "support.yaml").read_text()
    f = parse_flow(text, flow_id="flw_s", tenant_id="ten_1", version=3, now=T0)
    monday_10_london = at("2026-03-02T10:00:00")
    step = start(f, {"phone": "+442079460958", "channel": "chat"}, monday_10_london)
    assert isinstance(step.outputs[0], LookupCustomer)
    found = PortResult("crm_lookup", ok=True, data={"customer": {"name": "Ann"}})
    step = advance(f, step.state, found, monday_10_london)
    assert said(step) == ["Hello Ann, welcome back to Acme support."]
    assert isinstance(step.outputs[-1], Ask) and step.outputs[-1].expect == "choice"
    step = advance(f, step.state, Dtmf("2"), monday_10_london)
    assert step.outputs[-1] == Ask(
        "What is your order number? It starts with ORD, e.g. ORD-123456.", "order_id"
    )
    step = advance(f, step.state, CustomerSaid("it's ord-555123"), monday_10_london)
    (call,) = step.outputs
    assert isinstance(call, CallWebhook)
    assert call.url == "https://shop.example.com/api/orders/ORD-555123"
    order = {"status": "shipped", "delivery_date": "2026-03-04"}
    step = advance(f, step.state, PortResult("webhook", True, {"body": order}), monday_10_london)
    assert said(step) == ["Order ORD-555123 is shipped; expected delivery 2026-03-04."]
    step = advance(f, step.state, CustomerSaid("no", intent="deny"), monday_10_london)
    assert said(step) == ["Thanks for contacting Acme. Goodbye!"]
    assert ended(step).outcome is FlowOutcome.COMPLETED
    assert step.state.version == 3
