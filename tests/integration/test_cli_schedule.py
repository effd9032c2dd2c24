"""`agentfloor schedule` on a tiny one-day instance, and bad CSVs naming their line and column."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentfloor.cli import app
from agentfloor.cli.app import EXIT_ERROR

DAY = "2026-11-30"  # a Monday
WORKERS = (
    "id,min_hours,max_hours,start,end,days_off,skills\n"
    "ann,4,8,07:00,19:00,sat;sun,billing\n"
    "bob,0,8,,,,billing;sales\n"
    "cat,0,6,12:00,22:00,,\n"
    "dan,0,8,08:00,20:00,mon,\n"  # off on the only day
)


def agents_csv(tmp_path: Path) -> Path:
    """One day of 30-minute intervals: 2 agents 09:00-17:00, 1 agent 17:00-20:00."""
    rows = []
    for i in range(48):
        need = 2 if 18 <= i < 34 else 1 if 34 <= i < 40 else 0
        rows.append(f"{DAY}T{i // 2:02d}:{30 * (i % 2):02d}:00,{need}\n")
    path = tmp_path / "need.csv"
    path.write_text("start,agents\n" + "".join(rows), encoding="utf-8")
    return path


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["schedule", *map(str, args), "--time-limit", "5"])
    return result.exit_code, result.stdout, result.stderr


def test_rosters_a_day_writes_the_roster_and_the_plot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    png, roster = tmp_path / "cover.png", tmp_path / "roster.csv"
    code, stdout, stderr = run(
        agents_csv(tmp_path),
        write(tmp_path, "workers.csv", WORKERS),
        "--out",
        png,
        "--roster",
        roster,
    )
    assert code == 0, stdout + stderr
    assert "optimal" in stdout and "100.00" in stdout
    assert "Mon 2026-11-30" in stdout
    with roster.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert rows and set(rows[0]) == {"worker", "day", "start", "end", "break"}
    assert {r["day"] for r in rows} == {DAY}
    assert "dan" not in {r["worker"] for r in rows}  # Monday is his day off
    ann = [r for r in rows if r["worker"] == "ann"]
    assert ann and ann[0]["start"] >= "07:00" and ann[0]["end"] <= "19:00"  # her window
    assert all(r["break"] for r in rows if _hours(r) > 6)  # long shifts get a break
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _hours(row: dict[str, str]) -> float:
    def minutes(t: str) -> int:
        return int(t[:2]) * 60 + int(t[3:])

    return (minutes(row["end"]) - minutes(row["start"])) % 1440 / 60


def test_calls_are_staffed_with_erlang_c(tmp_path: Path) -> None:
    rows = "".join(
        f"{DAY}T{i // 2:02d}:{30 * (i % 2):02d}:00,{40 if 18 <= i < 34 else 0}\n" for i in range(48)
    )
    calls = write(tmp_path, "calls.csv", "start,calls\n" + rows)
    workers = write(tmp_path, "w.csv", WORKERS)
    code, _, stderr = run(calls, workers, "--roster", tmp_path / "r.csv", "--out", tmp_path / "p")
    assert code == EXIT_ERROR and "--aht" in stderr
    code, stdout, stderr = run(
        calls,
        workers,
        "--aht",
        "240",
        "--sl",
        "80/20",
        "--roster",
        tmp_path / "r.csv",
        "--out",
        tmp_path / "p.png",
    )
    assert code == 0, stdout + stderr
    assert "Erlang C from calls" in stdout and "peak 8" in stdout  # 5.33 Erlangs at 80/20


@pytest.mark.parametrize(
    ("requirements", "workers", "where"),
    [
        ("start,agents\nyesterday,1\n", WORKERS, "line 2, column start"),
        (f"start,agents\n{DAY}T00:00,x\n", WORKERS, "line 2, column agents"),
        (f"start,agents\n{DAY}T00:00,-1\n", WORKERS, "line 2, column agents"),
        (f"start,agents\n{DAY}T00:00,1.5\n", WORKERS, "line 2, column agents"),
        (f"start,agents\n{DAY}T00:10,1\n", WORKERS, "line 2, column start"),  # off the grid
        (f"start,agents\n{DAY}T00:00,1\n{DAY}T01:00,1\n", WORKERS, "line 3, column start"),
        (f"start,agents\n{DAY}T00:00,1\n", WORKERS, "whole days of 48"),
        ("begin,agents\n", WORKERS, "line 1"),
        (None, "id,min_hours\n", "line 1"),
        (None, WORKERS + "eve,x,8,,,,\n", "line 6, column min_hours"),
        (None, WORKERS + "eve,9,8,,,,\n", "line 6, column min_hours"),
        (None, WORKERS + "eve,0,8,25:00,,,\n", "line 6, column start"),
        (None, WORKERS + "eve,0,8,,7pm,,\n", "line 6, column end"),
        (None, WORKERS + "eve,0,8,,,funday,\n", "line 6, column days_off"),
        (None, WORKERS + "ann,0,8,,,,\n", "line 6, column id"),
        (None, WORKERS + ",0,8,,,,\n", "line 6, column id"),
    ],
)
def test_bad_csvs_exit_2_naming_line_and_column(
    tmp_path: Path, requirements: str | None, workers: str, where: str
) -> None:
    need = agents_csv(tmp_path) if requirements is None else write(tmp_path, "n.csv", requirements)
    code, stdout, stderr = run(need, write(tmp_path, "w.csv", workers))
    assert code == EXIT_ERROR, stdout
    assert "error:" in stderr and where in stderr
    assert len(stderr.strip().splitlines()) == 1  # one red line


def test_worker_who_cannot_reach_min_hours_is_named(tmp_path: Path) -> None:
    workers = write(tmp_path, "w.csv", WORKERS + "eve,10,12,,,,\n")  # one day holds 8 h at most
    code, _, stderr = run(agents_csv(tmp_path), workers)
    assert code == EXIT_ERROR and "eve" in stderr
