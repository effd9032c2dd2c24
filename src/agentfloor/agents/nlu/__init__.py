"""Natural-language understanding: intents with an out-of-scope outcome, and entities.

`train_intent_model` turns a tenant's `(text, intent)` examples into an `IntentModel` (TF-IDF and
sentence-embedding classifiers, calibrated threshold; see `agents.nlu.intents` for why), saved with
`IntentModel.save`/`to_bytes` and reloaded, never retrained on start. `extract_entities` finds
dates and times, phones, e-mails, money, order ids and a tenant's enum values in one utterance.
The sentence encoder is a `TextEncoder` port; `agentfloor.adapters.nlu` implements it.
"""

from __future__ import annotations

from agentfloor.agents.nlu.entities import DEFAULT_ORDER_ID_PATTERN, extract_entities
from agentfloor.agents.nlu.intents import IntentModel, IntentTrainingConfig, train_intent_model
from agentfloor.agents.nlu.model import (
    Entity,
    EntityKind,
    EntityValue,
    IntentMethod,
    IntentPrediction,
    Money,
    RankedIntent,
)
from agentfloor.agents.nlu.ports import TextEncoder

__all__ = [
    "DEFAULT_ORDER_ID_PATTERN",
    "Entity",
    "EntityKind",
    "EntityValue",
    "IntentMethod",
    "IntentModel",
    "IntentPrediction",
    "IntentTrainingConfig",
    "Money",
    "RankedIntent",
    "TextEncoder",
    "extract_entities",
    "train_intent_model",
]
