from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from agentfloor.agents.skills import ActionKind, HandoffRule, SkillSet
from agentfloor.agents.skills.parse import (
    SkillInvalid,
    builtin_skills,
    load_skill_document,
    parse_skill,
    parse_skills,
)
from agentfloor.core.errors import InvalidInput
from agentfloor.flows.model import QuestionKind, SlotType
from agentfloor.routing.expressions import parse_expression

# A valid skill; each bad case below changes one thing in it.
GOOD: dict[str, Any] = {
    "name": "book_demo",
    "description": "Book a product demo",
    "intents": ["demo_request"],
    "slots": [
        {"name": "email", "type": "email", "prompt": "Your e-mail?"},
        {"name": "plan", "type": "enum", "values": ["basic", "pro"], "prompt": "Which plan?"},
        {"name": "ref", "type": "order_id", "pattern": "DEMO-[0-9]{4}", "prompt": "Ref?"},
    ],
    "confirm": "Book a {plan} demo for {email}?",
    "action": {"kind": "webhook", "url": "https://crm.example.com/demos/{email}"},
    "success": "Booked: {result.id}",
    "not_found": "No demo slot for {plan}.",
    "retry_slot": "plan",
    "handoff": [{"when": "task.vip == true", "reason": "VIP prospect", "queue": "sales"}],
}


def changed(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def with_slot(index: int, **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(GOOD)
    slot = doc["slots"][index]
    for key, value in changes.items():
        if value is None:
            slot.pop(key, None)
        else:
            slot[key] = value
    return doc


def with_action(**action: Any) -> dict[str, Any]:
    return changed(action=action)


def problems_of(doc: Any, **kwargs: Any) -> list[tuple[str, str]]:
    with pytest.raises(SkillInvalid) as caught:
        parse_skill(doc, **kwargs)
    assert caught.value.problems, "a refused skill names its problems"
    return [(p.loc, p.message) for p in caught.value.problems]


def locs(doc: Any) -> list[str]:
    return [loc for loc, _ in problems_of(doc)]


def test_a_good_skill_parses_into_typed_values() -> None:
    skill = parse_skill(GOOD)
    assert skill.name == "book_demo"
    assert skill.intents == ("demo_request",)
    assert [s.name for s in skill.slots] == ["email", "plan", "ref"]
    plan = skill.slot("plan")
    assert plan is not None
    assert plan.slot.type is SlotType.ENUM
    assert plan.slot.values == ("basic", "pro")
    assert plan.required and plan.max_retries == 2
    ref = skill.slot("ref")
    assert ref is not None and ref.slot.pattern == "DEMO-[0-9]{4}"
    assert skill.action.kind is ActionKind.WEBHOOK
    assert skill.action.method == "POST"
    assert skill.action.timeout_s == 5.0
    assert skill.retry_slot == "plan"
    assert skill.handoff == (HandoffRule("task.vip == true", "VIP prospect", "sales"),)
    assert skill.failure.startswith("Sorry")  # the model's default


def test_optional_fields_default_sensibly() -> None:
    skill = parse_skill(
        {
            "name": "survey",
            "intents": [],
            "action": {"kind": "none"},
            "success": "Thanks",
            "failure": "Oops",
            "slots": [
                {"name": "score", "scale": "nps", "prompt": "0-10?"},
                {"name": "why", "type": "text", "required": False, "prompt": "Why?"},
            ],
        }
    )
    assert skill.description == "" and skill.confirm is None and skill.not_found == ""
    assert skill.retry_slot is None and skill.handoff == ()
    assert skill.failure == "Oops"
    assert skill.intents == ()
    score, why = skill.slots
    assert score.scale is QuestionKind.NPS and score.slot.type is SlotType.NUMBER
    assert not why.required


# One row per problem: (id, document, path, part of the message).
# fmt: off
CASES = [
    ("unknown top-level key", changed(colour="red"), "colour", "unknown field"),
    ("missing name", changed(name=None), "name", "missing `name`"),
    ("bad name", changed(name="Book-Demo"), "name", "is not a name"),
    ("name too long", changed(name="a" * 65), "name", "is not a name"),
    ("missing success", changed(success=None), "success", "missing `success`"),
    ("missing action", changed(action=None), "action", "missing `action`"),
    ("action not a mapping", changed(action="builtin"), "action", "must be a mapping"),
    ("intents not a list", changed(intents={"a": 1}), "intents", "list of intent names"),
    ("bad intent", changed(intents=["ok", "9lives"]), "intents[1]", "is not a name"),
    ("intent twice", changed(intents=["a", "a"]), "intents[1]", "listed twice"),
    ("slots not a list", changed(slots="email"), "slots", "must be a list"),
    ("slot not a mapping", changed(slots=["email"]), "slots[0]", "a slot is a mapping"),
    ("unknown slot type", with_slot(1, type="colour"), "slots[1].type", "unknown slot type"),
    ("missing slot type", with_slot(0, type=None), "slots[0].type", "missing `type`"),
    ("bad slot name", with_slot(0, name="E-mail"), "slots[0].name", "is not a name"),
    ("missing prompt", with_slot(0, prompt=None), "slots[0].prompt", "missing `prompt`"),
    ("unknown slot key", with_slot(0, colour=1), "slots[0].colour", "unknown field"),
    ("unknown scale", with_slot(0, scale="stars"), "slots[0].scale", "unknown scale"),
    ("scale on enum", with_slot(1, scale="csat"), "slots[1].type", "reads a number"),
    ("empty enum values", with_slot(1, values=[]), "slots[1].values", "non-empty list"),
    ("enum without values", with_slot(1, values=None), "slots[1].values", "non-empty list"),
    ("blank enum value", with_slot(1, values=["a", " "]), "slots[1].values[1]", "non-empty"),
    ("enum value twice", with_slot(1, values=["a", "A"]), "slots[1].values[1]", "twice"),
    ("values on text", with_slot(0, values=["a"]), "slots[0].values", "only `enum`"),
    ("bad regex", with_slot(2, pattern="[0-9"), "slots[2].pattern", "not a regular"),
    ("regex with group", with_slot(2, pattern="(a+)+"), "slots[2].pattern", "without groups"),
    ("pattern on email", with_slot(0, pattern="x"), "slots[0].pattern", "only `order_id`"),
    ("region on email", with_slot(0, region="GB"), "slots[0].region", "only `phone`"),
    ("required not bool", with_slot(0, required="no"), "slots[0].required", "true or false"),
    ("retries too many", with_slot(0, max_retries=11), "slots[0].max_retries", "0 to 10"),
    ("bad prompt template", with_slot(0, prompt="Your {e mail}?"), "slots[0].prompt", "column"),
    ("lone brace in confirm", changed(confirm="Book {plan?"), "confirm", "lone"),
    ("bad success template", changed(success="Done {}"), "success", "not a placeholder"),
    ("bad not_found template", changed(not_found="{a b}"), "not_found", "not a placeholder"),
    ("bad failure template", changed(failure="Sorry }"), "failure", "lone"),
    ("result in confirm", changed(confirm="Shall I? {result.id}"), "confirm", "before"),
    ("retry_slot missing", changed(retry_slot="colour"), "retry_slot", "no slot 'colour'"),
    ("unknown action kind", with_action(kind="email"), "action.kind", "unknown action kind"),
    ("missing action kind", with_action(name="x"), "action.kind", "missing `kind`"),
    ("unknown builtin", with_action(kind="builtin", name="fly"), "action.name", "unknown"),
    ("builtin no name", with_action(kind="builtin"), "action.name", "missing `name`"),
    ("unknown crm action", with_action(kind="crm", name="merge"), "action.name", "unknown"),
    ("url on builtin", with_action(kind="builtin", name="lead_score", url="https://x.io"),
     "action.url", "unknown field"),
    ("webhook without url", with_action(kind="webhook"), "action.url", "missing `url`"),
    ("webhook ftp url", with_action(kind="webhook", url="ftp://x.io/a"), "action.url", "http"),
    ("webhook host template", with_action(kind="webhook", url="https://{host}/a"),
     "action.url", "fixed host"),
    ("bad url template", with_action(kind="webhook", url="https://x.io/{a b}"),
     "action.url", "not a placeholder"),
    ("bad method", with_action(kind="webhook", url="https://x.io", method="FETCH"),
     "action.method", "one of"),
    ("timeout too short", with_action(kind="webhook", url="https://x.io", timeout_s=0.05),
     "action.timeout_s", "0.1 to 30"),
    ("timeout too long", with_action(kind="webhook", url="https://x.io", timeout_s=31),
     "action.timeout_s", "0.1 to 30"),
    ("timeout not a number", with_action(kind="webhook", url="https://x.io", timeout_s="5"),
     "action.timeout_s", "number of seconds"),
    ("retries too many", with_action(kind="webhook", url="https://x.io", retries=6),
     "action.retries", "0 to 5"),
    ("retries negative", with_action(kind="webhook", url="https://x.io", retries=-1),
     "action.retries", "0 to 5"),
    ("header not text", with_action(kind="webhook", url="https://x.io", headers={"X-N": 1}),
     "action.headers.X-N", "must be text"),
    ("bad body template", with_action(kind="webhook", url="https://x.io", body={"a": ["{x y}"]}),
     "action.body.a[0]", "not a placeholder"),
    ("handoff not a list", changed(handoff={"when": "task.x"}), "handoff", "list of rules"),
    ("handoff not a mapping", changed(handoff=["task.x"]), "handoff[0]", "a handoff rule"),
    ("handoff bad expression", changed(handoff=[{"when": "task.hot ==", "reason": "r"}]),
     "handoff[0].when", "column"),
    ("handoff empty expression", changed(handoff=[{"when": " ", "reason": "r"}]),
     "handoff[0].when", "empty"),
    ("handoff worker expression", changed(handoff=[{"when": "worker.vip", "reason": "r"}]),
     "handoff[0].when", "worker"),
    ("handoff no reason", changed(handoff=[{"when": "task.vip"}]),
     "handoff[0].reason", "missing `reason`"),
    ("handoff bad queue", changed(handoff=[{"when": "task.vip", "reason": "r", "queue": 7}]),
     "handoff[0].queue", "not a name"),
    ("handoff unknown key", changed(handoff=[{"when": "task.vip", "reason": "r", "to": "x"}]),
     "handoff[0].to", "unknown field"),
]
# fmt: on


@pytest.mark.parametrize(
    ("doc", "loc", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_problem_is_reported_at_its_path(doc: Any, loc: str, message: str) -> None:
    found = problems_of(doc)
    assert any(at == loc and message in text for at, text in found), found


def test_duplicate_slot_names_are_reported_on_the_second() -> None:
    doc = changed(slots=[GOOD["slots"][0], dict(GOOD["slots"][0], prompt="Again?")])
    assert ("slots[1].name", "slot 'email' is defined twice in this skill") in problems_of(doc)


def test_templates_may_name_values_the_skill_does_not_collect() -> None:
    # Attributes (the caller's name, the customer record) fill them in.
    skill = parse_skill(changed(success="Thanks {first_name}, booked {customer.tier}"))
    assert skill.success.startswith("Thanks")


def test_every_problem_is_reported_at_once() -> None:
    doc = changed(name="Bad Name", colour=1, retry_slot="nope", success=None)
    doc["slots"][1]["type"] = "colour"
    doc["action"] = {"kind": "webhook", "url": "ftp://x", "timeout_s": 99}
    doc["handoff"] = [{"when": "task.a ==", "reason": "r"}]
    assert set(locs(doc)) == {
        "name",
        "colour",
        "retry_slot",
        "success",
        "slots[1].type",
        "action.url",
        "action.timeout_s",
        "handoff[0].when",
    }


def test_path_prefixes_every_problem() -> None:
    assert locs(with_slot(1, type="colour")) == ["slots[1].type"]
    found = problems_of(with_slot(1, type="colour"), path="skills[3]")
    assert [loc for loc, _ in found] == ["skills[3].slots[1].type"]


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    assert locs(["name"]) == ["document"]


def test_the_error_is_invalid_input_with_a_message_listing_problems() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_skill(changed(name=None))
    assert "name: missing `name`" in str(caught.value)


def test_parse_skills_builds_a_set_and_refuses_clashes() -> None:
    other = changed(name="other", intents=["other_intent"])
    skills = parse_skills([GOOD, other])
    assert isinstance(skills, SkillSet)
    assert skills.for_intent("other_intent") is skills.get("other")
    with pytest.raises(SkillInvalid) as caught:
        parse_skills([GOOD, changed(intents=["x"]), changed(name="third")])
    assert [(p.loc, p.message) for p in caught.value.problems] == [
        ("skills[1].name", "there are two skills named 'book_demo'; rename one"),
        (
            "skills[2].intents[0]",
            "intent 'demo_request' is already served by skill 'book_demo'; one skill per intent",
        ),
    ]


def test_parse_skills_reports_problems_of_every_document() -> None:
    with pytest.raises(SkillInvalid) as caught:
        parse_skills([changed(name=None), with_slot(0, type="colour", name="other")])
    assert [p.loc for p in caught.value.problems] == ["skills[0].name", "skills[1].slots[0].type"]


YAML = """
name: order_status
intents: [order_status]
slots:
  - {name: order_id, type: order_id, prompt: "Your order number?"}
action: {kind: builtin, name: order_status}
success: "It is {result.status}."
"""


def test_load_reads_yaml_and_json() -> None:
    from_yaml = load_skill_document(YAML)
    from_json = load_skill_document(json.dumps(GOOD))
    assert from_yaml.name == "order_status" and from_yaml.slots[0].slot.type is SlotType.ORDER_ID
    assert from_json == parse_skill(GOOD)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed", "YAML syntax error at line 1"),
        ("{not json", "YAML syntax error"),
        ("", "this is nothing"),
        ("- a\n- b\n", "this is a list"),
        ("just words", "this is a str"),
        ("name: a\nname: b\n", "appears twice"),
        ("a: &x [1]\nb: *x\n", "aliases"),
    ],
    ids=["yaml syntax", "json syntax", "empty", "list", "scalar", "duplicate key", "alias"],
)
def test_load_explains_unreadable_text(text: str, message: str) -> None:
    with pytest.raises(SkillInvalid) as caught:
        load_skill_document(text, path="upload")
    assert len(caught.value.problems) == 1
    problem = caught.value.problems[0]
    assert problem.loc.startswith("upload"), problem
    assert message in problem.message, problem


def test_load_reports_the_skill_problems_of_readable_text() -> None:
    with pytest.raises(SkillInvalid) as caught:
        load_skill_document(YAML.replace("type: order_id", "type: colour"))
    assert [p.loc for p in caught.value.problems] == ["slots[0].type"]


SHIPPED = {
    "book_appointment": ("book_appointment", "appointment_book"),
    "cancel_appointment": ("cancel_appointment", "appointment_cancel"),
    "csat_survey": ("feedback", "survey_record"),
    "lead_qualification": ("lead_interest", "lead_score"),
    "order_status": ("order_status", "order_status"),
    "reschedule_appointment": ("reschedule_appointment", "appointment_reschedule"),
    "verify_identity": ("verify_identity", "verify"),
}


def test_every_shipped_skill_parses() -> None:
    skills = builtin_skills()
    assert set(skills.skills) == {*SHIPPED, "nps_survey"}
    for name, (intent, action) in SHIPPED.items():
        skill = skills.for_intent(intent)
        assert skill is not None and skill.name == name
        assert skill.action.name == action
    assert builtin_skills() is skills  # read once


def test_shipped_skills_have_what_the_dialogue_needs() -> None:
    skills = builtin_skills()
    booking = skills.get("book_appointment")
    assert booking is not None
    assert [s.name for s in booking.slots] == ["date", "time", "name"]
    assert booking.confirm == "Shall I book {date} at {time} for {name}?"
    assert booking.retry_slot == "time"
    assert "{result.alternatives}" in booking.not_found
    cancel = skills.get("cancel_appointment")
    assert cancel is not None and cancel.slots == () and cancel.confirm
    lead = skills.get("lead_qualification")
    assert lead is not None
    authority = lead.slot("authority")
    assert authority is not None
    assert authority.slot.values == ("decision maker", "influencer", "researching")
    assert lead.handoff[0].queue == "sales"
    # The rule fires on a hot lead and not on a cold one.
    rule = parse_expression(lead.handoff[0].when)
    assert rule.matches({}, {"hot": True}) and not rule.matches({}, {"hot": False})
    verify = skills.get("verify_identity")
    assert verify is not None
    assert verify.intents == ("verify_identity", "update_details")
    assert verify.action.kind is ActionKind.CRM
    assert verify.retry_slot == "email" and verify.not_found  # a mismatch asks again
    csat, nps = skills.get("csat_survey"), skills.get("nps_survey")
    assert csat is not None and nps is not None
    assert csat.slots[0].scale is QuestionKind.CSAT
    assert nps.slots[0].name == "nps" and nps.slots[0].scale is QuestionKind.NPS
    assert not nps.slots[1].required


def test_builtin_set_is_read_only() -> None:
    with pytest.raises(TypeError):
        builtin_skills().skills["x"] = builtin_skills().skills["order_status"]  # type: ignore[index]
