from __future__ import annotations

import json
import textwrap
from importlib import resources

import pytest

from agentfloor.core.errors import InvalidInput
from agentfloor.flows import (
    MAX_DOCUMENT_CHARS,
    CollectBlock,
    ConditionBlock,
    Flow,
    FlowInvalid,
    MenuBlock,
    SlotType,
    load_document,
    parse_flow,
    validate_flow,
)

T0 = 1_767_225_600.0

# A small valid flow; each bad case below changes one thing in it.
GOOD = """
name: Test
start: greet
blocks:
  greet: {type: message, text: "Hi {name}", next: menu}
  menu:
    type: menu
    prompt: Choose
    options:
      - {label: Billing, dtmf: 1, intent: billing, next: check}
      - {label: Agent, dtmf: 2, next: queue}
    no_match: queue
  check: {type: condition, expression: task.vip, then: queue, else: bye}
  queue: {type: enqueue, queue_id: support}
  bye: {type: end, message: Bye}
"""


def parse(text: str, **known: list[str]) -> Flow:
    return parse_flow(
        textwrap.dedent(text), flow_id="flw_1", tenant_id="ten_1", version=1, now=T0, **known
    )


def problems_of(text: str, **known: list[str]) -> list[tuple[str, str]]:
    with pytest.raises(FlowInvalid) as caught:
        parse(text, **known)
    return [(p.loc, p.message) for p in caught.value.problems]


COLLECT = "type: collect, prompt: p, next: bye, on_fail: bye"
HOURS = "type: business_hours, hours: {mon: '09:00-17:00'}, open: bye, closed: bye"


def with_blocks(extra: str, start: str = "a") -> str:
    """A flow starting at `start` whose blocks are `extra` plus an end block `bye`.

    `<<COLLECT>>` and `<<HOURS>>` stand for the usual fields of those block types.
    """
    extra = extra.replace("<<COLLECT>>", COLLECT).replace("<<HOURS>>", HOURS)
    body = textwrap.indent(textwrap.dedent(extra).strip(), "  ")
    return f"name: T\nstart: {start}\nblocks:\n{body}\n  bye: {{type: end}}\n"


def test_a_good_flow_parses_into_typed_blocks() -> None:
    flow = parse(GOOD)
    assert (flow.id, flow.tenant_id, flow.version, flow.created_at) == ("flw_1", "ten_1", 1, T0)
    assert flow.name == "Test" and flow.start == "greet"
    assert isinstance(flow.blocks["menu"], MenuBlock)
    assert flow.blocks["menu"].options[0].dtmf == "1"  # YAML's int 1 read as the key "1"
    assert isinstance(flow.blocks["check"], ConditionBlock)
    assert flow.source == textwrap.dedent(GOOD)


def test_json_documents_are_read_too() -> None:
    doc = {
        "name": "J",
        "start": "a",
        "blocks": {"a": {"type": "message", "text": "hi", "next": "b"}, "b": {"type": "end"}},
    }
    assert parse(json.dumps(doc)).blocks.keys() == {"a", "b"}


@pytest.mark.parametrize("name", ["support.yaml", "survey.yaml"])
def test_the_example_flows_validate(name: str) -> None:
    text = resources.files("agentfloor.flows").joinpath("examples", name).read_text()
    flow = parse(text)
    assert flow.blocks


def test_loops_with_an_exit_are_fine() -> None:
    text = with_blocks("""
        a:
          type: menu
          prompt: p
          no_match: a
          options: [{label: again, next: b}, {label: out, next: bye}]
        b: {type: message, text: again, next: a}
    """)
    assert parse(text).blocks["a"]


CASES: list[tuple[str, str, str, str]] = [
    # (id, document, loc, fragment of the message)
    ("yaml-syntax", "name: x\nblocks: [a, b\nstart: a", "document", "line 3, column 6"),
    ("not-a-mapping", "- a\n- b", "document", "this document is a list"),
    ("empty", "", "document", "this document is nothing"),
    ("duplicate-key", "name: T\nname: U\nstart: a\nblocks: {a: {type: end}}", "name", "twice"),
    ("alias", "name: &n T\nstart: *n\nblocks: {a: {type: end}}", "document", "aliases"),
    ("unknown-top-field", GOOD + "blcoks: {}", "blcoks", "unknown field"),
    ("missing-name", GOOD.replace("name: Test", ""), "name", "missing `name`"),
    ("missing-start", GOOD.replace("start: greet", ""), "start", "missing `start`"),
    ("unknown-start", GOOD.replace("start: greet", "start: gret"), "start", "did you mean 'greet'"),
    ("missing-blocks", "name: T\nstart: a", "blocks", "missing `blocks`"),
    ("bad-block-name", with_blocks("a: {type: end}\n'1x': {type: end}"), "blocks.1x", "block name"),
    ("block-not-mapping", with_blocks("a: [1]"), "blocks.a", "mapping with a `type`"),
    ("missing-type", with_blocks("a: {text: hi, next: bye}"), "blocks.a.type", "missing `type`"),
    (
        "unknown-type",
        with_blocks("a: {type: mesage, next: bye}"),
        "blocks.a.type",
        "use one of: message, menu, collect",
    ),
    (
        "missing-field",
        with_blocks("a: {type: message, next: bye}"),
        "blocks.a.text",
        "missing `text`",
    ),
    (
        "unknown-field",
        with_blocks("a: {type: message, txt: hi, text: hi, next: bye}"),
        "blocks.a.txt",
        "unknown field `txt`",
    ),
    (
        "wrong-kind",
        with_blocks("a: {type: message, text: [hi], next: bye}"),
        "blocks.a.text",
        "must be text",
    ),
    (
        "dangling-next",
        with_blocks("a: {type: message, text: hi, next: by}"),
        "blocks.a.next",
        "no block named 'by'; did you mean 'bye'",
    ),
    (
        "missing-next",
        with_blocks("a: {type: message, text: hi}"),
        "blocks.a.next",
        "missing `next`",
    ),
    (
        "missing-branch",
        with_blocks("a: {type: condition, expression: task.x, then: bye}"),
        "blocks.a.else",
        "missing `else`",
    ),
    (
        "unreachable",
        with_blocks("a: {type: end}\norphan: {type: message, text: x, next: a}"),
        "blocks.orphan",
        "no path from `start`",
    ),
    (
        "loop-no-exit",
        with_blocks("""
        a: {type: message, text: x, next: b}
        b: {type: set_attribute, name: n, value: 1, next: c}
        c: {type: message, text: y, next: b}
        z: {type: condition, expression: task.x, then: bye, else: bye}
     """),
        "blocks.b",
        "the blocks b → c → b loop with no way out",
    ),
    (
        "self-loop",
        with_blocks("a: {type: message, text: x, next: a}\nz: {type: end}"),
        "blocks.a",
        "loop with no way out",
    ),
    (
        "menu-loop-no-exit",
        with_blocks("a: {type: menu, prompt: p, options: [{label: x, next: a}], no_match: a}"),
        "blocks.a",
        "loop with no way out",
    ),
    (
        "bad-expression",
        with_blocks("a: {type: condition, expression: 'task.x ==', then: bye, else: bye}"),
        "blocks.a.expression",
        "column 10: expected a value",
    ),
    (
        "empty-expression",
        with_blocks("a: {type: condition, expression: '  ', then: bye, else: bye}"),
        "blocks.a.expression",
        "empty",
    ),
    (
        "worker-in-expression",
        with_blocks("a: {type: condition, expression: worker.vip, then: bye, else: bye}"),
        "blocks.a.expression",
        "task.<attribute>",
    ),
    (
        "bad-template",
        with_blocks("a: {type: message, text: 'Hi {name', next: bye}"),
        "blocks.a.text",
        "column 4: a lone '{'",
    ),
    (
        "bad-slot-type",
        with_blocks("""
        a: {type: collect, slot: {name: d, type: datetime}, prompt: p, next: bye, on_fail: bye}
     """),
        "blocks.a.slot.type",
        "unknown slot type 'datetime'; use one of: text, number",
    ),
    (
        "missing-slot",
        with_blocks("a: {type: collect, prompt: p, next: bye, on_fail: bye}"),
        "blocks.a.slot",
        "missing `slot`",
    ),
    (
        "bad-slot-name",
        with_blocks("""
        a: {type: collect, slot: {name: order-id, type: text}, prompt: p, next: bye, on_fail: bye}
     """),
        "blocks.a.slot.name",
        "not a name",
    ),
    (
        "enum-without-values",
        with_blocks("""
        a: {type: collect, slot: {name: c, type: enum}, prompt: p, next: bye, on_fail: bye}
     """),
        "blocks.a.slot.values",
        "non-empty list",
    ),
    (
        "enum-yaml-boolean",
        with_blocks("""
        a: {<<COLLECT>>, slot: {name: c, type: enum, values: [yes, no]}}
     """),
        "blocks.a.slot.values[0]",
        "put it in quotes",
    ),
    (
        "values-on-text",
        with_blocks("""
        a: {<<COLLECT>>, slot: {name: c, type: text, values: [a]}}
     """),
        "blocks.a.slot.values",
        "only `enum` slots",
    ),
    (
        "pattern-with-group",
        with_blocks("""
        a: {<<COLLECT>>, slot: {name: o, type: order_id, pattern: '(a+)+'}}
     """),
        "blocks.a.slot.pattern",
        "without groups",
    ),
    (
        "bad-pattern",
        with_blocks("""
        a: {<<COLLECT>>, slot: {name: o, type: order_id, pattern: '[a-'}}
     """),
        "blocks.a.slot.pattern",
        "not a regular expression",
    ),
    (
        "bad-max-retries",
        with_blocks("""
        a: {<<COLLECT>>, slot: {name: o, type: text}, max_retries: 11}
     """),
        "blocks.a.max_retries",
        "from 0 to 10",
    ),
    (
        "bad-dtmf",
        with_blocks(
            "a: {type: menu, prompt: p, options: [{label: x, dtmf: '12345', next: bye}], "
            "no_match: a}"
        ),
        "blocks.a.options[0].dtmf",
        "1-4 keys",
    ),
    (
        "duplicate-dtmf",
        with_blocks("""
        a:
          type: menu
          prompt: p
          options: [{label: x, dtmf: 1, next: bye}, {label: y, dtmf: 1, next: bye}]
          no_match: bye
     """),
        "blocks.a.options[1].dtmf",
        "already used by options[0]",
    ),
    (
        "missing-no-match",
        with_blocks("a: {type: menu, prompt: p, options: [{label: x, next: bye}]}"),
        "blocks.a.no_match",
        "missing `no_match`",
    ),
    (
        "bad-timeout",
        with_blocks(
            "a: {type: webhook, url: 'https://x.example', timeout_s: 0, success: bye, error: bye}"
        ),
        "blocks.a.timeout_s",
        "above 0 and at most 30",
    ),
    (
        "timeout-as-text",
        with_blocks(
            "a: {type: webhook, url: 'https://x.example', timeout_s: 5s, success: bye, error: bye}"
        ),
        "blocks.a.timeout_s",
        "number of seconds",
    ),
    (
        "bad-retries",
        with_blocks(
            "a: {type: webhook, url: 'https://x.example', retries: 9, success: bye, error: bye}"
        ),
        "blocks.a.retries",
        "from 0 to 5",
    ),
    (
        "bad-url",
        with_blocks("a: {type: webhook, url: 'ftp://x', success: bye, error: bye}"),
        "blocks.a.url",
        "http:// or https://",
    ),
    (
        "placeholder-in-host",
        with_blocks(
            "a: {type: webhook, url: 'https://{host}.example/x', success: bye, error: bye}"
        ),
        "blocks.a.url",
        "fixed host name",
    ),
    (
        "bad-method",
        with_blocks(
            "a: {type: webhook, url: 'https://x.example', method: FETCH, success: bye, error: bye}"
        ),
        "blocks.a.method",
        "one of: GET, POST",
    ),
    ("bad-flow-timezone", GOOD + "timezone: Europe/Londn", "timezone", "IANA"),
    (
        "bad-timezone",
        with_blocks("""
        a: {<<HOURS>>, timezone: Mars/Base}
     """),
        "blocks.a.timezone",
        "IANA",
    ),
    (
        "missing-timezone",
        with_blocks("""
        a: {type: business_hours, hours: {mon: '09:00-17:00'}, open: bye, closed: bye}
     """),
        "blocks.a.timezone",
        "set it on this block or on the flow",
    ),
    (
        "bad-country",
        with_blocks("""
        a: {<<HOURS>>, timezone: UTC, country: XX}
     """),
        "blocks.a.country",
        "not a country",
    ),
    (
        "bad-subdivision",
        with_blocks("""
        a: {<<HOURS>>, timezone: UTC, country: GB, subdivision: XX}
     """),
        "blocks.a.subdivision",
        "ENG",
    ),
    (
        "bad-hours",
        with_blocks("""
        a: {type: business_hours, timezone: UTC, hours: {mon: '17:00-09:00'}, open: bye, closed: a}
     """),
        "blocks.a.hours.mon",
        "closes before it opens",
    ),
    (
        "bad-closed-date",
        with_blocks("""
        a: {<<HOURS>>, timezone: UTC, closed_dates: ['2026-13-01']}
     """),
        "blocks.a.closed_dates[0]",
        "not a date",
    ),
    (
        "enqueue-both",
        with_blocks("a: {type: enqueue, queue_id: q, workflow_id: w}"),
        "blocks.a",
        "exactly one of `workflow_id`",
    ),
    (
        "bad-priority",
        with_blocks("a: {type: enqueue, queue_id: q, priority: 5000}"),
        "blocks.a.priority",
        "-1000 to 1000",
    ),
    (
        "transfer-neither",
        with_blocks("a: {type: transfer, message: bye}"),
        "blocks.a",
        "exactly one of `queue_id` or `worker_id`",
    ),
    (
        "bad-question-kind",
        with_blocks("""
        a: {type: survey, questions: [{id: q, kind: stars, prompt: p}], next: bye}
     """),
        "blocks.a.questions[0].kind",
        "use one of: csat, nps, text",
    ),
    (
        "no-questions",
        with_blocks("a: {type: survey, questions: [], next: bye}"),
        "blocks.a.questions",
        "non-empty list",
    ),
    (
        "bad-crm-by",
        with_blocks("a: {type: crm_lookup, by: fax, found: bye, not_found: bye}"),
        "blocks.a.by",
        "phone, email, chat",
    ),
    (
        "yaml-boolean-branch",
        with_blocks("a: {type: callback_offer, prompt: p, accepted: yes}"),
        "blocks.a.accepted",
        "put it in quotes",
    ),
    (
        "set-without-value",
        with_blocks("a: {type: set_attribute, name: x, next: bye}"),
        "blocks.a.value",
        "missing `value`",
    ),
]


@pytest.mark.parametrize(
    ("text", "loc", "fragment"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_each_kind_of_problem_is_reported_at_its_path(text: str, loc: str, fragment: str) -> None:
    problems = problems_of(text)
    messages = [message for where, message in problems if where == loc]
    assert messages, f"no problem at {loc}; got {problems}"
    assert any(fragment in message for message in messages), messages


def test_unknown_skills_and_queues_are_refused_when_the_names_are_given() -> None:
    text = with_blocks("""
        a: {type: ai_agent, skill: refunds, on_contained: b, on_handoff: bye}
        b: {type: enqueue, queue_id: nowhere, workflow_id: null}
    """)
    problems = problems_of(text, skills=["billing"], queues=["support"])
    assert problems[0] == ("blocks.a.skill", "there is no skill 'refunds'; known skills: billing")
    assert problems[1][0] == "blocks.b.queue_id" and "no queue 'nowhere'" in problems[1][1]
    assert parse(
        text.replace("refunds", "billing").replace("nowhere", "support"),
        skills=["billing"],
        queues=["support"],
    )


def test_every_problem_of_a_document_is_reported_at_once() -> None:
    text = """
        name: Many problems
        start: greet
        colour: blue
        blocks:
          greet: {type: message, text: "Hello {name", next: hours}
          hours:
            type: business_hours
            timezone: Nowhere/City
            hours: {mon: '9-5'}
            open: menu
            closed: gone
          menu:
            type: menu
            prompt: Choose
            options: [{label: One, next: ask}, {label: Two, dtmf: 99999, next: ping}]
          ask: {type: collect, slot: {name: when, type: when}, prompt: p, next: check, on_fail: bye}
          check: {type: condition, expression: "task.x >", then: bye, else: spin}
          spin: {type: message, text: round, next: spin2}
          spin2: {type: set_attribute, name: n, value: 1, next: spin}
          ping: {type: webhook, url: "https://x.example", timeout_s: 99, success: bye, error: bye}
          mystery: {type: teleport, next: bye}
          bye: {type: end}
    """
    locs = {loc for loc, _ in problems_of(text)}
    assert locs == {
        "colour",
        "blocks.greet.text",
        "blocks.hours.timezone",
        "blocks.hours.hours.mon",
        "blocks.hours.closed",  # dangling
        "blocks.menu.options[1].dtmf",
        "blocks.menu.no_match",  # missing
        "blocks.ask.slot.type",
        "blocks.check.expression",
        "blocks.ping.timeout_s",
        "blocks.mystery.type",
        "blocks.mystery",  # unreachable
        "blocks.spin",  # the spin → spin2 → spin loop has no way out
    }


def test_flow_invalid_is_a_422_kind_with_a_message_listing_the_problems() -> None:
    with pytest.raises(FlowInvalid) as caught:
        parse(with_blocks("a: {type: message, text: hi, next: byee}"))
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.message == (
        "the flow has 1 problem; fix them and upload it again: "
        "blocks.a.next: there is no block named 'byee'; did you mean 'bye'?"
    )


def test_a_broken_block_does_not_make_its_successors_look_unreachable() -> None:
    text = with_blocks("""
        a: {type: teleport, target: b}
        b: {type: message, text: hi, next: bye}
    """)
    assert [loc for loc, _ in problems_of(text)] == ["blocks.a.type"]


def test_slot_types_parse_into_the_enum() -> None:
    text = with_blocks("""
        a: {<<COLLECT>>, slot: {name: colour, type: enum, values: [red, green]}}
    """)
    block = parse(text).blocks["a"]
    assert isinstance(block, CollectBlock)
    assert block.slot.type is SlotType.ENUM and block.slot.values == ("red", "green")


def test_oversized_documents_are_refused_before_parsing() -> None:
    with pytest.raises(FlowInvalid) as caught:
        load_document("#" * (MAX_DOCUMENT_CHARS + 1))
    assert "split the flow" in caught.value.problems[0].message


def test_deep_nesting_is_refused_early() -> None:
    # PyYAML alone takes seconds on this (its scanner is quadratic in depth) and then overflows
    # the stack when building; the limit applies while the events stream in.
    with pytest.raises(FlowInvalid) as caught:
        load_document("[" * 200_000 + "]" * 200_000)
    assert caught.value.problems[0].loc == "document"
    assert "nests over 32 levels" in caught.value.problems[0].message


def test_validate_flow_takes_an_already_parsed_document() -> None:
    definition = validate_flow(load_document(GOOD))
    assert definition.start == "greet" and definition.name == "Test"
