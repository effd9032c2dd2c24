"""Typed access to one mapping of a flow document, recording each problem and carrying on.

`schema` reads every block through `Fields`: a missing or mistyped field becomes a `ProblemDetail`
at its path (`blocks.greet.next`) and a harmless default, so the whole document is checked in one
pass and the upload is answered with every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Final

from agentfloor.core.errors import ProblemDetail
from agentfloor.flows.templates import template_problems

__all__ = ["Context", "Fields", "yaml_hint"]

_NAME: Final = re.compile(r"^[^\W\d]\w{0,63}$")  # attributes and slots: usable as task.<name>
_LABEL: Final = re.compile(r"^[^\W\d][\w.-]{0,63}$")  # skills and intents
_COMMON: Final = ("type", "description")  # fields every block may have


@dataclass(slots=True)
class Context:
    """What block readers share: the problems and edges found so far, and names to check against.

    `skills`, `queues` and `workflows` are the tenant's known names, or None not to check them.
    """

    problems: list[ProblemDetail] = field(default_factory=list)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (block id, loc, target)
    incomplete: set[str] = field(default_factory=set)  # blocks with a branch missing
    timezone: str | None = None
    skills: Collection[str] | None = None
    queues: Collection[str] | None = None
    workflows: Collection[str] | None = None


class Fields:
    """Typed access to one mapping of a document; every miss becomes a problem at its loc."""

    def __init__(self, raw: dict[object, object], loc: str, block_id: str, ctx: Context) -> None:
        self.raw, self.loc, self.block_id, self.ctx = raw, loc, block_id, ctx
        self.ok = True

    def problem(self, name: str, message: str) -> None:
        """Record a problem at this mapping's path, or at one of its fields."""
        self.ok = False
        self.ctx.problems.append(ProblemDetail(f"{self.loc}.{name}" if name else self.loc, message))

    def text(self, name: str, *, required: bool = True, template: bool = True) -> str:
        """Read text (numbers become text); with `template`, check its placeholders."""
        value = self.raw.get(name)
        if value is None:
            if required:
                self.problem(name, f"missing `{name}`")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(name, f"`{name}` must be text{yaml_hint(value)}")
            return ""
        text = str(value)
        if template:
            for message in template_problems(text):
                self.problem(name, message)
        return text

    def name(
        self, name: str, *, required: bool = True, default: str = "", label: bool = False
    ) -> str:
        """Read a name: an attribute or slot (`task.<name>`), or with `label` a skill/intent."""
        text = self.text(name, required=required, template=False)
        if text and not (_LABEL if label else _NAME).match(text):
            allowed = "letters, digits, '_', '-' or '.'" if label else "letters, digits or '_'"
            self.problem(name, f"{text!r} is not a name; start with a letter and use {allowed}")
        return text or default

    def next(self, name: str, *, required: bool = True) -> str:
        """Read a branch (a block name) and record it as an edge for the graph checks."""
        value = self.raw.get(name)
        if value is None:
            if required:
                self.problem(name, f"missing `{name}`: name the block that comes next")
                self.ctx.incomplete.add(self.block_id)
            return ""
        if not isinstance(value, str):
            self.problem(name, f"`{name}` must be the name of a block{yaml_hint(value)}")
            self.ctx.incomplete.add(self.block_id)
            return ""
        self.ctx.edges.append((self.block_id, f"{self.loc}.{name}", value))
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        """Read a whole number within [low, high]."""
        value = self.raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(name, f"`{name}` must be a whole number from {low} to {high}")
            return default
        return value

    def seconds(self, name: str, default: float, high: float) -> float:
        """Read a duration in seconds, above 0 and at most `high`."""
        value = self.raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= high:
            self.problem(name, f"`{name}` must be a number of seconds above 0 and at most {high:g}")
            return default
        return float(value)

    def items(self, name: str) -> list[object]:
        """Read a required, non-empty list."""
        value = self.raw.get(name)
        if not isinstance(value, list) or not value:
            self.problem(name, f"`{name}` must be a non-empty list")
            return []
        return value

    def mapping(self, name: str) -> dict[object, object] | None:
        """Read an optional mapping."""
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(name, f"`{name}` must be a mapping of names to values")
            return None
        return value

    def reference(self, name: str, known: Collection[str] | None, what: str) -> str | None:
        """Read an optional id of a tenant's record, checked against `known` when given."""
        text = self.text(name, required=False, template=False)
        if text and known is not None and text not in known:
            self.problem(name, f"there is no {what} {text!r}; create it first or fix the name")
        return text or None

    def check_templates(self, name: str, value: object) -> None:
        """Check the placeholders of every string in a nested value."""
        if isinstance(value, str):
            for message in template_problems(value):
                self.problem(name, message)
        elif isinstance(value, dict):
            for key, item in value.items():
                self.check_templates(f"{name}.{key}", item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.check_templates(f"{name}[{index}]", item)

    def finish(self, known: tuple[str, ...]) -> None:
        """Report every field that is not in `known` (a typo, most often)."""
        for key in self.raw:
            if key not in known and key not in _COMMON:
                self.problem(str(key), f"unknown field `{key}`; known: {', '.join(known)}")


def yaml_hint(value: object) -> str:
    """Say why a value is not text; YAML's yes/no booleans trip people up."""
    if isinstance(value, bool):
        return " (YAML reads yes/no/on/off/true/false as true or false: put it in quotes)"
    return f", not {type(value).__name__}"
