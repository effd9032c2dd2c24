"""Message templates: `{attribute}` placeholders filled from the contact's attributes and slots.

The syntax is deliberately tiny (no logic, no filters) so that a template never fails at run time:
`{name}` or a dotted path `{customer.first_name}` reads a value, `{{` and `}}` are literal braces,
and a missing value renders as the empty string. Conditions belong in `condition` blocks, not in
text. Hand-written because a general engine (Jinja) would bring logic, errors at run time and a
sandbox to keep; `str.format` raises on a missing key and allows attribute access.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import quote

__all__ = ["lookup", "render", "render_value", "template_problems"]

_TOKEN: Final = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_PATH: Final = re.compile(r"^[^\W\d]\w*(?:\.\w+)*$")


def template_problems(text: str) -> list[str]:
    """Say what is wrong with each placeholder of `text` (an empty list when it is fine)."""
    problems: list[str] = []
    for match in _TOKEN.finditer(text):
        token, column = match[0], match.start() + 1
        if token in ("{{", "}}"):
            continue
        if match[1] is None:
            problems.append(
                f"column {column}: a lone {token!r}; write {token * 2!r} for a literal brace"
            )
        elif not _PATH.match(match[1].strip()):
            problems.append(
                f"column {column}: {token!r} is not a placeholder; use a name such as "
                "{first_name} or a path such as {customer.first_name}"
            )
    return problems


def lookup(context: Mapping[str, object], path: str) -> object:
    """Read a dotted path from nested mappings; a missing key on the way gives None."""
    value: object = context
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def render(text: str, context: Mapping[str, object], *, url: bool = False) -> str:
    """Fill the placeholders of `text` from `context`; never raises.

    Args:
        text: The template.
        context: The contact's attributes and slots.
        url: Percent-encode each filled-in value (for a webhook URL), never the template itself.
    """

    def fill(match: re.Match[str]) -> str:
        token = match[0]
        if token in ("{{", "}}"):
            return token[0]
        if match[1] is None:
            return token  # a lone brace (validation refuses these in documents)
        shown = _text(lookup(context, match[1].strip()))
        return quote(shown, safe="") if url else shown

    return _TOKEN.sub(fill, text)


def render_value(value: object, context: Mapping[str, object]) -> object:
    """Render templates inside a document value (strings, and strings nested in mappings/lists).

    A string that is exactly one placeholder (`"{order.total}"`) gives the value itself, so
    numbers and lists keep their kind in a webhook body or a set attribute.
    """
    if isinstance(value, str):
        whole = _TOKEN.fullmatch(value)
        if whole is not None and whole[1] is not None and _PATH.match(whole[1].strip()):
            return lookup(context, whole[1].strip())
        return render(value, context)
    if isinstance(value, Mapping):
        return {str(key): render_value(item, context) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render_value(item, context) for item in value]
    return value


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except ValueError:  # a circular structure: attributes come from JSON, so only by mistake
        return ""
