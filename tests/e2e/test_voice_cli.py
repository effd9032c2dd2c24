"""`agentfloor call`: the command line phones a live server and prints the conversation."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from agentfloor.access.model import Role
from agentfloor.adapters.voice import flite_path
from agentfloor.cli import app
from tests.e2e.centre import MENU_FLOW, support_line
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.skipif(
    flite_path() is None, reason="flite is not installed (make voice-tools)"
)


@pytest.fixture(scope="module")
def centre(live: LiveServer) -> dict[str, Any]:
    line = support_line(live)
    with live.client("b") as c:
        r = c.post("/v1/flows", content=MENU_FLOW, headers={"Content-Type": "application/yaml"})
        assert r.status_code == 201, r.text
        assert c.put("/v1/assistant", json={"flow_id": r.json()["flow_id"]}).status_code == 200
    return line


@pytest.mark.slow
def test_a_call_from_the_command_line_prints_both_sides(
    live: LiveServer, centre: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    key = live.tenants["a"].keys[Role.INTEGRATION]
    result = CliRunner().invoke(
        app,
        [
            "call",
            "--url",
            live.base_url,
            "--key",
            key,
            "--speed",
            "2",
            "where is my order",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    said = [line for line in lines if line.startswith("caller")]
    assert said == ["caller where is my order"]
    answers = [line for line in lines if line.startswith("bot")]
    # the greeting, then the question for the order number (the whole order conversation is
    # tests/e2e/test_voice.py's; here the command's printing of both sides is the point)
    assert len(answers) >= 2, result.output
    after = lines[lines.index(said[0]) + 1 :]
    assert lines.index(answers[0]) < lines.index(said[0]), result.output  # greeted first
    assert any(line.startswith("bot") for line in after), result.output  # then answered


@pytest.mark.slow
def test_keys_are_pressed_in_a_menu(live: LiveServer, centre: dict[str, Any]) -> None:
    key = live.tenants["b"].keys[Role.INTEGRATION]
    result = CliRunner().invoke(
        app, ["call", "--url", live.base_url, "--key", key, "--speed", "2", "keys:1"]
    )
    assert result.exit_code == 0, result.output
    assert "caller presses 1" in result.stdout
    assert "monday" in result.stdout.lower() or "friday" in result.stdout.lower(), result.output


def test_without_a_key_the_call_is_refused_with_a_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AGENTFLOOR_API_KEY", raising=False)
    result = CliRunner().invoke(app, ["call", "hello"])
    assert result.exit_code == 2
    assert "an API key is needed" in result.output
