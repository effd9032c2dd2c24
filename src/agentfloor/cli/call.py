"""`agentfloor call`: phone a running agentfloor as a caller would, and print the conversation.

The test caller (`agentfloor.adapters.voice.test_caller`) does what a carrier does for an
incoming call (the TwiML webhook, then the Media Streams WebSocket) and speaks each utterance
with flite in real time; what the bot says is transcribed with pocketsphinx and printed as it
comes. An argument `keys:123#` presses keys instead of speaking. A way to hear the voice
channel work without a telephone number, and the demo's voice call.
"""

from __future__ import annotations

import os
import re
from typing import Annotated

import typer
from rich.markup import escape

from agentfloor.adapters.voice import FliteTts, PocketsphinxStt, flite_path
from agentfloor.adapters.voice.test_caller import TestCaller
from agentfloor.cli.common import err, out
from agentfloor.core.errors import InvalidInput, ProblemDetail, Unavailable

__all__ = ["call"]

_KEYS = re.compile(r"keys:([0-9*#A-D]+)")


def call(
    steps: Annotated[
        list[str],
        typer.Argument(
            help="What the caller does, in order: a sentence to say, or keys:DIGITS to press.",
            show_default=False,
        ),
    ],
    url: Annotated[str, typer.Option(help="The agentfloor server.")] = "http://127.0.0.1:8000",
    key: Annotated[
        str | None,
        typer.Option(
            help="An integration or admin API key (default: $AGENTFLOOR_API_KEY).",
            show_default=False,
        ),
    ] = None,
    from_number: Annotated[
        str, typer.Option("--from", help="The caller's number (links the call to the CRM).")
    ] = "+447700900123",
    speed: Annotated[
        float, typer.Option(min=0.5, max=8.0, help="Play the caller's line this much faster.")
    ] = 1.0,
    timeout: Annotated[
        float, typer.Option(min=5, max=600, help="Seconds to wait for each answer.")
    ] = 60.0,
) -> None:
    """Call agentfloor's voice line, say each step in turn, and print what the bot answers."""
    api_key = key or os.environ.get("AGENTFLOOR_API_KEY")
    if not api_key:
        raise InvalidInput(
            "an API key is needed: --key af_... or AGENTFLOOR_API_KEY (integration or admin)",
            problems=[ProblemDetail("key", "missing")],
        )
    if flite_path() is None:
        raise Unavailable("flite is not installed: `make voice-tools` (or apt-get install flite)")
    caller = TestCaller(
        url, api_key, FliteTts(), PocketsphinxStt(), from_number=from_number, speed=speed
    )
    with caller:
        with err.status("ringing..."):
            heard = _answer(caller, 0, timeout)
        _print_bot(heard)
        for step in steps:
            if caller.closed:
                err.print("[yellow]the call ended before every step was done[/]")
                break
            before = len(caller.lines)
            keys = _KEYS.fullmatch(step.strip())
            if keys:
                out.print(f"[bold]caller[/] presses {escape(keys.group(1))}")
                caller.press(keys.group(1))
            else:
                out.print(f"[bold]caller[/] {escape(step)}")
                caller.say(step)
            with err.status("listening..."):
                heard = _answer(caller, before, timeout)
            _print_bot(heard)
    err.print(f"call {caller.call_sid} ended ({caller.close_reason or 'hung up'})")


def _answer(caller: TestCaller, after: int, timeout: float) -> list[str]:
    """Return the bot's lines after `after`; none when the call closed without them."""
    try:
        return caller.wait_for_reply(after, timeout_s=timeout)
    except TimeoutError:
        if caller.closed:
            return []
        raise Unavailable(f"the bot said nothing within {timeout:.0f} s") from None


def _print_bot(lines: list[str]) -> None:
    for line in lines:
        out.print(f"[bold cyan]bot[/]    {escape(line) if line else '[dim](unclear)[/]'}")
