from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
import pytest

from agentfloor.agents.nlu import (
    IntentMethod,
    IntentModel,
    IntentTrainingConfig,
    train_intent_model,
)
from agentfloor.core.errors import InvalidInput
from tests.unit.agents.nlu.conftest import HashingEncoder

METHODS = [IntentMethod.TFIDF, IntentMethod.MINILM, IntentMethod.ENSEMBLE]
IN_SCOPE = [
    ("where is my order?", "order_status"),
    ("please cancel my order", "cancel_order"),
    ("what time do you open on saturday", "opening_hours"),
    ("I'd like to speak to a person", "speak_to_person"),
]
GIBBERISH = ["qwxz vbnm plokij", "zzzz kkkk", "xylophone quasar nebula"]


def train(
    examples: list[tuple[str, str]], encoder: HashingEncoder, method: IntentMethod
) -> IntentModel:
    return train_intent_model(examples, encoder, method=method)


@pytest.mark.parametrize("method", METHODS, ids=[str(m) for m in METHODS])
def test_predicts_the_intent_of_unseen_phrasings(
    examples: list[tuple[str, str]], encoder: HashingEncoder, method: IntentMethod
) -> None:
    model = train(examples, encoder, method)
    for text, intent in IN_SCOPE:
        prediction = model.predict(text)
        assert prediction.intent == intent, text
        assert not prediction.out_of_scope, (text, prediction.confidence, model.threshold)


@pytest.mark.parametrize("method", METHODS, ids=[str(m) for m in METHODS])
def test_gibberish_is_out_of_scope(
    examples: list[tuple[str, str]], encoder: HashingEncoder, method: IntentMethod
) -> None:
    model = train(examples, encoder, method)
    for text in GIBBERISH:
        prediction = model.predict(text)
        assert prediction.out_of_scope, (text, prediction.confidence, model.threshold)
        assert prediction.confidence < model.threshold


def test_ranked_is_the_top_k_best_first(
    examples: list[tuple[str, str]], encoder: HashingEncoder
) -> None:
    model = train(examples, encoder, IntentMethod.ENSEMBLE)
    prediction = model.predict("where is my parcel", top_k=3)
    assert len(prediction.ranked) == 3
    assert prediction.ranked[0].intent == prediction.intent
    assert prediction.ranked[0].confidence == prediction.confidence
    confidences = [r.confidence for r in prediction.ranked]
    assert confidences == sorted(confidences, reverse=True)
    assert len(model.predict("where is my parcel", top_k=99).ranked) == len(model.classes)
    assert np.allclose(model.probabilities(["where is my parcel"]).sum(), 1.0, atol=1e-5)


@pytest.mark.parametrize("method", METHODS, ids=[str(m) for m in METHODS])
def test_save_and_load_give_identical_predictions(
    examples: list[tuple[str, str]],
    encoder: HashingEncoder,
    method: IntentMethod,
    tmp_path: Path,
) -> None:
    model = train(examples, encoder, method)
    path = tmp_path / "intents.npz"
    model.save(path)
    loaded = IntentModel.load(path, encoder)
    texts = [text for text, _ in IN_SCOPE] + GIBBERISH
    assert np.array_equal(model.probabilities(texts), loaded.probabilities(texts))
    assert loaded.predict_many(texts) == model.predict_many(texts)
    assert (loaded.method, loaded.classes, loaded.threshold, loaded.tfidf_weight) == (
        model.method,
        model.classes,
        model.threshold,
        model.tfidf_weight,
    )
    assert loaded.info == model.info


def test_a_model_needs_the_encoder_it_was_trained_with(
    examples: list[tuple[str, str]], encoder: HashingEncoder
) -> None:
    data = train(examples, encoder, IntentMethod.ENSEMBLE).to_bytes()
    with pytest.raises(InvalidInput, match="needs the sentence encoder"):
        IntentModel.from_bytes(data)

    class OtherEncoder(HashingEncoder):
        name = "another-encoder@2"

    with pytest.raises(InvalidInput, match="trained with encoder 'test-hashing-encoder@1'"):
        IntentModel.from_bytes(data, OtherEncoder())


def test_a_tfidf_model_loads_without_an_encoder(examples: list[tuple[str, str]]) -> None:
    model = train_intent_model(examples)
    assert model.method is IntentMethod.TFIDF
    loaded = IntentModel.from_bytes(model.to_bytes())
    assert loaded.predict("cancel my order") == model.predict("cancel my order")


@pytest.mark.parametrize(
    "data",
    [
        b"not a model",
        b"PK\x03\x04 truncated zip",
    ],
    ids=["text", "broken-zip"],
)
def test_loading_garbage_is_invalid_input(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="not a saved intent model"):
        IntentModel.from_bytes(data)


def test_loading_never_unpickles(examples: list[tuple[str, str]]) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, metadata=np.array([{"format": "agentfloor.intent-model"}], dtype=object))
    with pytest.raises(InvalidInput, match="not a saved intent model"):
        IntentModel.from_bytes(buffer.getvalue())


def test_the_default_method_follows_the_encoder(
    examples: list[tuple[str, str]], encoder: HashingEncoder
) -> None:
    assert train_intent_model(examples, encoder).method is IntentMethod.ENSEMBLE
    assert train_intent_model(examples).method is IntentMethod.TFIDF


def test_training_is_reproducible(examples: list[tuple[str, str]], encoder: HashingEncoder) -> None:
    first = train_intent_model(examples, encoder, rng=random.Random(7))
    second = train_intent_model(examples, encoder, rng=random.Random(7))
    assert first.threshold == second.threshold
    assert first.tfidf_weight == second.tfidf_weight
    texts = [text for text, _ in IN_SCOPE]
    assert np.array_equal(first.probabilities(texts), second.probabilities(texts))


def test_calibration_holds_back_a_dev_split(
    examples: list[tuple[str, str]], encoder: HashingEncoder
) -> None:
    model = train_intent_model(
        examples, encoder, config=IntentTrainingConfig(dev_fraction=0.2, max_false_oos_rate=0.1)
    )
    assert model.info["examples"] == len(examples)
    assert model.info["dev_examples"] == 4 * 6  # 20% of each intent's 30 examples
    assert 0.0 < model.threshold < 1.0
    assert 0.2 <= model.tfidf_weight <= 0.8


def test_too_few_examples_for_a_dev_split_fall_back_to_chance_based_threshold(
    encoder: HashingEncoder,
) -> None:
    examples = [
        ("where is my order", "order_status"),
        ("track my parcel", "order_status"),
        ("cancel my order", "cancel_order"),
        ("stop my purchase", "cancel_order"),
    ]
    model = train_intent_model(examples, encoder)
    assert model.info["dev_examples"] == 0
    assert model.threshold == pytest.approx(1.5 / 2)
    assert model.predict("cancel my order please").intent == "cancel_order"


@pytest.mark.parametrize(
    ("examples", "method", "message"),
    [
        ([("hello", "greet"), ("hi", "greet")], None, "at least two intents"),
        ([("hello", "greet"), ("  ", "bye")], None, "the text is empty"),
        ([("hello", "greet"), ("bye", "")], None, "the intent name is empty"),
        ([("hello", "greet"), ("bye", "bye")], IntentMethod.MINILM, "needs a sentence encoder"),
    ],
    ids=["one-intent", "empty-text", "empty-intent", "no-encoder"],
)
def test_bad_training_input_is_invalid(
    examples: list[tuple[str, str]], method: IntentMethod | None, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        train_intent_model(examples, method=method)


def test_predicting_nothing_returns_nothing(examples: list[tuple[str, str]]) -> None:
    model = train_intent_model(examples)
    assert model.predict_many([]) == []
