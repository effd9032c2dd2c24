"""A tiny deterministic sentence encoder and a small synthetic intent data set."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import numpy.typing as npt
import pytest

DIMENSION = 64


class HashingEncoder:
    """Bag of words hashed into 64 buckets, L2-normalised: speaks `TextEncoder`, needs no model."""

    name = "test-hashing-encoder@1"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.calls += 1
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest())
                out[row, bucket % DIMENSION] += 1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out


INTENT_PHRASES = {
    "order_status": [
        "where is my order",
        "has my parcel shipped yet",
        "track my delivery please",
        "when will my package arrive",
        "my order has not arrived",
        "status of my order",
    ],
    "cancel_order": [
        "cancel my order",
        "I want to cancel the purchase",
        "please stop my order",
        "cancel the order I placed",
        "I no longer want my order, cancel it",
        "how do I cancel an order",
    ],
    "opening_hours": [
        "what are your opening hours",
        "when do you open",
        "what time do you close today",
        "are you open on sunday",
        "opening times please",
        "when does the shop open",
    ],
    "speak_to_person": [
        "I want to talk to a human",
        "let me speak to an agent",
        "put me through to a person",
        "can I talk to someone real",
        "human please",
        "connect me to customer service staff",
    ],
}
PREFIXES = ["", "hi, ", "hello ", "excuse me ", "quick question: "]


def synthetic_examples() -> list[tuple[str, str]]:
    """Every phrase with every prefix: 30 examples per intent."""
    return [
        (prefix + phrase, intent)
        for intent, phrases in INTENT_PHRASES.items()
        for phrase in phrases
        for prefix in PREFIXES
    ]


@pytest.fixture
def encoder() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture
def examples() -> list[tuple[str, str]]:
    return synthetic_examples()
