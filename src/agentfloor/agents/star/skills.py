"""A STAR task's skill, generated from its API schema and ordered and worded by its reply graph."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from agentfloor.agents.skills.parse import parse_skill
from agentfloor.agents.star.model import InputKind, StarInput, StarTask

__all__ = ["skill_document", "star_task"]

_CAMEL: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_MIN_COVER: Final = 0.5  # share of an ask reply's topic words an input's words must cover
_SUCCESS: Final = "Thank you, I have everything I need."
_KINDS: Final = {
    "Categorical": InputKind.ENUM,
    "ShortString": InputKind.TEXT,
    "LongString": InputKind.LONG_TEXT,
    "Integer": InputKind.NUMBER,
}


def star_task(
    name: str, api: Mapping[str, Any], task_doc: Mapping[str, Any] | None = None
) -> StarTask:
    """Build the skill for a STAR task from its API schema (`apis/<task>.json`) and replies.

    Args:
        name: The task (`doctor_schedule`).
        api: The API schema: `input` (Name, Type, Categories, ReadableName) and `required`.
        task_doc: The task file (`tasks/<task>/<task>.json`: `replies`, `graph`), if any.

    Raises:
        SkillInvalid: The generated document does not make a valid skill.
    """
    asked, unasked = _ordered_inputs(_inputs(api), task_doc or {})
    skill = parse_skill(skill_document(name, asked, unasked), path=name)
    return StarTask(name, skill, tuple(item for item, _ in asked) + unasked)


def skill_document(
    name: str,
    asked: Sequence[tuple[StarInput, str]],
    unasked: Sequence[StarInput] = (),
) -> dict[str, object]:
    """Return the skill document for a task: `asked` with their prompts, then `unasked`."""
    slots = [_slot_document(item, prompt) for item, prompt in asked]
    slots += [_slot_document(item, _generic_prompt(item)) for item in unasked]
    slug = _snake(name)
    return {
        "name": slug,
        "description": f"STAR task {name}, built from its API schema.",
        "intents": [slug],
        "slots": slots,
        "action": {"kind": "none"},
        "success": _SUCCESS,
    }


def _slot_document(item: StarInput, prompt: str) -> dict[str, object]:
    kind = "text" if item.kind is InputKind.LONG_TEXT else item.kind.value
    doc: dict[str, object] = {"name": item.slot, "type": kind, "prompt": prompt}
    if item.values:
        doc["values"] = list(item.values)
    if not item.required:
        doc["required"] = False
    return doc


def _generic_prompt(item: StarInput) -> str:
    if item.values:
        return f"Please choose the {item.label.lower()}: {', '.join(item.values)}."
    return f"Please tell me the {item.label.lower()}."


def _inputs(api: Mapping[str, Any]) -> list[StarInput]:
    required = {str(r) for r in api.get("required") or ()}
    found: list[StarInput] = []
    for raw in api.get("input") or ():
        name, kind = str(raw.get("Name", "")), str(raw.get("Type", ""))
        values = tuple(str(v) for v in raw.get("Categories") or ())
        chosen = _KINDS.get(kind)
        if chosen is None or (chosen is InputKind.ENUM and not values):
            continue  # RequestType (the wizard's check-or-book), or a type with no slot reader
        slot = _snake(name)
        if not name or any(f.slot == slot for f in found):
            continue
        label = str(raw.get("ReadableName") or " ".join(_CAMEL.findall(name)))
        found.append(StarInput(name, slot, chosen, label, values, name in required))
    return found


def _ordered_inputs(
    inputs: list[StarInput], task_doc: Mapping[str, Any]
) -> tuple[list[tuple[StarInput, str]], tuple[StarInput, ...]]:
    """Match ask replies to inputs; return (input, prompt) in graph order, then the rest."""
    asks = _asks(task_doc)
    pairs = []
    for a, (_, _, topic) in enumerate(asks):
        for i, item in enumerate(inputs):
            cover = len(topic & _input_words(item)) / len(topic)
            if cover >= _MIN_COVER:
                pairs.append((-cover, item.kind is not InputKind.TEXT, a, i))
    prompts: dict[int, tuple[int, str]] = {}  # input index -> (ask index, prompt)
    used: set[int] = set()
    for _, _, a, i in sorted(pairs):
        if a not in used and i not in prompts:
            used.add(a)
            prompts[i] = (a, asks[a][1])
    asked = [(inputs[i], prompt) for i, (_, prompt) in sorted(prompts.items(), key=lambda p: p[1])]
    return asked, tuple(item for i, item in enumerate(inputs) if i not in prompts)


def _asks(task_doc: Mapping[str, Any]) -> list[tuple[str, str, frozenset[str]]]:
    """Return the ask replies as (key, text, topic words), in the reply graph's order."""
    replies = task_doc.get("replies") or {}
    graph = task_doc.get("graph") or {}
    order: list[str] = []
    node: object = "hello"
    while isinstance(node, str) and node not in order:  # the graph's main path
        order.append(node)
        node = graph.get(node)
    order += [key for key in replies if key not in order]
    asks = []
    for key in order:
        words = key.split("_")
        text = replies.get(key)
        if "ask" not in words or not isinstance(text, str) or "{" in text or not text.strip():
            continue  # not a question, or a template in STAR's own syntax
        topic = frozenset(words[words.index("ask") + 1 :])
        if topic:
            asks.append((key, text.strip(), topic))
    return asks


def _input_words(item: StarInput) -> frozenset[str]:
    label = [w.casefold() for w in re.findall(r"[^\W_]+", item.label)]
    words = {w.casefold() for w in _CAMEL.findall(item.name)} | set(label)
    if len(label) > 1:
        words.add("".join(w[0] for w in label))  # "Date Of Birth" is asked as "dob"
    return frozenset(words)


def _snake(name: str) -> str:
    slug = "_".join(w.casefold() for w in _CAMEL.findall(name))[:64]
    return slug if slug[:1].isalpha() else f"slot_{slug}"[:64]
