"""The TF-IDF classifier's one-text fast path gives the numbers sklearn's transform gives."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from agentfloor.agents.nlu.classifiers import TfidfClassifier, softmax

TRAIN = [
    ("where is my order", "order"),
    ("my parcel has not arrived yet", "order"),
    ("track my delivery please", "order"),
    ("has my package shipped", "order"),
    ("I want to book an appointment", "book"),
    ("can I see the doctor on Tuesday", "book"),
    ("book me in for next week", "book"),
    ("schedule a visit for Friday", "book"),
    ("let me talk to a person", "human"),
    ("a real human please", "human"),
    ("connect me to an agent", "human"),
    ("I need a representative", "human"),
]
PROBES = [
    "where's my parcel???",
    "Book!! book book an appointment, appointment",
    "zzz qqq",  # nothing in the vocabulary
    "",
    "Connect me to a HUMAN agent right now",
    "track the package I ordered on 12/03 for £25",
    "naïve café résumé",
]


def slow_probabilities(model: TfidfClassifier, texts: list[str]) -> np.ndarray:
    features = sparse.hstack([v.transform(texts) for _, v in model.vectorizers], format="csr")
    return softmax(np.asarray(features @ model.coef.T, dtype=np.float32) + model.intercept)


def test_one_text_matches_the_sklearn_transform() -> None:
    texts, labels = zip(*TRAIN, strict=True)
    classes = sorted(set(labels))
    y = np.array([classes.index(label) for label in labels])
    model = TfidfClassifier.fit(list(texts), y, len(classes), c=10.0)
    reloaded = TfidfClassifier.from_vocabulary(model.terms(), model.coef, model.intercept)
    for candidate in (model, reloaded):
        for text in PROBES + list(texts):
            fast = candidate.probabilities([text])
            slow = slow_probabilities(candidate, [text])
            np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-6)
        batch = candidate.probabilities(PROBES)  # several texts still go through transform
        np.testing.assert_allclose(batch, slow_probabilities(candidate, PROBES), atol=1e-6)
    assert classes[int(model.probabilities(["where is my parcel"]).argmax())] == "order"
