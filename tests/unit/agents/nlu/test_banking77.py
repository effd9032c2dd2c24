"""The TF-IDF baseline on real data: BANKING77 from ../shared/datasets (never trained on test)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from agentfloor.agents.nlu import IntentMethod, train_intent_model
from agentfloor.agents.nlu.evaluation import score_intents

BANKING77 = Path(__file__).resolve().parents[4].parent / "shared" / "datasets" / "banking77"
TRAIN_PER_INTENT = 25
TEST_PER_INTENT = 8


def sample(path: Path, per_intent: int, seed: int) -> list[tuple[str, str]]:
    """Up to `per_intent` rows of each intent, drawn reproducibly."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(row["text"], row["category"]) for row in csv.DictReader(handle)]
    by_intent: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        by_intent.setdefault(row[1], []).append(row)
    rng = random.Random(seed)
    return [
        row
        for intent in sorted(by_intent)
        for row in rng.sample(by_intent[intent], min(per_intent, len(by_intent[intent])))
    ]


@pytest.mark.skipif(
    not (BANKING77 / "train.csv").is_file(),
    reason=f"BANKING77 is not at {BANKING77} (the shared data sets sit beside the project)",
)
def test_tfidf_baseline_clears_a_sanity_floor_on_banking77() -> None:
    train = sample(BANKING77 / "train.csv", TRAIN_PER_INTENT, seed=1)
    test = sample(BANKING77 / "test.csv", TEST_PER_INTENT, seed=2)
    model = train_intent_model(train, method=IntentMethod.TFIDF)
    assert len(model.classes) == 77
    scores = score_intents([i for _, i in test], model.predict_many([t for t, _ in test]))
    # 25 examples per intent (a sixteenth of train.csv) scores about 0.84; the full baseline 0.92.
    assert scores.accuracy >= 0.75, scores
    assert scores.macro_f1 >= 0.72, scores
    assert scores.flagged_rate < 0.15, scores
