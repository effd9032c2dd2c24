"""Reading a STAR dialogue document: the customer's messages and the wizard's last query."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any, Final

from agentfloor.agents.star.model import StarDialogue

__all__ = ["parse_constraint", "read_dialogue"]

_CALL: Final = re.compile(r"api\.(\w+)\((.*)\)", re.S)
_BARE: Final = re.compile(r"[\w.+-]+")  # an unquoted value such as 0123 (not valid JSON)


def read_dialogue(doc: Mapping[str, Any], tasks: Collection[str]) -> StarDialogue | None:
    """Return a dialogue to replay, or None when it is not one.

    One is: the wizard could do exactly one task, one of `tasks`; the dialogue is `Complete`; and
    the wizard queried that task's API at least once.
    """
    scenario = doc.get("Scenario") or {}
    capable = [str(c.get("Task")) for c in scenario.get("WizardCapabilities") or ()]
    if len(capable) != 1 or capable[0] not in tasks or doc.get("CompletionLevel") != "Complete":
        return None
    task = capable[0]
    events = doc.get("Events") or ()
    queries = [e for e in events if e.get("Action") == "query" and e.get("APIName") == task]
    if not queries:
        return None
    turns = tuple(
        str(e["Text"])
        for e in events
        if e.get("Agent") == "User" and e.get("Action") == "utter" and str(e.get("Text")).strip()
    )
    constraints: dict[str, str] = {}
    for item in queries[-1].get("Constraints") or ():
        for name, raw in item.items():
            value = parse_constraint(str(raw))
            if value is not None:
                constraints[str(name)] = value
    happy = scenario.get("Happy") is not False
    return StarDialogue(str(doc.get("DialogueID")), task, turns, constraints, happy)


def parse_constraint(raw: str) -> str | None:
    """Return a constraint's value when it names one (a literal or `api.is_equal_to`), else None.

    `"Dr. Morgan"` and `api.is_equal_to("Sunday")` give the text; `9931939443153` gives the
    digits; `api.is_equal_to(["Tuesday"])` gives Tuesday; `api.is_one_of([...])` and `null` None.
    """
    text = raw.strip()
    call = _CALL.fullmatch(text)
    if call:
        if call[1] != "is_equal_to":
            return None
        text = call[2].strip()
    try:
        value = json.loads(text)
    except ValueError:
        value = text if _BARE.fullmatch(text) else None
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    shown = str(value).strip()
    return shown or None
