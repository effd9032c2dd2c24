"""What recognition should expect next on a call: the AI agent's question, the flow's, open speech.

Read from the contact's AI session (`uow.ai_sessions`, as `runtime.assistant` keeps it): while
the AI agent's dialogue runs, its pending slot (an order number is a grammar with the tenant's
`order_prefixes`, an enum slot its values) or its yes/no confirmation; while a flow waits at a
block, the block's answer (`voice.speech.block_hints`: a menu's labels, a collect block's slot, a
callback offer's yes/no); otherwise open speech in the tenant's domain.

The domain language model is built from the default intent examples plus the tenant's expected
answers: its skills' enum values, the labels and enum values of the flow the call runs, and the
recording opt-out phrases when it records calls. A tenant's own trained intent examples are not
kept as text (the stored intent model holds weights and vocabulary only: `agents.ports.
StoredIntentModel`), so they cannot join yet; keeping them needs a column on the intent model's
table, for the NLU's owner. Tenants with default settings share one model, which the server
compiles at start (`open_hints()`), so their first turn pays no compile.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from agentfloor.agents import dialogue as dlg
from agentfloor.agents.defaults import default_training
from agentfloor.flows.model import CollectBlock, Flow, MenuBlock, SlotType
from agentfloor.runtime.assistant_settings import AssistantSettings, parse_settings
from agentfloor.runtime.voice_recording import OPT_OUT_PHRASES
from agentfloor.voice.model import SpeechHints
from agentfloor.voice.speech import block_hints, hints_for, slot_hints

__all__ = ["domain_sentences", "expected_hints", "flow_waiting_at", "open_hints"]


def open_hints(settings: AssistantSettings | None = None, flow: Flow | None = None) -> SpeechHints:
    """Return the hints for open speech: the domain's sentences (defaults when no settings)."""
    settings = settings or _default_settings()
    return hints_for(None, domain=domain_sentences(_tenant_phrases(settings, flow)))


def expected_hints(
    settings: AssistantSettings, session: Mapping[str, Any] | None, flow: Flow | None
) -> SpeechHints:
    """Return what the caller's next turn should be, from the contact's AI session.

    Args:
        settings: The tenant's assistant settings.
        session: The contact's AI session document (None before the first turn).
        flow: The flow version the contact runs, when it runs one.
    """
    session = session or {}
    raw = session.get("dialogue")
    if raw and not session.get("dialogue_done"):
        state = dlg.DialogueState.from_dict(raw)
        if state.confirming:
            return hints_for("yes_no")
        skill = settings.skills.get(state.skill) if state.skill else None
        if skill is not None and state.pending is not None:
            for skill_slot in skill.slots:
                if skill_slot.slot.name == state.pending:
                    found = slot_hints(skill_slot.slot, prefixes=settings.order_prefixes)
                    if found is not None:
                        return found
        return open_hints(settings, flow)
    block_id = flow_waiting_at(session)
    if flow is not None and block_id is not None and block_id in flow.blocks:
        found = block_hints(flow.blocks[block_id], prefixes=settings.order_prefixes)
        if found is not None:
            return found
    return open_hints(settings, flow)


def flow_waiting_at(session: Mapping[str, Any]) -> str | None:
    """Return the block the contact's flow waits at for the caller, or None."""
    ref = session.get("flow")
    state = ref.get("state") if isinstance(ref, Mapping) else None
    if session.get("mode") != "flow" or not isinstance(state, Mapping):
        return None
    if state.get("waiting") != "input":
        return None
    block_id = state.get("block_id")
    return block_id if isinstance(block_id, str) else None


@functools.lru_cache(maxsize=256)
def domain_sentences(extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Return what callers say, for recognition: the default intent examples and `extra`."""
    examples, _ = default_training()
    return (*(text for text, _ in examples), *extra)


def _tenant_phrases(settings: AssistantSettings, flow: Flow | None) -> tuple[str, ...]:
    phrases = [value for values in settings.enums().values() for value in values]
    if flow is not None:
        for block in flow.blocks.values():
            if isinstance(block, MenuBlock):
                phrases += [option.label for option in block.options]
            elif isinstance(block, CollectBlock) and block.slot.type is SlotType.ENUM:
                phrases += list(block.slot.values)
    if settings.recording:
        phrases += OPT_OUT_PHRASES
    return tuple(sorted(set(phrases)))


@functools.cache
def _default_settings() -> AssistantSettings:
    return parse_settings({})
