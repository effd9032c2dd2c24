"""Reading skill documents: check all of one (or a set) and report every problem with its path.

A skill arrives as YAML or JSON (a tenant's upload, or the files shipped beside this module,
`builtin_skills`). `parse_skill` reads it the way `flows.validation` reads a flow: each field
through `flows.fields.Fields`, so a missing or mistyped field becomes a `ProblemDetail` at its
path (`slots[1].type`, `action.url`, `handoff[0].when`) and reading carries on; the caller gets
every problem in one `SkillInvalid` (a 422). Templates are checked with the flow template checker
and handoff rules with the routing expression parser, so a skill fails on upload, never mid-call.
Hand-written rather than a pydantic model for the same reason as flows: messages that name the
field and say how to fix it, and checks that span fields (a slot's type and its values, an
action's kind and its keys) read plainly in code.

A skill document:

```yaml
name: book_appointment            # ^[a-z][a-z0-9_]{0,63}$, unique in a skill set
description: Book a visit         # optional
intents: [book_appointment]       # [] when only a flow starts it; one skill per intent
slots:                            # optional, asked in order
  - name: date                    # ^[a-z][a-z0-9_]{0,63}$, unique in the skill
    type: date                    # text number date time phone email money order_id enum
    prompt: What day suits you?   # template
    reprompt: ...                 # optional template
    required: true                # optional, default true
    scale: csat                   # optional: csat (1-5) or nps (0-10); type is then number
    values: [a, b]                # enum slots only, non-empty
    pattern: "ORD-[0-9]{6}"       # order_id slots only, no groups
    region: GB                    # phone slots only
    max_retries: 2                # optional, 0-10
confirm: Shall I book {date}?     # optional template, asked before the action
action:                           # kind: builtin (name), crm (name: lookup|verify),
  kind: builtin                   #   webhook (url, method, headers, body, timeout_s,
  name: appointment_book          #   retries) or none
success: You're booked.           # template; {result.<key>} reads the action's answer
not_found: That time is taken.    # optional template, said when result.found is false
retry_slot: time                  # optional: the slot asked again after not_found
failure: Sorry, ...               # optional template, said when the action fails
handoff:                          # optional rules checked after the action
  - {when: "task.hot == true", reason: hot lead, queue: sales}
```
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from importlib import resources
from types import MappingProxyType
from typing import Final

from agentfloor.agents.skills.model import (
    ActionKind,
    HandoffRule,
    Skill,
    SkillAction,
    SkillSet,
    SkillSlot,
)
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.flows.errors import FlowInvalid
from agentfloor.flows.fields import Context, Fields, yaml_hint
from agentfloor.flows.model import QuestionKind, Slot, SlotType
from agentfloor.flows.schema import check_pattern
from agentfloor.flows.validation import load_document
from agentfloor.routing.errors import ExpressionError
from agentfloor.routing.expressions import parse_expression

__all__ = [
    "BUILTIN_ACTIONS",
    "CRM_ACTIONS",
    "SkillInvalid",
    "builtin_skills",
    "load_skill_document",
    "parse_skill",
    "parse_skills",
]

# The actions the runtime carries out itself (see `SkillAction`).
BUILTIN_ACTIONS: Final = (
    "appointment_book",
    "appointment_cancel",
    "appointment_reschedule",
    "lead_score",
    "order_status",
    "survey_record",
    "verify_identity",
)
CRM_ACTIONS: Final = ("lookup", "verify")

_NAME: Final = re.compile(r"^[a-z][a-z0-9_]{0,63}$")  # skills and slots
_LABEL: Final = re.compile(r"^[^\W\d][\w.-]{0,63}$")  # intents and queues, as in flows
_TOP: Final = (
    "name",
    "description",
    "intents",
    "slots",
    "confirm",
    "action",
    "success",
    "not_found",
    "retry_slot",
    "failure",
    "handoff",
)
_SLOT_KEYS: Final = (
    "name",
    "type",
    "prompt",
    "reprompt",
    "required",
    "scale",
    "values",
    "pattern",
    "region",
    "max_retries",
)
_ACTION_KEYS: Final = {
    ActionKind.BUILTIN: ("kind", "name"),
    ActionKind.CRM: ("kind", "name"),
    ActionKind.WEBHOOK: ("kind", "url", "method", "headers", "body", "timeout_s", "retries"),
    ActionKind.NONE: ("kind",),
}
_ALL_ACTION_KEYS: Final = tuple(dict.fromkeys(k for keys in _ACTION_KEYS.values() for k in keys))
_METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE")
# The host is fixed in the document (as for a flow's webhook block): a placeholder there would
# let a customer's words choose where the request goes.
_URL: Final = re.compile(r"^https?://[^\s/?#{}]+(?:[/?#]|$)")
_TIMEOUT_S: Final = (0.1, 30.0)
_RETRIES: Final = (0, 5)
_SCALES: Final = (QuestionKind.CSAT.value, QuestionKind.NPS.value)
# `{result...}` in a template, ignoring literal braces `{{`; the confirmation is asked before
# the action runs, so a result placeholder there would always be empty.
_RESULT: Final = re.compile(r"\{\s*result\s*(?:[.}])")
_SHOWN: Final = 10  # problems quoted in the one-line message; `problems` always holds all


class SkillInvalid(InvalidInput):
    """A skill document (or set) with problems; `problems` lists every one with its path."""

    def __init__(self, problems: list[ProblemDetail]) -> None:
        count = len(problems)
        listed = "; ".join(f"{p.loc}: {p.message}" for p in problems[:_SHOWN])
        more = f"; and {count - _SHOWN} more" if count > _SHOWN else ""
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"the skill has {count} {noun}; fix them and upload it again: {listed}{more}",
            problems=problems,
        )


class _Fields(Fields):
    """`Fields` for a skill: paths join without a leading dot, and every key must be known.

    (A flow block may carry `type` and `description` besides its own fields; a skill may not.)
    """

    def problem(self, name: str, message: str) -> None:
        self.ok = False
        loc = ".".join(part for part in (self.loc, name) if part) or "document"
        self.ctx.problems.append(ProblemDetail(loc, message))

    def finish(self, known: tuple[str, ...]) -> None:
        for key in self.raw:
            if key not in known:
                self.problem(str(key), f"unknown field `{key}`; known: {', '.join(known)}")

    def at(self, raw: dict[object, object], name: str) -> _Fields:
        """Fields of a nested mapping, at `name` below this one."""
        loc = ".".join(part for part in (self.loc, name) if part)
        return _Fields(raw, loc, self.block_id, self.ctx)

    def snake(self, name: str, *, required: bool = True) -> str:
        """Read a skill or slot name: lower case letters, digits and '_', a letter first."""
        text = self.text(name, required=required, template=False)
        if text and not _NAME.match(text):
            self.problem(
                name, f"{text!r} is not a name; use a-z, 0-9 and '_', starting with a letter"
            )
        return text

    def label(self, name: str, value: object) -> str | None:
        """Check an intent or queue name found at `name`; None when it is not one."""
        if not isinstance(value, str) or not _LABEL.match(value):
            why = yaml_hint(value) if not isinstance(value, str) else ""
            self.problem(
                name,
                f"{value!r} is not a name; start with a letter and use letters, digits, "
                f"'_', '-' or '.'{why}",
            )
            return None
        return value


def parse_skill(doc: Mapping[str, object], *, path: str = "") -> Skill:
    """Check a parsed skill document completely and return the skill.

    Args:
        doc: The document (a mapping, as YAML or JSON gives it).
        path: Prefix for problem paths (`skills[2]`), empty for a document on its own.

    Raises:
        SkillInvalid: Every problem found, each with its path (`slots[1].type`).
    """
    ctx = Context()
    skill = _read_skill(doc, path, ctx)
    if ctx.problems or skill is None:
        raise SkillInvalid(ctx.problems)
    return skill


def parse_skills(docs: Iterable[Mapping[str, object]], *, path: str = "skills") -> SkillSet:
    """Check several skill documents and return them as one set.

    Besides each skill's own problems: two skills with one name, or two skills serving one
    intent (the second would never be chosen), are problems too.

    Raises:
        SkillInvalid: Every problem of every document, at `skills[<index>].<field>`.
    """
    return _parse_set([(f"{path}[{index}]", doc) for index, doc in enumerate(docs)])


def load_skill_document(text: str, *, path: str = "") -> Skill:
    """Read a skill from YAML or JSON text (JSON is YAML too) and check it completely.

    Duplicate keys, aliases, over-deep nesting and syntax errors (with line and column) are
    refused as for a flow document.

    Raises:
        SkillInvalid: The text does not parse, is not a mapping, or the skill has problems.
    """
    return parse_skill(_load(text, path), path=path)


@functools.cache
def builtin_skills() -> SkillSet:
    """Return the skills every tenant starts with: the YAML files shipped beside this module.

    Read and checked once per process; the set is read-only (it is shared).

    Raises:
        SkillInvalid: A shipped file has a problem (a packaging bug; the tests read them all).
    """
    folder = resources.files("agentfloor.agents.skills")
    files = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".yaml")),
        key=lambda entry: entry.name,
    )
    docs = [(entry.name, _load(entry.read_text(encoding="utf-8"), entry.name)) for entry in files]
    found = _parse_set(docs)
    return SkillSet(MappingProxyType(dict(found.skills)))


def _load(text: str, path: str) -> Mapping[str, object]:
    try:
        doc = load_document(text)
    except FlowInvalid as exc:
        raise SkillInvalid([_under(path, p) for p in exc.problems]) from None
    if not isinstance(doc, dict):
        kind = "nothing" if doc is None else f"a {type(doc).__name__}"
        shape = (
            f"a skill is a mapping with `name`, `intents`, `action` and `success`; this is {kind}"
        )
        raise SkillInvalid([ProblemDetail(path or "document", shape)])
    return doc


def _under(path: str, problem: ProblemDetail) -> ProblemDetail:
    if not path:
        return problem
    loc = path if problem.loc == "document" else f"{path}.{problem.loc}"
    return ProblemDetail(loc, problem.message)


def _parse_set(docs: Sequence[tuple[str, object]]) -> SkillSet:
    ctx = Context()
    skills: dict[str, Skill] = {}
    served: dict[str, str] = {}  # intent -> skill name
    for path, doc in docs:
        skill = _read_skill(doc, path, ctx)
        if skill is None:
            continue
        if skill.name in skills:
            twice = f"there are two skills named {skill.name!r}; rename one"
            ctx.problems.append(ProblemDetail(_join(path, "name"), twice))
            continue
        skills[skill.name] = skill
        for index, intent in enumerate(skill.intents):
            if intent in served:
                taken = (
                    f"intent {intent!r} is already served by skill {served[intent]!r}; "
                    "one skill per intent"
                )
                ctx.problems.append(ProblemDetail(_join(path, f"intents[{index}]"), taken))
            else:
                served[intent] = skill.name
    if ctx.problems:
        raise SkillInvalid(ctx.problems)
    return SkillSet(skills)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _read_skill(doc: object, path: str, ctx: Context) -> Skill | None:
    """Read one skill, adding its problems to `ctx`; None when it has any."""
    if not isinstance(doc, Mapping):
        kind = "nothing" if doc is None else f"a {type(doc).__name__}"
        shape = (
            f"a skill is a mapping with `name`, `intents`, `action` and `success`; this is {kind}"
        )
        ctx.problems.append(ProblemDetail(path or "document", shape))
        return None
    before = len(ctx.problems)
    f = _Fields(dict(doc), path, path, ctx)
    name = f.snake("name")
    description = f.text("description", required=False, template=False)
    intents = _intents(f)
    slots = _slots(f)
    confirm = f.text("confirm", required=False) or None
    if confirm and _RESULT.search(confirm.replace("{{", "")):
        f.problem(
            "confirm",
            "the confirmation is asked before the action runs, so {result...} is empty there",
        )
    action = _action(f)
    success = f.text("success")
    not_found = f.text("not_found", required=False)
    retry_slot = f.snake("retry_slot", required=False) or None
    names = [slot.name for slot in slots]
    if retry_slot and retry_slot not in names:
        known = ", ".join(dict.fromkeys(names)) or "none"
        f.problem("retry_slot", f"there is no slot {retry_slot!r} in this skill; slots: {known}")
    failure = f.text("failure", required=False)
    handoff = _handoff(f)
    f.finish(_TOP)
    if len(ctx.problems) > before or action is None:
        return None
    skill = Skill(
        name=name,
        description=description,
        intents=intents,
        slots=slots,
        action=action,
        success=success,
        confirm=confirm,
        not_found=not_found,
        retry_slot=retry_slot,
        handoff=handoff,
    )
    return replace(skill, failure=failure) if failure else skill


def _intents(f: _Fields) -> tuple[str, ...]:
    raw = f.raw.get("intents")
    if isinstance(raw, str):
        raw = [raw]  # `intents: order_status` means the one intent
    if not isinstance(raw, list):
        # An empty list is allowed: a skill that only a flow's ai_agent block starts by name.
        f.problem("intents", "`intents` must be a list of intent names ([] for none)")
        return ()
    intents: list[str] = []
    for index, value in enumerate(raw):
        intent = f.label(f"intents[{index}]", value)
        if intent is not None and intent in intents:
            f.problem(f"intents[{index}]", f"intent {intent!r} is listed twice")
        elif intent is not None:
            intents.append(intent)
    return tuple(intents)


def _slots(f: _Fields) -> tuple[SkillSlot, ...]:
    raw = f.raw.get("slots", [])
    if not isinstance(raw, list):
        f.problem("slots", f"`slots` must be a list of slots{yaml_hint(raw)}")
        return ()
    slots: list[SkillSlot] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"slots[{index}]"
        if not isinstance(item, dict):
            f.problem(where, "a slot is a mapping with `name`, `type` and `prompt`")
            continue
        slot = _slot(f.at(item, where))
        if slot.name and slot.name in seen:
            f.problem(f"{where}.name", f"slot {slot.name!r} is defined twice in this skill")
        seen.add(slot.name)
        slots.append(slot)
    return tuple(slots)


def _slot(s: _Fields) -> SkillSlot:
    name = s.snake("name")
    scale_text = s.text("scale", required=False, template=False)
    scale: QuestionKind | None = None
    if scale_text and scale_text not in _SCALES:
        s.problem("scale", f"unknown scale {scale_text!r}; use one of: {', '.join(_SCALES)}")
    elif scale_text:
        scale = QuestionKind(scale_text)
    # An unknown type is one problem: the fields that depend on the type are not checked.
    known = _slot_type(s, scale)
    slot_type = known or SlotType.TEXT
    values = _values(s, slot_type) if known else ()
    pattern = s.text("pattern", required=False, template=False)
    if pattern and known and slot_type is not SlotType.ORDER_ID:
        s.problem("pattern", "only `order_id` slots take a `pattern`")
    elif pattern:
        check_pattern(s, pattern)  # the same rule as a flow's collect slot
    region = s.text("region", required=False, template=False).upper() or None
    if region and known and slot_type is not SlotType.PHONE:
        s.problem("region", "only `phone` slots take a `region`")
    elif region and not re.fullmatch(r"[A-Z]{2}", region):
        s.problem("region", "`region` is a two-letter country code such as GB")
    prompt = s.text("prompt")
    reprompt = s.text("reprompt", required=False)
    required = s.raw.get("required", True)
    if not isinstance(required, bool):
        s.problem("required", "`required` is true or false")
        required = True
    retries = s.integer("max_retries", 2, 0, 10)
    s.finish(_SLOT_KEYS)
    slot = Slot(name, slot_type, values, pattern if slot_type is SlotType.ORDER_ID else "", region)
    return SkillSlot(slot, prompt, reprompt, required, scale, retries)


def _slot_type(s: _Fields, scale: QuestionKind | None) -> SlotType | None:
    """Return the slot's type (number for a scale slot without one); None when unknown."""
    kind = s.text("type", required=scale is None and "scale" not in s.raw, template=False)
    known = ", ".join(t.value for t in SlotType)
    if not kind:
        return SlotType.NUMBER if scale is not None else None
    if kind not in {t.value for t in SlotType}:
        s.problem("type", f"unknown slot type {kind!r}; use one of: {known}")
        return None
    if scale is not None and kind != SlotType.NUMBER.value:
        s.problem("type", "a slot with a `scale` reads a number; leave `type` out or use number")
    return SlotType(kind)


def _values(s: _Fields, slot_type: SlotType) -> tuple[str, ...]:
    if slot_type is not SlotType.ENUM:
        if "values" in s.raw:
            s.problem("values", "only `enum` slots take `values`")
        return ()
    values: list[str] = []
    for index, value in enumerate(s.items("values")):
        if not isinstance(value, str) or not value.strip():
            s.problem(f"values[{index}]", f"a value must be non-empty text{yaml_hint(value)}")
        elif value.strip().casefold() in {v.casefold() for v in values}:
            s.problem(f"values[{index}]", f"{value!r} is listed twice")
        else:
            values.append(value.strip())
    return tuple(values)


def _action(f: _Fields) -> SkillAction | None:
    raw = f.mapping("action")
    if raw is None:
        if f.raw.get("action") is None:
            f.problem("action", "missing `action`: give its `kind` (builtin, crm, webhook or none)")
        return None
    a = f.at(raw, "action")
    kinds = ", ".join(k.value for k in ActionKind)
    text = a.text("kind", template=False)
    if text and text not in {k.value for k in ActionKind}:
        a.problem("kind", f"unknown action kind {text!r}; use one of: {kinds}")
    if not text or text not in {k.value for k in ActionKind}:
        a.finish(_ALL_ACTION_KEYS)
        return None
    kind = ActionKind(text)
    action: SkillAction | None = None
    if kind is ActionKind.BUILTIN:
        name = _choice(a, BUILTIN_ACTIONS, "builtin action")
        action = SkillAction(kind, name)
    elif kind is ActionKind.CRM:
        action = SkillAction(kind, _choice(a, CRM_ACTIONS, "crm action"))
    elif kind is ActionKind.WEBHOOK:
        action = _webhook(a)
    else:
        action = SkillAction(kind)
    a.finish(_ACTION_KEYS[kind])
    return action if a.ok else None


def _choice(a: _Fields, known: tuple[str, ...], what: str) -> str:
    name = a.text("name", template=False)
    if name and name not in known:
        a.problem("name", f"unknown {what} {name!r}; use one of: {', '.join(known)}")
    return name


def _webhook(a: _Fields) -> SkillAction:
    url = a.text("url")
    if url and not _URL.match(url):
        a.problem("url", "the url must start with http:// or https:// and a fixed host name")
    method = a.text("method", required=False, template=False).upper() or "POST"
    if method not in _METHODS:
        a.problem("method", f"`method` is one of: {', '.join(_METHODS)}")
    headers = a.mapping("headers")
    fixed: dict[str, str] = {}
    if headers is not None:
        a.check_templates("headers", headers)
        for key, value in headers.items():
            if not isinstance(value, str):
                a.problem(f"headers.{key}", f"a header value must be text{yaml_hint(value)}")
            else:
                fixed[str(key)] = value
    body = a.raw.get("body")
    a.check_templates("body", body)
    timeout = a.raw.get("timeout_s", 5.0)
    low, high = _TIMEOUT_S
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        a.problem("timeout_s", f"`timeout_s` must be a number of seconds{yaml_hint(timeout)}")
        timeout = 5.0
    elif not low <= timeout <= high:
        a.problem("timeout_s", f"`timeout_s` must be from {low:g} to {high:g} seconds")
        timeout = 5.0
    retries = a.integer("retries", 0, *_RETRIES)
    return SkillAction(
        ActionKind.WEBHOOK,
        url=url,
        method=method,
        headers=fixed,
        body=body,
        timeout_s=float(timeout),
        retries=retries,
    )


def _handoff(f: _Fields) -> tuple[HandoffRule, ...]:
    raw = f.raw.get("handoff", [])
    if not isinstance(raw, list):
        f.problem("handoff", f"`handoff` must be a list of rules{yaml_hint(raw)}")
        return ()
    rules: list[HandoffRule] = []
    for index, item in enumerate(raw):
        where = f"handoff[{index}]"
        if not isinstance(item, dict):
            f.problem(where, "a handoff rule is a mapping with `when` and `reason`")
            continue
        r = f.at(item, where)
        when = r.text("when", template=False)
        if "when" in item and not when.strip():
            r.problem("when", "the rule is empty; write a test such as task.hot == true")
        elif when:
            _check_expression(r, when)
        reason = r.text("reason", template=False)
        queue = r.raw.get("queue")
        if queue is not None:
            queue = r.label("queue", queue)
        r.finish(("when", "reason", "queue"))
        rules.append(HandoffRule(when, reason, queue))
    return tuple(rules)


def _check_expression(r: _Fields, when: str) -> None:
    try:
        expression = parse_expression(when)
    except ExpressionError as exc:
        r.problem("when", f"column {exc.column}: expected {exc.expected}")
        return
    if expression.uses_worker:
        r.problem(
            "when",
            "a rule reads the conversation as task.<name> (slots, attributes, the action's "
            "result); worker.* is not known until the contact is routed",
        )
