"""`agentfloor forecast FILE --timezone`: naive local times on daylight-saving change days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from agentfloor.cli import app
from agentfloor.cli.app import EXIT_ERROR

LONDON = ZoneInfo("Europe/London")


def local_export(tmp_path: Path, first: datetime, days: int, extra: str | None = None) -> Path:
    """A phone system's export: one row per real half hour, stamped in naive London time.

    So the fall-back hour is listed twice and the spring-forward hour not at all. `extra` is a
    row inserted in time order (for a start the clocks skip).
    """
    at = first.replace(tzinfo=LONDON).astimezone(UTC)
    end = (first + timedelta(days=days)).replace(tzinfo=LONDON).astimezone(UTC)
    rows = []
    while at < end:
        local = at.astimezone(LONDON).replace(tzinfo=None)
        if extra is not None and local.isoformat() > extra and extra not in rows:
            rows.append(extra)
        rows.append(local.isoformat())
        at += timedelta(minutes=30)
    busy = [10 + 5 * (datetime.fromisoformat(r).hour in range(9, 17)) for r in rows]
    path = tmp_path / "history.csv"
    path.write_text(
        "start,calls\n" + "".join(f"{r},{c}\n" for r, c in zip(rows, busy, strict=True)),
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def test_the_fall_back_hour_twice_needs_the_zone_and_then_forecasts(tmp_path: Path) -> None:
    data = local_export(tmp_path, datetime(2026, 10, 11), 21)  # 25 October inside
    plot = tmp_path / "forecast.png"
    args = ["forecast", str(data), "--model", "seasonal_naive", "--horizon", "1d"]
    without = CliRunner().invoke(app, [*args, "--plot", str(plot)])
    assert without.exit_code == EXIT_ERROR
    assert "duplicate" in without.output and "give the time zone" in without.output
    result = CliRunner().invoke(app, [*args, "--plot", str(plot), "--timezone", "Europe/London"])
    assert result.exit_code == 0, result.output
    assert "repaired" not in result.output  # both 01:00-02:00 hours kept, nothing filled
    assert "from 2026-11-01 00:00 Europe/London" in result.stdout
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_start_the_spring_forward_skips_is_an_error_naming_the_line(tmp_path: Path) -> None:
    data = local_export(tmp_path, datetime(2026, 3, 22), 21, extra="2026-03-29T01:30:00")
    lines = data.read_text(encoding="utf-8").splitlines()
    line = lines.index("2026-03-29T01:30:00,10") + 1
    result = CliRunner().invoke(
        app, ["forecast", str(data), "--timezone", "Europe/London", "--plot", str(tmp_path / "x")]
    )
    assert result.exit_code == EXIT_ERROR
    assert f"line {line}" in result.output and "does not exist in Europe/London" in result.output


def test_an_unknown_zone_or_a_zone_for_a_tenant_names_the_option(tmp_path: Path) -> None:
    data = local_export(tmp_path, datetime(2026, 3, 22), 21)
    result = CliRunner().invoke(app, ["forecast", str(data), "--timezone", "Europe/Atlantis"])
    assert result.exit_code == EXIT_ERROR and "--timezone" in result.output
    tenant = CliRunner().invoke(app, ["forecast", "--tenant", "t", "--timezone", "Europe/London"])
    assert tenant.exit_code == EXIT_ERROR and "interactions are in UTC" in tenant.output
