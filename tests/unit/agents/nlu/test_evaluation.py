from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentfloor.agents.nlu import IntentPrediction, RankedIntent
from agentfloor.agents.nlu.evaluation import (
    hold_out_intents,
    latency_ms,
    score_intents,
    score_out_of_scope,
    stratified_split,
)
from agentfloor.cli.app import app
from tests.unit.agents.nlu.conftest import synthetic_examples


def prediction(intent: str, confidence: float, out_of_scope: bool = False) -> IntentPrediction:
    return IntentPrediction(
        intent, confidence, (RankedIntent(intent, confidence),), out_of_scope=out_of_scope
    )


def test_score_intents_counts_accuracy_f1_and_flags() -> None:
    gold = ["a", "a", "b", "b"]
    predicted = [
        prediction("a", 0.9),
        prediction("b", 0.4, out_of_scope=True),
        prediction("b", 0.8),
        prediction("b", 0.7),
    ]
    scores = score_intents(gold, predicted)
    assert scores.accuracy == pytest.approx(0.75)
    assert scores.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)
    assert scores.flagged_rate == pytest.approx(0.25)
    assert scores.count == 4


def test_score_out_of_scope_separates_unseen_from_known() -> None:
    gold = ["known", "known", "unseen", "unseen"]
    predicted = [
        prediction("known", 0.9),
        prediction("known", 0.3, out_of_scope=True),
        prediction("known", 0.2, out_of_scope=True),
        prediction("known", 0.6),
    ]
    scores = score_out_of_scope(gold, predicted, {"unseen"})
    assert scores.detected_rate == pytest.approx(0.5)
    assert scores.false_oos_rate == pytest.approx(0.5)
    assert scores.auroc == pytest.approx(0.75)  # 3 of the 4 (unseen, known) pairs ranked right
    assert scores.in_scope_accuracy == pytest.approx(1.0)
    assert (scores.held_out, scores.in_scope) == (2, 2)


def test_stratified_split_keeps_each_label_share() -> None:
    labels = ["a"] * 10 + ["b"] * 20
    train, dev = stratified_split(labels, 0.2, random.Random(0))
    assert sorted(train + dev) == list(range(30))
    assert [labels[i] for i in dev].count("a") == 2
    assert [labels[i] for i in dev].count("b") == 4


def test_hold_out_and_latency_helpers() -> None:
    held = hold_out_intents(["x", "y", "z", "x"], 2, random.Random(1))
    assert len(held) == 2 and held <= {"x", "y", "z"}
    p50, p99 = latency_ms([0.001] * 99 + [0.1])
    assert p50 == pytest.approx(1.0)
    assert p99 > p50


def write_dataset(folder: Path) -> None:
    examples = synthetic_examples()
    rng = random.Random(3)
    rng.shuffle(examples)
    for name, rows in (("train.csv", examples[:90]), ("test.csv", examples[90:])):
        with (folder / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "category"])
            writer.writerows(rows)


def test_eval_intents_prints_a_table_and_writes_json(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "intents",
            "--dataset",
            str(tmp_path),
            "--method",
            "tfidf",
            "--oos-intents",
            "1",
            "--latency-samples",
            "20",
            "--json",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "OOS: unseen flagged" in result.output
    figures = json.loads(report.read_text())
    [row] = figures["results"]
    assert row["method"] == "tfidf"
    assert 0.0 <= row["accuracy"] <= 1.0
    assert row["train_examples"] == 90 and row["test_examples"] == 30
    assert row["latency_p50_ms"] > 0


def test_eval_intents_names_a_missing_dataset(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "intents", "--dataset", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
