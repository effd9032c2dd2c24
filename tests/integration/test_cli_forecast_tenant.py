"""`agentfloor forecast --tenant`: the history comes from the interactions table."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from agentfloor.cli import app


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AGENTFLOOR_DATABASE_URL", raising=False)
    monkeypatch.setenv("AGENTFLOOR_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "var"


def cli(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_a_tenant_forecast_reads_its_interactions(var_dir: Path, tmp_path: Path) -> None:
    made = cli("demo", "--no-serve", "--customers", "60")
    assert made.exit_code == 0, made.output
    plot = tmp_path / "tenant.png"
    result = cli(
        "forecast", "--tenant", "demo", "--interval", "60m", "--horizon", "1d", "--plot", str(plot)
    )
    assert result.exit_code == 0, result.output
    assert "plot:" in result.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_file_or_tenant_but_not_both_nor_neither(var_dir: Path, tmp_path: Path) -> None:
    neither = cli("forecast")
    assert neither.exit_code == 2 and "--tenant" in neither.stderr
    csv = tmp_path / "a.csv"
    csv.write_text("start,calls\n")
    both = cli("forecast", str(csv), "--tenant", "demo")
    assert both.exit_code == 2 and "not both" in both.stderr


def test_a_tenant_without_interactions_is_a_clear_error(var_dir: Path) -> None:
    assert cli("tenant", "create", "Empty", "--slug", "empty", "--region", "GB").exit_code == 0
    result = cli("forecast", "--tenant", "empty")
    assert result.exit_code == 2 and "no interactions" in result.stderr
