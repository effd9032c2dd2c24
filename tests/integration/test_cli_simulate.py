"""`agentfloor simulate` on a tiny scenario: progress, the KPI table, the HTML and JSON files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentfloor.cli import app
from agentfloor.cli.app import EXIT_ERROR
from agentfloor.sim import load_scenario

EXAMPLE = Path(__file__).parents[2] / "examples" / "scenarios" / "support_day.yaml"

TINY = """
name: tiny centre
start: 2026-03-02T09:00:00
timezone: Europe/London
interval_s: 900
intervals: 4
seed: 5
replications: 3
queues:
  - id: support
    target: '"support" IN worker.skills'
    arrivals: {kind: poisson, per_interval: [20, 30, 30, 20]}
    handle_time: {kind: exponential, mean_s: 150}
    patience: {kind: exponential, mean_s: 90}
  - id: chat
    channel: chat
    target: '"chat" IN worker.skills'
    arrivals: {kind: poisson, per_interval: [5, 10, 10, 5]}
    handle_time: {kind: exponential, mean_s: 300}
workers:
  - name: agents
    attributes: {skills: [support, chat]}
    capacity: {voice: 1, chat: 2}
    staffing: {kind: constant, count: 5}
ai: {share: 0.3, handle_time: {kind: exponential, mean_s: 60}}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["simulate", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("workers", ["1", "2"], ids=["serial", "two-processes"])
def test_simulates_prints_the_kpis_and_writes_html_and_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    scenario = write(tmp_path, "tiny.yaml", TINY)
    html, data = tmp_path / "out" / "report.html", tmp_path / "kpis.json"  # out/ is made
    code, stdout, stderr = run(scenario, "--workers", workers, "--out", html, "--json", data)
    assert code == 0, stdout + stderr
    assert "tiny centre" in stdout and "3 replications, seed 5" in stdout
    assert "KPIs over 3 replications (95% CI)" in stdout
    assert re.search(r"Service level \(support\)\s*│\s*\d+\.\d%", stdout)
    assert f"report: {html}" in stdout and f"json: {data}" in stdout
    page = html.read_text(encoding="utf-8")
    assert page.count('<img src="data:image/png;base64,') == 4
    assert "tiny centre" in page and "AI containment" in page
    numbers = json.loads(data.read_text(encoding="utf-8"))
    assert numbers["replications"] == 3 and len(numbers["seeds"]) == 3
    sl = numbers["kpis"]["service_level"]
    assert sl["low"] <= sl["mean"] <= sl["high"]
    assert 0 < numbers["kpis"]["containment_rate"]["mean"] < 1
    assert len(numbers["series"]["service_level"]["mean"]) == 4


def test_the_same_seed_gives_the_same_numbers_whatever_the_workers(tmp_path: Path) -> None:
    scenario = write(tmp_path, "tiny.yaml", TINY)
    outputs = []
    for workers in ("1", "2"):
        data = tmp_path / f"{workers}.json"
        code, stdout, stderr = run(
            scenario,
            "--workers",
            workers,
            "--replications",
            "2",
            "--seed",
            "9",
            "--out",
            tmp_path / "r.html",
            "--json",
            data,
        )
        assert code == 0, stdout + stderr
        outputs.append(json.loads(data.read_text(encoding="utf-8")))
    serial, parallel = outputs
    assert serial["seed"] == 9 and serial["replications"] == 2
    assert serial["kpis"] == parallel["kpis"] and serial["series"] == parallel["series"]


def test_a_sweep_prints_a_what_if_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    text = TINY + "sweep: {variable: ai.share, values: [0.0, 0.5]}\n"
    scenario = write(tmp_path, "sweep.yaml", text)
    code, stdout, stderr = run(
        scenario, "--replications", "2", "--workers", "1", "--out", tmp_path / "s.html"
    )
    assert code == 0, stdout + stderr
    assert "What-if: ai.share" in stdout and "0.5" in stdout
    assert (tmp_path / "s.html").read_text(encoding="utf-8").count("<img ") == 4


def test_a_bad_scenario_exits_2_naming_each_field(tmp_path: Path) -> None:
    bad = TINY.replace("mean_s: 150", "mean_s: -1").replace("channel: chat", "channel: fax")
    code, stdout, stderr = run(write(tmp_path, "bad.yaml", bad), "--out", tmp_path / "x.html")
    assert code == EXIT_ERROR, stdout + stderr
    assert "invalid scenario" in stderr
    assert "queues[0].handle_time.mean_s" in stderr
    assert "queues[1].channel" in stderr
    assert not (tmp_path / "x.html").exists()


def test_a_horizon_mismatch_names_the_field(tmp_path: Path) -> None:
    bad = TINY.replace("per_interval: [20, 30, 30, 20]", "per_interval: [20, 30]")
    code, _, stderr = run(write(tmp_path, "bad.yaml", bad))
    assert code == EXIT_ERROR
    assert "queues[0].arrivals.per_interval" in stderr and "has 2 values" in stderr


def test_a_file_that_is_not_yaml_exits_2(tmp_path: Path) -> None:
    code, _, stderr = run(write(tmp_path, "bad.yaml", "queues: [unclosed\n"))
    assert code == EXIT_ERROR and "not valid YAML" in stderr


def test_the_example_scenario_is_valid() -> None:
    scenario = load_scenario(EXAMPLE)
    assert {q.channel for q in scenario.queues} == {"voice", "chat"}
    assert scenario.ai is not None and scenario.ai.share == 0.3
    assert scenario.intervals == 24
