"""A tenant's AI agent settings: on or off, entry flow, handoff targets, skills, answers, calendar.

Stored as one JSON document per tenant (`uow.assistant`) and read through `AssistantSettings`,
which validates a whole document at once and names every problem by its path (a 422 from
`PUT /v1/assistant`). Unset keys take the defaults below, so a tenant that never configured
anything still gets an AI agent with the built-in skills and FAQ answers.

Voice keys: `order_prefixes` (the letters order numbers start with, for speech recognition),
`speech_confirm_below` (read a spoken answer back below this recogniser confidence) and
`recording` (record calls, after a consent prompt; off by default).
"""

from __future__ import annotations

import functools
import json
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from agentfloor.agents.calendar import SlotCalendar
from agentfloor.agents.defaults import default_training
from agentfloor.agents.dialogue import DialoguePolicy
from agentfloor.agents.skills.model import SkillSet
from agentfloor.agents.skills.parse import builtin_skills, parse_skill
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.runtime.uow import UnitOfWork

__all__ = [
    "DEFAULT_ORDER_PREFIXES",
    "DEFAULT_SPEECH_CONFIRM_BELOW",
    "AssistantSettings",
    "load_settings",
    "parse_settings",
]

_KEYS: Final = frozenset(
    {
        "enabled",
        "timezone",
        "region",
        "flow_id",
        "greeting",
        "handoff_workflows",
        "answers",
        "skills",
        "disabled_skills",
        "low_confidence_limit",
        "negative_sentiment",
        "negative_limit",
        "calendar",
        "orders_webhook",
        "knowledge",
        "order_prefixes",
        "speech_confirm_below",
        "recording",
    }
)
# Order numbers read `LETTERS-DIGITS` (`ORD-100001`); the letters are what speech recognition
# is told to expect, so a tenant whose orders start otherwise sets its own.
DEFAULT_ORDER_PREFIXES: Final = ("ORD",)
# Below this recogniser confidence a spoken slot value or menu choice is read back for a yes or
# no before the AI agent gets it. Offline pocketsphinx reports 1.0 on everything (see
# runtime.voice), so on the default stack only hosted engines' confidences trigger it.
DEFAULT_SPEECH_CONFIRM_BELOW: Final = 0.6
_DEFAULT_HOURS: Final = {"mon-fri": "09:00-17:00"}
_GREETING: Final = (
    "Hi! I'm the virtual assistant. I can check an order, book, move or cancel an appointment, "
    "tell you about our products, or put you through to a person. How can I help?"
)


@dataclass(frozen=True, slots=True)
class AssistantSettings:
    """One tenant's AI agent, validated. `document` is what was stored (for GET)."""

    document: dict[str, Any]
    enabled: bool = True
    timezone: str = "UTC"
    region: str | None = None
    flow_id: str | None = None
    greeting: str = _GREETING
    handoff_workflows: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    skills: SkillSet = field(default_factory=lambda: SkillSet({}))
    low_confidence_limit: int = 2
    negative_sentiment: float = -0.5
    negative_limit: int = 2
    calendar: SlotCalendar = field(default_factory=lambda: SlotCalendar(hours=_DEFAULT_HOURS))
    orders_webhook: str | None = None
    knowledge: tuple[str, ...] = ()
    order_prefixes: tuple[str, ...] = DEFAULT_ORDER_PREFIXES
    speech_confirm_below: float = DEFAULT_SPEECH_CONFIRM_BELOW
    recording: bool = False

    def policy(self) -> DialoguePolicy:
        """Return the dialogue policy these settings describe."""
        return DialoguePolicy(
            low_confidence_limit=self.low_confidence_limit,
            negative_sentiment=self.negative_sentiment,
            negative_limit=self.negative_limit,
            answers=self.answers,
            greeting=self.greeting,
        )

    def enums(self) -> dict[str, list[str]]:
        """Every enum slot's values by slot name, for entity extraction."""
        return {
            s.name: list(s.slot.values)
            for skill in self.skills.skills.values()
            for s in skill.slots
            if s.slot.values
        }


def load_settings(uow: UnitOfWork) -> AssistantSettings:
    """Return the tenant's settings (defaults when it never stored any).

    Parsed settings are cached by their JSON text: every chat message reads them, and parsing
    validates every skill document.
    """
    return _parsed(json.dumps(uow.assistant.get() or {}, sort_keys=True))


@functools.lru_cache(maxsize=512)
def _parsed(text: str) -> AssistantSettings:
    return parse_settings(json.loads(text))


def parse_settings(doc: Mapping[str, Any]) -> AssistantSettings:
    """Validate a settings document whole.

    Raises:
        InvalidInput: with one problem per wrong key, by path (`skills[0].slots[1].type`).
    """
    if not isinstance(doc, Mapping):
        raise InvalidInput(
            "the assistant settings must be a JSON object",
            problems=[ProblemDetail("body", "expected an object")],
        )
    problems: list[ProblemDetail] = []
    for key in sorted(set(doc) - _KEYS):
        problems.append(ProblemDetail(key, f"unknown setting; known: {', '.join(sorted(_KEYS))}"))

    def typed(key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        value = doc.get(key, default)
        if value is not None and not isinstance(value, kind):
            problems.append(ProblemDetail(key, f"expected {_kind_name(kind)}"))
            return default
        return value

    enabled = typed("enabled", bool, True)
    timezone = typed("timezone", str, "UTC")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(ProblemDetail("timezone", f"{timezone!r} is not an IANA timezone"))
        timezone = "UTC"
    region = typed("region", str, None)
    if region is not None and not re.fullmatch(r"[A-Za-z]{2}", region):
        problems.append(ProblemDetail("region", "a two-letter country code such as GB or US"))
    flow_id = typed("flow_id", str, None)
    greeting = typed("greeting", str, _GREETING) or _GREETING
    handoff = _str_map(typed("handoff_workflows", dict, {}), "handoff_workflows", problems)
    _, default_answers = default_training()
    answers = {**default_answers, **_str_map(typed("answers", dict, {}), "answers", problems)}
    skills = _skills(typed("skills", list, []), typed("disabled_skills", list, []), problems)
    low = typed("low_confidence_limit", int, 2)
    negative = typed("negative_sentiment", (int, float), -0.5)
    negative_limit = typed("negative_limit", int, 2)
    if not 1 <= low <= 10:
        problems.append(ProblemDetail("low_confidence_limit", "between 1 and 10"))
    if not -1 <= negative <= 0:
        problems.append(ProblemDetail("negative_sentiment", "between -1 and 0"))
    if not 1 <= negative_limit <= 10:
        problems.append(ProblemDetail("negative_limit", "between 1 and 10"))
    calendar = _calendar(typed("calendar", dict, {}), timezone, problems)
    orders_webhook = typed("orders_webhook", str, None)
    if orders_webhook is not None and not re.match(r"^https?://", orders_webhook):
        problems.append(ProblemDetail("orders_webhook", "an http:// or https:// URL template"))
    knowledge = typed("knowledge", list, [])
    for i, article in enumerate(knowledge):
        if not isinstance(article, str) or not article.strip() or len(article) > 4000:
            problems.append(ProblemDetail(f"knowledge[{i}]", "a text of 1-4000 characters"))
    prefixes = typed("order_prefixes", list, list(DEFAULT_ORDER_PREFIXES))
    for i, prefix in enumerate(prefixes):
        if not isinstance(prefix, str) or not re.fullmatch(r"[A-Za-z]{2,4}", prefix):
            problems.append(ProblemDetail(f"order_prefixes[{i}]", "two to four letters, e.g. ORD"))
    if not prefixes:
        problems.append(ProblemDetail("order_prefixes", "at least one prefix"))
    confirm_below = typed("speech_confirm_below", (int, float), DEFAULT_SPEECH_CONFIRM_BELOW)
    if isinstance(confirm_below, bool) or not 0 <= confirm_below <= 1:
        problems.append(ProblemDetail("speech_confirm_below", "a number between 0 and 1"))
    recording = typed("recording", bool, False)
    if problems:
        raise InvalidInput("the assistant settings have problems", problems=problems)
    assert calendar is not None  # None comes with a problem, raised above
    return AssistantSettings(
        document=dict(doc),
        enabled=enabled,
        timezone=timezone,
        region=region.upper() if region else None,
        flow_id=flow_id,
        greeting=greeting,
        handoff_workflows=handoff,
        answers=answers,
        skills=skills,
        low_confidence_limit=low,
        negative_sentiment=float(negative),
        negative_limit=negative_limit,
        calendar=calendar,
        orders_webhook=orders_webhook,
        knowledge=tuple(knowledge),
        order_prefixes=tuple(dict.fromkeys(str(p).upper() for p in prefixes)),
        speech_confirm_below=float(confirm_below),
        recording=bool(recording),
    )


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {bool: "true or false", str: "a string", int: "a whole number", float: "a number"}
    names |= {dict: "an object", list: "a list"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _str_map(value: dict[str, Any], path: str, problems: list[ProblemDetail]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(item, str) or not item.strip():
            problems.append(ProblemDetail(f"{path}.{key}", "expected a non-empty string"))
        else:
            out[str(key)] = item
    return out


def _skills(custom: list[Any], disabled: list[Any], problems: list[ProblemDetail]) -> SkillSet:
    skills = dict(builtin_skills().skills)
    for i, doc in enumerate(custom):
        try:
            skill = parse_skill(doc, path=f"skills[{i}]")
        except InvalidInput as exc:
            problems.extend(exc.problems)
            continue
        skills[skill.name] = skill
    for i, name in enumerate(disabled):
        if not isinstance(name, str) or name not in skills:
            problems.append(
                ProblemDetail(
                    f"disabled_skills[{i}]", f"no skill {name!r}; known: {sorted(skills)}"
                )
            )
        else:
            skills.pop(name)
    return SkillSet(skills)


def _calendar(
    doc: dict[str, Any], timezone: str, problems: list[ProblemDetail]
) -> SlotCalendar | None:
    """Build the appointment calendar; `SlotCalendar` checks every setting by path."""
    known = {"hours", "slot_minutes", "resources", "horizon_days", "closed_dates"}
    unknown = sorted(set(doc) - known)
    for key in unknown:
        problems.append(ProblemDetail(f"calendar.{key}", f"unknown; known: {sorted(known)}"))
    if unknown:
        return None
    try:
        return SlotCalendar(
            hours=doc.get("hours", _DEFAULT_HOURS),
            timezone=timezone,
            slot_minutes=doc.get("slot_minutes", 30),
            resources=tuple(doc.get("resources", ("default",))),
            horizon_days=doc.get("horizon_days", 60),
            closed_dates=tuple(doc.get("closed_dates", ())),
        )
    except (InvalidInput, TypeError) as exc:
        if isinstance(exc, InvalidInput):
            problems.extend(ProblemDetail(f"calendar.{p.loc}", p.message) for p in exc.problems)
        else:
            problems.append(ProblemDetail("calendar", str(exc)))
        return None
