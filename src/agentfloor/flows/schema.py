"""The field rules of each block type: reading one block of a flow document into its dataclass.

Every reader records each problem it finds (with a JSON-path-like location) and carries on, so an
upload is answered with the whole list at once rather than one error per attempt. Branch targets
are recorded as edges for `validation` to check against the other blocks. Hand-written rather
than a pydantic model: the messages name the block and say how to fix it, and the checks that
span fields (a slot type and its values, a timetable, an expression) read more plainly in code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Final

from agentfloor.flows import hours as timetable
from agentfloor.flows import model as m
from agentfloor.flows.fields import Context, Fields, yaml_hint
from agentfloor.flows.slots import MAX_PATTERN_CHARS
from agentfloor.routing.errors import ExpressionError
from agentfloor.routing.expressions import parse_expression

__all__ = ["BLOCK_TYPES", "check_pattern", "read_block"]

_DTMF: Final = re.compile(r"^[0-9*#]{1,4}$")
_METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE")
_IDENTITIES: Final = ("phone", "email", "chat")


def _message(f: Fields) -> m.MessageBlock:
    text, target = f.text("text"), f.next("next")
    f.finish(("text", "next"))
    return m.MessageBlock(f.block_id, text, target)


def _menu(f: Fields) -> m.MenuBlock:
    prompt, reprompt = f.text("prompt"), f.text("reprompt", required=False)
    options: list[m.MenuOption] = []
    seen: dict[tuple[str, str], str] = {}
    for index, raw in enumerate(f.items("options")):
        where = f"options[{index}]"
        if not isinstance(raw, dict):
            f.problem(where, "an option is a mapping with `label`, `next` and `dtmf` or `intent`")
            f.ctx.incomplete.add(f.block_id)
            continue
        o = Fields(raw, f"{f.loc}.{where}", f.block_id, f.ctx)
        label, target = o.text("label", template=False), o.next("next")
        dtmf = raw.get("dtmf")
        dtmf = str(dtmf) if isinstance(dtmf, int) and not isinstance(dtmf, bool) else dtmf
        if dtmf is not None and not (isinstance(dtmf, str) and _DTMF.match(dtmf)):
            o.problem("dtmf", "`dtmf` must be 1-4 keys of 0-9, * or #")
            dtmf = None
        intent = o.name("intent", required=False, label=True) or None
        for key, value in (("dtmf", dtmf), ("intent", intent), ("label", label.casefold())):
            if value and (key, value) in seen:
                o.problem(key, f"{key} {value!r} is already used by {seen[key, value]}")
            elif value:
                seen[key, value] = where
        o.finish(("label", "next", "dtmf", "intent"))
        options.append(m.MenuOption(label, target, dtmf, intent))
    no_match, retries = f.next("no_match"), f.integer("max_retries", 2, 0, 10)
    f.finish(("prompt", "options", "no_match", "reprompt", "max_retries"))
    return m.MenuBlock(f.block_id, prompt, tuple(options), no_match, reprompt, retries)


def _collect(f: Fields) -> m.CollectBlock:
    raw = f.mapping("slot")
    slot = m.Slot("", m.SlotType.TEXT)
    if raw is None:
        f.problem("slot", "missing `slot`: give its `name` and `type`")
    else:
        slot = _slot(Fields(raw, f"{f.loc}.slot", f.block_id, f.ctx))
    prompt, reprompt = f.text("prompt"), f.text("reprompt", required=False)
    retries = f.integer("max_retries", 2, 0, 10)
    target, on_fail = f.next("next"), f.next("on_fail")
    f.finish(("slot", "prompt", "reprompt", "max_retries", "next", "on_fail"))
    return m.CollectBlock(f.block_id, slot, prompt, target, on_fail, reprompt, retries)


def _slot(s: Fields) -> m.Slot:
    name, kind = s.name("name"), s.text("type", template=False)
    known = ", ".join(t.value for t in m.SlotType)
    if not kind:
        kind = m.SlotType.TEXT.value
    elif kind not in {t.value for t in m.SlotType}:
        s.problem("type", f"unknown slot type {kind!r}; use one of: {known}")
        kind = m.SlotType.TEXT.value
    slot_type = m.SlotType(kind)
    values: list[str] = []
    if slot_type is m.SlotType.ENUM:
        for index, value in enumerate(s.items("values")):
            if not isinstance(value, str) or not value.strip():
                s.problem(f"values[{index}]", f"a value must be text{yaml_hint(value)}")
            else:
                values.append(value)
    elif "values" in s.raw:
        s.problem("values", "only `enum` slots take `values`")
    pattern = s.text("pattern", required=False, template=False)
    if pattern and slot_type is not m.SlotType.ORDER_ID:
        s.problem("pattern", "only `order_id` slots take a `pattern`")
    elif pattern:
        check_pattern(s, pattern)
    region = s.text("region", required=False, template=False).upper() or None
    if region and not re.fullmatch(r"[A-Z]{2}", region):
        s.problem("region", "`region` is a two-letter country code such as GB")
    s.finish(("name", "type", "values", "pattern", "region"))
    return m.Slot(name, slot_type, tuple(values), pattern, region)


def check_pattern(s: Fields, pattern: str) -> None:
    """Refuse a slot pattern with groups (runaway matching) or that is not a regex."""
    if len(pattern) > MAX_PATTERN_CHARS or re.search(r"(?<!\\)\(", pattern):
        s.problem(
            "pattern",
            f"use a pattern without groups, at most {MAX_PATTERN_CHARS} "
            "characters (e.g. 'ORD-[0-9]{6}'): no groups means no runaway matching",
        )
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        s.problem("pattern", f"not a regular expression: {exc}")


def _condition(f: Fields) -> m.ConditionBlock:
    text = f.text("expression", template=False)
    if not text.strip() and "expression" in f.raw:
        f.problem("expression", "the expression is empty; write a test such as task.vip")
    elif text:
        try:
            expression = parse_expression(text)
            if expression.uses_worker:
                f.problem(
                    "expression",
                    "a flow reads the contact as task.<attribute>; "
                    "worker.* is not known until the contact is routed",
                )
        except ExpressionError as exc:
            f.problem("expression", f"column {exc.column}: expected {exc.expected}")
    then, otherwise = f.next("then"), f.next("else")
    f.finish(("expression", "then", "else"))
    return m.ConditionBlock(f.block_id, text, then, otherwise)


def _set_attribute(f: Fields) -> m.SetAttributeBlock:
    name = f.name("name")
    if "value" not in f.raw:
        f.problem("value", "missing `value` (text with {placeholders}, a number, true/false)")
    value = f.raw.get("value")
    f.check_templates("value", value)
    target = f.next("next")
    f.finish(("name", "value", "next"))
    return m.SetAttributeBlock(f.block_id, name, value, target)


def _crm_lookup(f: Fields) -> m.CrmLookupBlock:
    raw = f.raw.get("by", list(_IDENTITIES))
    by = [raw] if isinstance(raw, str) else raw
    if not isinstance(by, list) or not by or any(b not in _IDENTITIES for b in by):
        f.problem("by", f"`by` is one or more of: {', '.join(_IDENTITIES)}")
        by = list(_IDENTITIES)
    save_as = f.name("save_as", required=False, default="customer")
    found, not_found = f.next("found"), f.next("not_found")
    f.finish(("by", "save_as", "found", "not_found"))
    return m.CrmLookupBlock(f.block_id, tuple(str(b) for b in by), found, not_found, save_as)


def _webhook(f: Fields) -> m.WebhookBlock:
    url = f.text("url")
    # The host is fixed in the document: a placeholder there would let a contact's attributes
    # choose where the request goes. Values filled into the path or query are percent-encoded.
    if url and not re.match(r"^https?://[^\s/?#{}]+(?:[/?#]|$)", url):
        f.problem("url", "the url must start with http:// or https:// and a fixed host name")
    method = f.text("method", required=False, template=False).upper() or "POST"
    if method not in _METHODS:
        f.problem("method", f"`method` is one of: {', '.join(_METHODS)}")
    headers = f.mapping("headers")
    if headers is not None:
        f.check_templates("headers", headers)
        if any(not isinstance(v, str) for v in headers.values()):
            f.problem("headers", "every header value must be text (in quotes)")
    body = f.raw.get("body")
    f.check_templates("body", body)
    timeout_s, retries = f.seconds("timeout_s", 5.0, 30.0), f.integer("retries", 0, 0, 5)
    save_as = f.name("save_as", required=False) or None
    success, error = f.next("success"), f.next("error")
    f.finish(
        ("url", "method", "headers", "body", "timeout_s", "retries", "save_as", "success", "error")
    )
    fixed = {str(k): str(v) for k, v in headers.items()} if headers else None
    return m.WebhookBlock(
        f.block_id, url, success, error, method, fixed, body, timeout_s, retries, save_as
    )


def _business_hours(f: Fields) -> m.BusinessHoursBlock:
    zone = f.text("timezone", required=False, template=False) or f.ctx.timezone or ""
    if not zone:
        f.problem("timezone", "missing `timezone`: set it on this block or on the flow")
    elif (why := timetable.timezone_problem(zone)) is not None:
        f.problem("timezone", why)
    intervals, problems = timetable.parse_hours(f.raw.get("hours"))
    for sub, message in problems:
        f.problem("hours" + sub, message)
    country = f.text("country", required=False, template=False).upper() or None
    subdivision = f.text("subdivision", required=False, template=False).upper() or None
    if country and (wrong := timetable.country_problem(country, subdivision)) is not None:
        f.problem(*wrong)
    elif subdivision and not country:
        f.problem("subdivision", "a `subdivision` needs its `country`")
    dates: list[str] = []
    raw_dates = f.raw.get("closed_dates", [])
    for index, value in enumerate(raw_dates if isinstance(raw_dates, list) else [raw_dates]):
        # YAML reads an unquoted 2026-12-25 as a date already; quoted, it is text.
        try:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            f.problem(f"closed_dates[{index}]", f"{value!r} is not a date like 2026-12-25")
        else:
            dates.append(day.isoformat())
    opened, closed = f.next("open"), f.next("closed")
    f.finish(("timezone", "hours", "country", "subdivision", "closed_dates", "open", "closed"))
    return m.BusinessHoursBlock(
        f.block_id, zone, intervals, opened, closed, country, subdivision, tuple(dates)
    )


def _ai_agent(f: Fields) -> m.AiAgentBlock:
    skill = f.name("skill", label=True)
    if skill and f.ctx.skills is not None and skill not in f.ctx.skills:
        known = ", ".join(sorted(f.ctx.skills)) or "none yet"
        f.problem("skill", f"there is no skill {skill!r}; known skills: {known}")
    contained, handoff = f.next("on_contained"), f.next("on_handoff")
    f.finish(("skill", "on_contained", "on_handoff"))
    return m.AiAgentBlock(f.block_id, skill, contained, handoff)


def _enqueue(f: Fields) -> m.EnqueueBlock:
    workflow = f.reference("workflow_id", f.ctx.workflows, "workflow")
    queue = f.reference("queue_id", f.ctx.queues, "queue")
    if (workflow is None) == (queue is None):
        f.problem("", "give exactly one of `workflow_id` (routing rules) or `queue_id`")
    priority = f.integer("priority", 0, -1000, 1000)
    attributes = f.mapping("attributes")
    f.check_templates("attributes", attributes)
    position = f.text("position_message", required=False)
    wait = f.text("wait_message", required=False)
    on_error = f.next("on_error", required=False) or None
    f.finish(
        (
            "workflow_id",
            "queue_id",
            "priority",
            "attributes",
            "position_message",
            "wait_message",
            "on_error",
        )
    )
    fixed = {str(k): v for k, v in attributes.items()} if attributes else None
    return m.EnqueueBlock(f.block_id, workflow, queue, priority, fixed, position, wait, on_error)


def _transfer(f: Fields) -> m.TransferBlock:
    queue = f.reference("queue_id", f.ctx.queues, "queue")
    worker = f.text("worker_id", required=False, template=False) or None
    if (queue is None) == (worker is None):
        f.problem("", "give exactly one of `queue_id` or `worker_id`")
    message = f.text("message", required=False)
    f.finish(("queue_id", "worker_id", "message"))
    return m.TransferBlock(f.block_id, queue, worker, message)


def _callback_offer(f: Fields) -> m.CallbackOfferBlock:
    prompt = f.text("prompt")
    queue = f.reference("queue_id", f.ctx.queues, "queue")
    number = f.name("number_attribute", required=False, default="phone")
    retries = f.integer("max_retries", 1, 0, 10)
    accepted, declined = f.next("accepted"), f.next("declined")
    f.finish(("prompt", "queue_id", "number_attribute", "max_retries", "accepted", "declined"))
    return m.CallbackOfferBlock(f.block_id, prompt, accepted, declined, queue, number, retries)


def _survey(f: Fields) -> m.SurveyBlock:
    questions: list[m.SurveyQuestion] = []
    kinds = ", ".join(k.value for k in m.QuestionKind)
    for index, raw in enumerate(f.items("questions")):
        where = f"questions[{index}]"
        if not isinstance(raw, dict):
            f.problem(where, "a question is a mapping with `id`, `kind` and `prompt`")
            continue
        q = Fields(raw, f"{f.loc}.{where}", f.block_id, f.ctx)
        ident, kind, prompt = q.name("id"), q.text("kind", template=False), q.text("prompt")
        if kind and kind not in {k.value for k in m.QuestionKind}:
            q.problem("kind", f"unknown question kind {kind!r}; use one of: {kinds}")
        if ident and ident in {question.id for question in questions}:
            q.problem("id", f"question id {ident!r} is used twice in this survey")
        q.finish(("id", "kind", "prompt"))
        if q.ok:
            questions.append(m.SurveyQuestion(ident, m.QuestionKind(kind), prompt))
    retries, target = f.integer("max_retries", 1, 0, 10), f.next("next")
    f.finish(("questions", "max_retries", "next"))
    return m.SurveyBlock(f.block_id, tuple(questions), target, retries)


def _end(f: Fields) -> m.EndBlock:
    message = f.text("message", required=False)
    f.finish(("message",))
    return m.EndBlock(f.block_id, message)


_READERS: Final[dict[str, Callable[[Fields], m.Block]]] = {
    "message": _message,
    "menu": _menu,
    "collect": _collect,
    "condition": _condition,
    "set_attribute": _set_attribute,
    "crm_lookup": _crm_lookup,
    "webhook": _webhook,
    "business_hours": _business_hours,
    "ai_agent": _ai_agent,
    "enqueue": _enqueue,
    "transfer": _transfer,
    "callback_offer": _callback_offer,
    "survey": _survey,
    "end": _end,
}
BLOCK_TYPES: Final = tuple(_READERS)


def read_block(block_id: str, raw: dict[object, object], loc: str, ctx: Context) -> m.Block | None:
    """Read one block (its `type` already known to be in `BLOCK_TYPES`); None if it has problems."""
    before = len(ctx.problems)
    block = _READERS[str(raw["type"])](Fields(raw, loc, block_id, ctx))
    return block if len(ctx.problems) == before else None
