"""`agentfloor forecast` on the real Anonymous Bank arrivals (development months only) and bad CSVs.

The file holds January to October 1999 only (November and December are held out); the tests cut
it shorter still with `--until` or by copying a few weeks, to stay fast.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentfloor.cli import app
from agentfloor.cli.app import EXIT_ERROR

ARRIVALS = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "datasets"
    / "anonymous_bank_arrivals"
    / "arrivals_6min.csv"
)

needs_arrivals = pytest.mark.skipif(
    not ARRIVALS.is_file(),
    reason=f"the Anonymous Bank arrivals are not at {ARRIVALS} "
    "(the shared data sets sit beside the project)",
)


def dev_weeks(tmp_path: Path, first: str, last: str) -> Path:
    """Copy the 6-minute rows with `first <= start < last` (dates, all in Jan-Oct 1999)."""
    assert last <= "1999-11-01", "November and December are held out"
    target = tmp_path / "arrivals.csv"
    with ARRIVALS.open(encoding="utf-8") as src, target.open("w", encoding="utf-8") as dst:
        rows = [r for r in csv.DictReader(src) if first <= r["start"][:10] < last]
        dst.write("start,calls\n" + "".join(f"{r['start']},{r['calls']}\n" for r in rows))
    return target


@needs_arrivals
def test_forecasts_the_week_after_the_history_and_plots_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    data = dev_weeks(tmp_path, "1999-08-01", "1999-09-26")  # 8 weeks, Rosh Hashanah inside
    plot = tmp_path / "forecast.png"
    result = CliRunner().invoke(
        app, ["forecast", str(data), "--country", "IL", "--plot", str(plot)]
    )
    assert result.exit_code == 0, result.output
    assert "Forecast (mstl), 30-minute intervals from 1999-09-26 00:00" in result.stdout
    assert "Sun 1999-09-26" in result.stdout and "Sat 1999-10-02" in result.stdout
    assert "holiday x0." in result.stdout  # Rosh Hashanah taught the holiday factor
    assert "1999-10-02" in result.stdout.split("holidays in horizon:")[1]  # Simchat Torah
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_arrivals
@pytest.mark.slow  # two origins x four models on 30-minute data: about 5 s
def test_backtest_table_compares_every_model_with_seasonal_naive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    plot = tmp_path / "backtest.png"
    result = CliRunner().invoke(
        app,
        [
            "forecast",
            str(ARRIVALS),
            "--until",
            "1999-07-01",
            "--backtest",
            "--origins",
            "2",
            "--country",
            "IL",
            "--interval",
            "30m",
            "--horizon",
            "7d",
            "--plot",
            str(plot),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Backtest: 2 origins 1999-06-17 .. 1999-06-24" in result.stdout
    for name in ("mstl", "mstl_autoets", "autoets", "seasonal_naive", "baseline"):
        assert name in result.stdout
    assert plot.is_file()


def test_a_duplicate_row_is_an_error_naming_the_csv_line(tmp_path: Path) -> None:
    data = tmp_path / "dup.csv"
    rows = [
        f"1999-01-{1 + i // 48:02d}T{(i % 48) // 2:02d}:{30 * (i % 2):02d}:00,3"
        for i in range(48 * 15)
    ]
    rows.insert(3, rows[2])
    data.write_text("start,calls\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["forecast", str(data), "--plot", str(tmp_path / "x.png")])
    assert result.exit_code == EXIT_ERROR
    assert "duplicate" in result.output and "line 5" in result.output
    assert not (tmp_path / "x.png").exists()


def test_a_bad_interval_or_header_is_an_error(tmp_path: Path) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("when,calls\n1999-01-01T00:00:00,1\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["forecast", str(data), "--interval", "half an hour"])
    assert result.exit_code == EXIT_ERROR and "--interval" in result.output
    result = CliRunner().invoke(app, ["forecast", str(data)])
    assert result.exit_code == EXIT_ERROR and "header" in result.output
    result = CliRunner().invoke(
        app, ["forecast", str(data), "--interval", "60m", "--horizon", "90m"]
    )
    assert result.exit_code == EXIT_ERROR and "--horizon 90m is not a whole number" in result.output
