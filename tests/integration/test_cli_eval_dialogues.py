"""`agentfloor eval dialogues` on the real STAR data from ../shared/datasets (5 per task)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentfloor.cli import app
from agentfloor.cli.eval_dialogues import COVERED_TASKS

STAR = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "star"

needs_star = pytest.mark.skipif(
    not (STAR / "dialogues.tar.gz").is_file(),
    reason=f"STAR is not at {STAR} (the shared data sets sit beside the project)",
)


@needs_star
@pytest.mark.slow  # trains the default intent model (TF-IDF) for greetings: a few seconds
def test_replays_five_dialogues_per_task_and_prints_the_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich tables: one line per row
    report = tmp_path / "star.json"
    result = CliRunner().invoke(
        app,
        ["eval", "dialogues", "--dataset", str(STAR), "--limit", "5", "--json", str(report)],
    )
    assert result.exit_code == 0, result.output
    for task in COVERED_TASKS:
        assert f"{task}: 5 dialogues" in result.stdout
    assert "overall" in result.stdout and "StartTimeHour" in result.stdout

    figures = json.loads(report.read_text(encoding="utf-8"))
    assert [t["task"] for t in figures["tasks"]] == list(COVERED_TASKS)
    for task in figures["tasks"]:
        assert task["dialogues"] == 5
        assert 0 <= task["successes"] <= task["scored"] <= 5
        assert task["slots"], task
        assert all(0 <= s["matched"] <= s["checked"] for s in task["slots"])
    inputs = {s["input"] for t in figures["tasks"] for s in t["slots"]}
    assert "RequestType" not in inputs  # the wizard's check-or-book is no customer slot


@needs_star
def test_an_unknown_task_is_a_clear_error() -> None:
    result = CliRunner().invoke(
        app, ["eval", "dialogues", "--dataset", str(STAR), "--tasks", "ride_status,nope"]
    )
    assert result.exit_code == 2
    assert "no STAR task 'nope'" in result.output


def test_a_folder_without_the_archive_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "dialogues", "--dataset", str(tmp_path)])
    assert result.exit_code == 2
    assert "dialogues.tar.gz does not exist" in result.output
