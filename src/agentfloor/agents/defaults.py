"""What every tenant's AI agent starts with: intent training examples and FAQ answers.

`agents/data/default_intents.yaml` holds about 25 examples for each default intent (small talk,
asking for a person, the intents the built-in skills serve, and three FAQs) and the answers to
the FAQ intents, which the dialogue says as digressions (`DialoguePolicy.answers`). A tenant
trains its first intent model on these and then adds its own.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Final

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type hints (types-PyYAML does)

__all__ = ["DEFAULT_INTENTS_FILE", "default_training"]

DEFAULT_INTENTS_FILE: Final = "default_intents.yaml"


def default_training() -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Return the default `(text, intent)` examples, and the FAQ answers by intent.

    Returns fresh lists and dicts each call, so a caller may add its own examples to them.

    Raises:
        ValueError: The shipped file is malformed (a packaging bug; the tests read it).
    """
    examples, answers = _read()
    return list(examples), dict(answers)


@functools.cache
def _read() -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    text = (resources.files("agentfloor.agents") / "data" / DEFAULT_INTENTS_FILE).read_text(
        encoding="utf-8"
    )
    doc = yaml.safe_load(text)
    intents = doc.get("intents") if isinstance(doc, dict) else None
    answers = doc.get("answers", {}) if isinstance(doc, dict) else None
    if not isinstance(intents, dict) or not isinstance(answers, dict):
        raise ValueError(f"{DEFAULT_INTENTS_FILE}: expected mappings `intents` and `answers`")
    examples: list[tuple[str, str]] = []
    for intent, texts in intents.items():
        if not isinstance(texts, list) or not all(isinstance(t, str) and t for t in texts):
            raise ValueError(f"{DEFAULT_INTENTS_FILE}: intents.{intent} must be a list of text")
        examples += [(text, str(intent)) for text in texts]
    for intent, answer in answers.items():
        if intent not in intents or not isinstance(answer, str) or not answer.strip():
            raise ValueError(
                f"{DEFAULT_INTENTS_FILE}: answers.{intent} must be text for a defined intent"
            )
    return tuple(examples), tuple((str(k), v) for k, v in answers.items())
