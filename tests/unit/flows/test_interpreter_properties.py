"""Flow invariants over random valid flows and random event sequences (hypothesis).

Flows are built as a chain b0 → b1 → ... → terminal, where every block's first branch moves one
step along the chain and its other branches point anywhere (back edges make loops, which always
have the chain as a way out). So every generated flow is valid, and the validator must agree.
Whatever the customer and the ports then do, the interpreter must never raise, never exceed the
step budget, and always leave the contact either waiting (for input or a port) or ended.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from agentfloor.flows import (
    Ask,
    CustomerSaid,
    Dtmf,
    End,
    FlowInvalid,
    InputEvent,
    OfferCallback,
    PortResult,
    Timeout,
    Waiting,
    advance,
    load_document,
    parse_flow,
    start,
    validate_flow,
)
from agentfloor.flows.model import CallbackOfferBlock, CollectBlock, MenuBlock, SurveyBlock

EXPRESSIONS = (
    "task.vip",
    "NOT task.vip",
    "task.score > 3",
    'task.lang == "en" OR task.score <= 1',
    'task.topic IN ["billing", "orders"]',
    'task.ai.outcome == "handoff"',
    "task.order.status != null",
)
SLOT_TYPES = ("text", "number", "date", "time", "phone", "email", "money", "order_id", "enum")
MIDDLE = (
    "message",
    "menu",
    "collect",
    "condition",
    "set_attribute",
    "crm_lookup",
    "webhook",
    "business_hours",
    "ai_agent",
    "callback_offer",
    "survey",
)
ASKING = (MenuBlock, CollectBlock, CallbackOfferBlock, SurveyBlock)


@st.composite
def blocks_of(draw: st.DrawFn, kind: str, forward: str, names: list[str]) -> dict[str, Any]:
    """One well-formed block whose first branch is `forward`."""
    anywhere = st.sampled_from(names)
    other = draw(anywhere)
    retries = draw(st.integers(0, 3))
    match kind:
        case "message":
            return {"type": kind, "text": "hello {name} {missing.path}", "next": forward}
        case "menu":
            extra = draw(st.lists(anywhere, max_size=3))
            options = [
                {"label": f"Option {i}", "dtmf": str(i + 1), "intent": f"intent{i}", "next": t}
                for i, t in enumerate([forward, *extra])
            ]
            return {
                "type": kind,
                "prompt": "choose",
                "options": options,
                "no_match": other,
                "max_retries": retries,
            }
        case "collect":
            slot: dict[str, Any] = {"name": "value", "type": draw(st.sampled_from(SLOT_TYPES))}
            if slot["type"] == "enum":
                slot["values"] = ["red", "green"]
            return {
                "type": kind,
                "slot": slot,
                "prompt": "say it",
                "next": forward,
                "on_fail": other,
                "max_retries": retries,
            }
        case "condition":
            then, otherwise = draw(st.permutations([forward, other]))
            return {
                "type": kind,
                "expression": draw(st.sampled_from(EXPRESSIONS)),
                "then": then,
                "else": otherwise,
            }
        case "set_attribute":
            value = draw(st.sampled_from(["{score}", "text {name}", 5, True, None]))
            return {
                "type": kind,
                "name": draw(st.sampled_from(["vip", "score", "topic"])),
                "value": value,
                "next": forward,
            }
        case "crm_lookup":
            return {"type": kind, "found": forward, "not_found": other}
        case "webhook":
            return {
                "type": kind,
                "url": "https://x.example/o/{order_id}",
                "body": {"id": "{name}"},
                "save_as": "order",
                "success": forward,
                "error": other,
            }
        case "business_hours":
            return {
                "type": kind,
                "timezone": draw(st.sampled_from(["UTC", "Asia/Kolkata"])),
                "hours": {"mon-fri": "09:00-17:00"},
                "country": "GB",
                "open": forward,
                "closed": other,
            }
        case "ai_agent":
            return {"type": kind, "skill": "helper", "on_contained": forward, "on_handoff": other}
        case "callback_offer":
            return {
                "type": kind,
                "prompt": "call back?",
                "accepted": forward,
                "declined": other,
                "max_retries": retries,
            }
        case _:
            kinds = draw(st.lists(st.sampled_from(["csat", "nps", "text"]), min_size=1, max_size=3))
            questions = [
                {"id": f"q{i}", "kind": k, "prompt": f"q{i}?"} for i, k in enumerate(kinds)
            ]
            return {
                "type": "survey",
                "questions": questions,
                "next": forward,
                "max_retries": retries,
            }


@st.composite
def flow_documents(draw: st.DrawFn) -> dict[str, Any]:
    size = draw(st.integers(1, 10))
    names = [f"b{i}" for i in range(size + 1)]
    blocks: dict[str, Any] = {}
    for i in range(size):
        kind = draw(st.sampled_from(MIDDLE))
        blocks[names[i]] = draw(blocks_of(kind, names[i + 1], names))
    last = draw(st.sampled_from(["end", "enqueue", "transfer"]))
    blocks[names[-1]] = {
        "end": {"type": "end", "message": "bye {name}"},
        "enqueue": {
            "type": "enqueue",
            "workflow_id": "wf",
            "position_message": "#{queue.position}",
            "wait_message": "{queue.estimated_wait_min} min",
            "on_error": draw(st.sampled_from([None, *names])),
        },
        "transfer": {"type": "transfer", "queue_id": "q"},
    }[last]
    if blocks[names[-1]].get("on_error") is None:
        blocks[names[-1]].pop("on_error", None)
    return {"name": "random", "start": "b0", "blocks": blocks}


PORT_DATA: st.SearchStrategy[dict[str, object]] = st.sampled_from(
    [
        {},
        {"customer": {"name": "Ann"}},
        {"customer": "not a mapping"},
        {"status": 200, "body": {"status": "shipped"}},
        {"error": "boom"},
        {"outcome": "contained", "slots": {"order_id": "A1"}},
        {"outcome": "handoff", "slots": "garbage"},
        {"position": 2, "estimated_wait_s": 95.5},
        {"position": "first", "estimated_wait_s": float("nan")},
    ]
)
EVENTS: st.SearchStrategy[InputEvent] = st.one_of(
    st.builds(
        CustomerSaid,
        text=st.one_of(
            st.sampled_from(
                [
                    "1",
                    "yes",
                    "no",
                    "red",
                    "5",
                    "2026-03-14",
                    "ORD-12345",
                    "a@b.co",
                    "+44 20 7946 0958",
                    "£3",
                    "14:30",
                    "",
                ]
            ),
            st.text(max_size=30),
        ),
        intent=st.sampled_from([None, "intent0", "intent2", "affirm", "deny"]),
        entities=st.sampled_from([{}, {"value": "7"}, {"date": "2026-01-02"}, {"value": [1]}]),
    ),
    st.builds(Dtmf, digits=st.sampled_from(["1", "2", "3", "#", "12", ""])),
    st.just(Timeout()),
    st.builds(
        PortResult,
        kind=st.sampled_from(["crm_lookup", "webhook", "ai_agent", "enqueue", "other"]),
        ok=st.booleans(),
        data=PORT_DATA,
        request_id=st.sampled_from([None, None, None, "b0:1", "nope"]),
    ),
)
ATTRIBUTES = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text(max_size=8),
        "vip": st.booleans(),
        "score": st.integers(-5, 10),
        "lang": st.sampled_from(["en", "fr"]),
        "phone": st.just("+442079460958"),
        "order_id": st.just("ORD-1/2"),
    },
)


@settings(max_examples=300, deadline=None)
@given(
    doc=flow_documents(),
    attributes=ATTRIBUTES,
    turns=st.integers(0, 25),
    now=st.floats(1_767_225_600, 1_798_761_600),  # 2026
    budget=st.sampled_from([3, 10, 200]),
    data=st.data(),
)
def test_random_valid_flows_never_raise_and_never_spin(
    doc: dict[str, Any],
    attributes: dict[str, Any],
    turns: int,
    now: float,
    budget: int,
    data: st.DataObject,
) -> None:
    flow = parse_flow(json.dumps(doc), flow_id="f", tenant_id="t", version=1, now=now)
    step = start(flow, attributes, now, step_budget=budget)
    ends = 0
    for turn in range(turns + 1):
        incoming: InputEvent | None = None
        if turn:
            block = flow.blocks[step.state.block_id]
            if step.state.waiting is Waiting.PORT and data.draw(st.booleans()):
                # Half the time a port waited for answers, as the runtime would.
                incoming = PortResult(block.kind, data.draw(st.booleans()), data.draw(PORT_DATA))
            else:
                incoming = data.draw(EVENTS)
            was_done = step.state.is_done
            step = advance(flow, step.state, incoming, now, step_budget=budget)
            if was_done:
                assert step.outputs == ()  # nothing happens after the end
        state = step.state
        assert state.auto_steps <= budget
        assert (state.flow_id, state.version) == ("f", 1)
        ends += sum(isinstance(action, End) for action in step.outputs)
        assert ends <= 1
        block = flow.blocks[state.block_id]
        if state.is_done:
            assert state.outcome is not None and state.pending is None
        elif state.waiting is Waiting.PORT:
            assert state.pending is not None and state.pending.startswith(f"{block.id}:")
        else:
            assert isinstance(block, ASKING)  # waiting for the customer at a block that asks
            if step.outputs and incoming is None:
                assert isinstance(step.outputs[-1], Ask | OfferCallback)
    if ends:
        assert step.state.is_done
    event(f"outcome: {step.state.outcome or step.state.waiting}")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)
BLOCK_SHAPES = st.dictionaries(
    st.sampled_from(
        [
            "type",
            "next",
            "text",
            "options",
            "slot",
            "expression",
            "then",
            "else",
            "hours",
            "timezone",
            "questions",
            "url",
            "open",
            "closed",
            "max_retries",
        ]
    ),
    JSON_VALUES
    | st.sampled_from(
        [
            "message",
            "menu",
            "collect",
            "condition",
            "survey",
            "b0",
            "b1",
            "end",
            "business_hours",
            "webhook",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    doc=st.one_of(
        JSON_VALUES,
        st.fixed_dictionaries(
            {
                "name": st.text(max_size=5),
                "start": st.sampled_from(["b0", "b1", 3]),
                "blocks": st.dictionaries(st.sampled_from(["b0", "b1", "b2"]), BLOCK_SHAPES),
            }
        ),
    )
)
def test_validation_of_any_document_either_passes_or_lists_problems(doc: object) -> None:
    try:
        validate_flow(doc)
    except FlowInvalid as error:
        assert error.problems and all(p.loc and p.message for p in error.problems)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_loading_any_text_either_parses_or_says_why(text: str) -> None:
    try:
        load_document(text)
    except FlowInvalid as error:
        assert error.problems[0].loc == "document" or error.problems
