"""`agentfloor staff` run in-process with typer's CliRunner: tables per model, clear errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner, Result

from agentfloor.cli import app


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich tables: one row per line


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, ["staff", *args])


def rows(output: str) -> list[list[str]]:
    """Every table row, cells stripped, in print order."""
    found = []
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 7 and cells[0].isdigit():
            found.append(cells)
    return found


def test_erlang_c_only_without_patience() -> None:
    result = cli("--calls", "1200", "--aht", "240", "--interval", "30m", "--sl", "80/20")
    assert result.exit_code == 0, result.output
    assert "160.00 Erlangs" in result.stdout
    assert "Erlang C (callers never hang up): 169 agents, 169 scheduled" in result.stdout
    assert "Erlang A" not in result.stdout
    assert ["169", "169", "82.3%"] in [
        cells[:3] for cells in rows(result.stdout)
    ]  # pyworkforce's answer too (test_staffing)


def test_the_issue_example_prints_both_models_with_shrinkage_and_occupancy() -> None:
    result = cli(
        "--calls", "1200", "--aht", "240", "--interval", "30m", "--sl", "80/20",
        "--patience", "90s", "--shrinkage", "0.3", "--max-occupancy", "0.85",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Erlang C (callers never hang up): 189 agents, 270 scheduled" in result.stdout
    assert "169 meet the target" in result.stdout
    assert "Erlang A (mean patience 90 s" in result.stdout
    assert "148 meet the target" in result.stdout
    abandon = [cells[6] for cells in rows(result.stdout)]
    assert "-" in abandon and any(a.endswith("%") for a in abandon)


def test_abandonment_target_uses_erlang_a_only() -> None:
    result = cli(
        "--calls", "1200", "--aht", "4m", "--max-abandon", "5", "--patience", "2m",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "abandonment <= 5.0%" in result.stdout
    assert "Erlang C" not in result.stdout and "Erlang A (mean patience 120 s" in result.stdout


def test_one_hundred_thousand_calls() -> None:
    result = cli("--calls", "100000", "--aht", "240", "--sl", "80/20", "--patience", "90")
    assert result.exit_code == 0, result.output
    assert "13,333.33 Erlangs" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--calls", "100", "--aht", "4 parsecs"], "--aht: '4 parsecs' is not a duration"),
        (["--calls", "100", "--aht", "240", "--sl", "80"], "not a service level like 80/20"),
        (["--calls", "100", "--aht", "240", "--sl", "120/20"], "between 0 and 100"),
        (["--calls", "-5", "--aht", "240"], "calls must be a finite number >= 0"),
        (["--calls", "100", "--aht", "0"], "handle time must be > 0"),
        (["--calls", "100", "--aht", "240", "--shrinkage", "100"], "shrinkage must be in [0, 1)"),
        (["--calls", "100", "--aht", "240", "--max-abandon", "0.05"], "needs --patience"),
        (["--calls", "100", "--aht", "240", "--patience", "soon"], "--patience: 'soon'"),
    ],
    ids=[
        "bad-aht",
        "bad-sl",
        "sl-over-100",
        "negative-calls",
        "zero-aht",
        "shrinkage-100",
        "abandon-without-patience",
        "bad-patience",
    ],
)
def test_bad_input_is_one_red_line_and_exit_2(args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
