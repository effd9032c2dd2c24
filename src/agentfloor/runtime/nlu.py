"""Understanding per tenant: each tenant's intent model, trained once, stored, and reloaded.

`NluService.understand` turns one customer message into an `agents.dialogue.Understanding`:
intent (None when out of scope), entities keyed the way slot readers look for them, sentiment.
A tenant's model is trained from its examples (`train`) or, the first time it is needed, from the
default examples every tenant starts with (`agents.defaults`); either way it is saved with the
tenant (`uow.intent_models`) and later loaded from there, never retrained on start. Loaded models
are cached per process and replaced when this process trains a newer one; a model trained by
another process is picked up when its `trained_at` differs from the cached one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from agentfloor.agents.defaults import default_training
from agentfloor.agents.dialogue import Understanding
from agentfloor.agents.nlu import (
    EntityKind,
    IntentModel,
    IntentPrediction,
    Money,
    TextEncoder,
    extract_entities,
    train_intent_model,
)
from agentfloor.agents.ports import StoredIntentModel
from agentfloor.agents.sentiment import SentimentScorer
from agentfloor.core.errors import InvalidInput, ProblemDetail
from agentfloor.runtime.context import ServiceContext

__all__ = ["MAX_EXAMPLES", "ModelInfo", "NluService", "entity_slots"]

MAX_EXAMPLES: Final = 20_000
MAX_EXAMPLE_CHARS: Final = 500
_TIME_CUE: Final = re.compile(
    r"\d\s*(?:am|pm|a\.m\.|p\.m\.)|\d{1,2}[:.h]\d{2}|\bnoon\b|\bmidnight\b|o'?clock", re.I
)
_DATE_CUE: Final = re.compile(
    r"today|tomorrow|tonight|day|week|month|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d{1,4}[/.-]\d{1,2}|\d(?:st|nd|rd|th)",
    re.I,
)


class _Unread:
    """Marks an argument the callee must read for itself."""


UNREAD: Final = _Unread()
_DEFAULT_MODELS: dict[str | None, bytes] = {}  # encoder name -> the default model, trained once
_DEFAULT_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What a tenant's stored intent model is (for the admin API)."""

    trained_at: float
    intents: tuple[str, ...]
    examples: int
    method: str
    threshold: float


def entity_slots(entities: list[object]) -> dict[str, object]:
    """Key NLU entities the way slot readers look for them: by slot type, enums by list name.

    A date-time gives `date` (ISO) only when the words named a day, and `time` (HH:MM) only when
    they named a time, so "at 3pm" never books today by accident; `times` lists every time named,
    in order ("from 2 pm to 4 pm" fills a start and an end). Money reads as "12.50 GBP".
    """
    found: dict[str, object] = {}
    times: list[str] = []
    for entity in entities:
        kind = getattr(entity, "kind", None)
        value = getattr(entity, "value", None)
        text = str(getattr(entity, "text", ""))
        match kind:
            case EntityKind.DATETIME if isinstance(value, datetime):
                if _DATE_CUE.search(text):
                    found.setdefault("date", value.date().isoformat())
                if _TIME_CUE.search(text):
                    found.setdefault("time", value.strftime("%H:%M"))
                    times.append(value.strftime("%H:%M"))
                found.setdefault("datetime", value.isoformat())
            case EntityKind.MONEY if isinstance(value, Money):
                found.setdefault("money", f"{value.amount} {value.currency}")
            case EntityKind.ENUM:
                name = getattr(entity, "enum", None)
                if name:
                    found.setdefault(str(name), value)
            case EntityKind.PHONE | EntityKind.EMAIL | EntityKind.ORDER_ID:
                found.setdefault(kind.value, value)
            case _:
                pass
    if times:
        found["times"] = times
    return found


class NluService:
    """Per-tenant intent models and the understanding of one message at a time.

    Args:
        ctx: the service context (units of work, clock).
        encoder: builds the sentence encoder once, on first need (None: TF-IDF models only).
        sentiment: scores a message -1..1.
    """

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        encoder: Callable[[], TextEncoder] | None,
        sentiment: SentimentScorer,
    ) -> None:
        self.ctx = ctx
        self._encoder_factory = encoder
        self._encoder: TextEncoder | None = None
        self.sentiment = sentiment
        self._models: dict[str, tuple[float, IntentModel]] = {}
        self._warm = False
        self._lock = threading.Lock()
        self._train_lock = threading.Lock()

    # --- models ----------------------------------------------------------------------------------

    def encoder(self) -> TextEncoder | None:
        """Return the shared sentence encoder, loading it the first time (None: not configured)."""
        if self._encoder_factory is None:
            return None
        with self._lock:
            if self._encoder is None:
                self._encoder = self._encoder_factory()
            return self._encoder

    def train(
        self, tenant_id: str, examples: list[tuple[str, str]] | None = None
    ) -> tuple[ModelInfo, dict[str, str]]:
        """Train the tenant's model (default examples when `examples` is None), store and cache it.

        Returns the model's description and the default FAQ answers (empty for own examples).

        Raises:
            InvalidInput: too many or too long examples, fewer than two intents, empty texts.
        """
        answers: dict[str, str] = {}
        defaults = examples is None
        if examples is None:
            examples, answers = default_training()
        _check_examples(examples)
        with self._train_lock:
            if defaults:
                model = self._default_model()
            else:
                model = train_intent_model(examples, self.encoder())
            stored = StoredIntentModel(
                tenant_id=tenant_id,
                trained_at=self.ctx.clock.now(),
                intents=tuple(model.classes),
                examples=len(examples),
                method=model.method.value,
                blob=model.to_bytes(),
            )
            with self.ctx.uow(tenant_id) as uow:
                uow.intent_models.put(stored)
                uow.commit()
            with self._lock:
                self._models[tenant_id] = (stored.trained_at, model)
        return _info(stored, model), answers

    def _default_model(self) -> IntentModel:
        """Train the default model once per process; later tenants get a copy of its bytes.

        The same examples on the same encoder give the same model (training is seeded), so one
        copy serves every tenant and every service in the process.
        """
        encoder = self.encoder()
        key = encoder.name if encoder is not None else None
        with _DEFAULT_LOCK:
            blob = _DEFAULT_MODELS.get(key)
            if blob is None:
                examples, _ = default_training()
                blob = train_intent_model(examples, encoder).to_bytes()
                _DEFAULT_MODELS[key] = blob
        return IntentModel.from_bytes(blob, encoder)

    def warm(self) -> None:
        """Load the encoder and the default model now, so the first customer does not wait."""
        self._default_model()
        self._warm = True

    @property
    def ready(self) -> bool:
        """Whether `warm` has finished: the AI agent answers without loading anything first."""
        return self._warm

    def model(self, tenant_id: str, *, trained_at: float | _Unread | None = UNREAD) -> IntentModel:
        """Return the tenant's model: cached, else loaded from storage, else trained on defaults.

        Each call reads only the stored model's `trained_at` (or takes it from the caller, who
        read it in a transaction of its own); the model itself is loaded when that differs from
        the cached one (another process trained a newer one).
        """
        if isinstance(trained_at, _Unread):
            with self.ctx.uow(tenant_id) as uow:
                trained_at = uow.intent_models.trained_at()
        with self._lock:
            cached = self._models.get(tenant_id)
        if trained_at is None:
            if cached is not None:
                return cached[1]
            self.train(tenant_id)
            return self._models[tenant_id][1]
        if cached is not None and cached[0] == trained_at:
            return cached[1]
        with self.ctx.uow(tenant_id) as uow:
            stored = uow.intent_models.get()
        if stored is None:  # removed in between: train the defaults again
            self.train(tenant_id)
            return self._models[tenant_id][1]
        model = IntentModel.from_bytes(stored.blob, self.encoder())
        with self._lock:
            self._models[tenant_id] = (stored.trained_at, model)
        return model

    def info(self, tenant_id: str) -> ModelInfo | None:
        """Describe the tenant's stored model, or None when it has none yet."""
        with self.ctx.uow(tenant_id) as uow:
            stored = uow.intent_models.get()
        if stored is None:
            return None
        return _info(stored, self.model(tenant_id))

    # --- understanding ---------------------------------------------------------------------------

    def understand(
        self,
        tenant_id: str,
        text: str,
        *,
        timezone: str = "UTC",
        region: str | None = None,
        enums: Mapping[str, list[str]] | None = None,
        trained_at: float | _Unread | None = UNREAD,
    ) -> tuple[Understanding, IntentPrediction]:
        """Return what the customer said, as the dialogue manager reads it, and the raw intent.

        `trained_at`: the stored model's, when the caller has just read it (saves a read).
        """
        prediction = self.model(tenant_id, trained_at=trained_at).predict(text)
        entities = extract_entities(
            text,
            now=self.ctx.clock.now(),
            timezone=timezone,
            default_region=region,
            enums=dict(enums or {}),
        )
        understanding = Understanding(
            text=text,
            intent=None if prediction.out_of_scope else prediction.intent,
            confidence=prediction.confidence,
            guess=prediction.intent,
            entities=entity_slots(list(entities)),
            sentiment=self.sentiment.score(text),
        )
        return understanding, prediction


def _info(stored: StoredIntentModel, model: IntentModel) -> ModelInfo:
    return ModelInfo(
        trained_at=stored.trained_at,
        intents=stored.intents,
        examples=stored.examples,
        method=stored.method,
        threshold=model.threshold,
    )


def _check_examples(examples: list[tuple[str, str]]) -> None:
    problems: list[ProblemDetail] = []
    if len(examples) > MAX_EXAMPLES:
        problems.append(ProblemDetail("examples", f"at most {MAX_EXAMPLES} examples per tenant"))
    for i, (text, intent) in enumerate(examples[:MAX_EXAMPLES]):
        if len(text) > MAX_EXAMPLE_CHARS:
            problems.append(
                ProblemDetail(f"examples[{i}].text", f"longer than {MAX_EXAMPLE_CHARS} characters")
            )
        if not re.fullmatch(r"[a-z][a-z0-9_:-]{0,63}", intent):
            problems.append(
                ProblemDetail(
                    f"examples[{i}].intent",
                    f"{intent!r} is not an intent name: lower-case letters, digits, '_', ':', "
                    "'-', starting with a letter, up to 64 characters",
                )
            )
    if problems:
        raise InvalidInput("the training examples have problems", problems=problems)
