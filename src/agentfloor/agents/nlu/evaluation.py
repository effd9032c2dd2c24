"""Scoring intent models: accuracy, macro-F1, out-of-scope detection and latency percentiles.

Out-of-scope is measured the only honest way a closed data set allows: some intents are held out
of training entirely (`hold_out_intents`), so their test utterances are requests the model has
never seen. A good model flags them (`detected_rate`) while flagging few in-scope utterances
(`false_oos_rate`); `auroc` scores the confidence ranking independent of the threshold.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from agentfloor.agents.nlu.model import IntentPrediction

__all__ = [
    "IntentScores",
    "OutOfScopeScores",
    "hold_out_intents",
    "latency_ms",
    "score_intents",
    "score_out_of_scope",
    "stratified_split",
]


@dataclass(frozen=True, slots=True)
class IntentScores:
    """How well predictions match the gold intents."""

    accuracy: float  # top-1, ignoring the out-of-scope flag
    macro_f1: float  # F1 per intent, averaged with equal weight
    flagged_rate: float  # share of (in-scope) utterances flagged out of scope
    count: int


@dataclass(frozen=True, slots=True)
class OutOfScopeScores:
    """How well the out-of-scope flag separates unseen intents from known ones."""

    detected_rate: float  # held-out-intent utterances flagged out of scope (higher is better)
    false_oos_rate: float  # in-scope utterances flagged out of scope (lower is better)
    auroc: float  # P(an unseen utterance has lower confidence than a known one)
    in_scope_accuracy: float  # top-1 accuracy on the in-scope utterances
    held_out: int
    in_scope: int


def score_intents(gold: Sequence[str], predictions: Sequence[IntentPrediction]) -> IntentScores:
    """Accuracy, macro-F1 and flagged rate of `predictions` against `gold`."""
    predicted = [p.intent for p in predictions]
    return IntentScores(
        accuracy=float(np.mean([g == p for g, p in zip(gold, predicted, strict=True)])),
        macro_f1=float(f1_score(list(gold), predicted, average="macro", zero_division=0)),
        flagged_rate=float(np.mean([p.out_of_scope for p in predictions])),
        count=len(predictions),
    )


def score_out_of_scope(
    gold: Sequence[str], predictions: Sequence[IntentPrediction], held_out: set[str]
) -> OutOfScopeScores:
    """Score a model trained without the `held_out` intents on utterances of all intents."""
    unseen = np.array([g in held_out for g in gold])
    flagged = np.array([p.out_of_scope for p in predictions])
    confidence = np.array([p.confidence for p in predictions])
    correct = np.array([g == p.intent for g, p in zip(gold, predictions, strict=True)])
    return OutOfScopeScores(
        detected_rate=float(flagged[unseen].mean()),
        false_oos_rate=float(flagged[~unseen].mean()),
        auroc=float(roc_auc_score(unseen, -confidence)),
        in_scope_accuracy=float(correct[~unseen].mean()),
        held_out=int(unseen.sum()),
        in_scope=int((~unseen).sum()),
    )


def hold_out_intents(intents: Sequence[str], count: int, rng: random.Random) -> set[str]:
    """Pick `count` distinct intents to keep out of training."""
    return set(rng.sample(sorted(set(intents)), count))


def stratified_split(
    labels: Sequence[str], fraction: float, rng: random.Random
) -> tuple[list[int], list[int]]:
    """Split row indices into (train, dev) with about `fraction` of each label in dev."""
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    train: list[int] = []
    dev: list[int] = []
    for label in sorted(by_label):
        rows = by_label[label]
        rng.shuffle(rows)
        cut = round(len(rows) * fraction)
        dev += rows[:cut]
        train += rows[cut:]
    return sorted(train), sorted(dev)


def latency_ms(samples_s: Sequence[float]) -> tuple[float, float]:
    """Return (p50, p99) in milliseconds of per-call durations in seconds."""
    values = np.asarray(samples_s, dtype=np.float64) * 1000.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 99))
