"""A caller asks for a person; the call reaches Robin's desk in chromium, who hears and answers.

Chromium runs with a fake microphone playing a WAV that flite speaks at test time
(`--use-file-for-fake-audio-capture`) and grants the microphone without asking. The test caller
speaks the carrier protocol to the live server; it hears what the desk's microphone sends and
transcribes it with pocketsphinx.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agentfloor.access.model import Role
from agentfloor.adapters.voice import FliteTts, PocketsphinxStt, flite_path
from agentfloor.adapters.voice.test_caller import TestCaller
from tests.e2e.browser.conftest import _chromium
from tests.e2e.browser.test_desk import sign_in
from tests.e2e.centre import support_line
from tests.e2e.server import LiveServer
from tests.e2e.test_voice import call_interaction, events_of

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(flite_path() is None, reason="flite is not installed (make voice-tools)"),
]
expect = pytest.importorskip("playwright.sync_api").expect

Shot = Callable[[Any, str], Path]
AGENT_SAYS = "Yes, I can hear you. How can I help?"


@pytest.fixture(scope="module")
def centre(live: LiveServer) -> dict[str, Any]:
    line = support_line(live)
    with live.client() as c:
        config = c.get("/v1/routing/config").json()
        config["reservation_timeout_s"] = 300  # a loaded test machine is slow to click
        assert c.put("/v1/routing/config", json=config).status_code == 200
        r = c.post("/v1/dispositions", json={"code": "resolved", "label": "Resolved"})
        assert r.status_code == 201, r.text
        billing = c.post("/v1/queues", json={"name": "Billing"}).json()
        worker = c.post("/v1/workers", json={"name": "Robin", "capacity": {"voice": 1}}).json()
        sam = c.post("/v1/workers", json={"name": "Sam", "capacity": {"voice": 1}}).json()
        sams = c.post(
            "/v1/api-keys", json={"name": "Sam's desk", "role": "agent", "worker_id": sam["id"]}
        )
        assert sams.status_code == 201, sams.text
        r = c.post(
            "/v1/api-keys",
            json={"name": "Robin's desk", "role": "agent", "worker_id": worker["id"]},
        )
        assert r.status_code == 201, r.text
    return {
        "queue": line["queue"],
        "billing": billing,
        "worker": worker,
        "sam": sam,
        "sam_key": sams.json()["key"],
        "key": r.json()["key"],
    }


@pytest.fixture(scope="module")
def microphone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 16 kHz WAV of the agent's words, then a second of quiet (chromium loops it)."""
    folder = tmp_path_factory.mktemp("mic")
    spoken = folder / "spoken.wav"
    subprocess.run(
        [str(flite_path()), "-voice", "slt", "-t", AGENT_SAYS, "-o", str(spoken)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    import wave

    with wave.open(str(spoken), "rb") as w:
        rate, audio = w.getframerate(), w.readframes(w.getnframes())
    path = folder / "agent.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(audio + bytes(2 * rate))
    return path


@pytest.fixture(scope="module")
def call_browser(browser: Any, microphone: Path) -> Iterator[Any]:
    """A second chromium of the same Playwright, with the fake microphone."""
    launched = browser.browser_type.launch(
        executable_path=_chromium(),
        headless=True,
        args=[
            "--no-sandbox",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    yield launched
    launched.close()


def open_desk(call_browser: Any, live: LiveServer) -> Any:
    context = call_browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["microphone"], origin=live.base_url)
    context.set_default_timeout(20_000)
    return context


@pytest.fixture
def desk(call_browser: Any, live: LiveServer) -> Iterator[Any]:
    context = open_desk(call_browser, live)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sams_desk(call_browser: Any, live: LiveServer) -> Iterator[Any]:
    context = open_desk(call_browser, live)
    page = context.new_page()
    yield page
    context.close()


def caller(live: LiveServer, digit: str, from_number: str) -> TestCaller:
    """A test caller on the carrier protocol (not yet dialled), at twice real time."""
    return TestCaller(
        live.base_url,
        live.tenants["a"].keys[Role.INTEGRATION],
        FliteTts(),
        PocketsphinxStt(),
        call_sid="CA" + digit * 32,
        from_number=from_number,
        speed=2.0,
    )


def rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], "<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0


@pytest.mark.slow
def test_a_caller_reaches_the_desk_where_the_agent_hears_and_answers(
    live: LiveServer, centre: dict[str, Any], desk: Any, shot: Shot
) -> None:
    errors: list[str] = []
    desk.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(desk, live, "/desk", centre["key"])
    expect(desk.locator("#connection")).to_have_text("live")

    with caller(live, "7", "+447700900789") as call:
        call.wait_for_reply(0)
        heard = len(call.lines)
        call.say("I want to talk to a person")
        # not `wait_for_reply`: hold music follows the reply, the line is never quiet again
        call.wait_for(lambda: len(call.lines) > heard, 60, "the handoff reply")
        iid = call_interaction(live, call.call_sid)["id"]

        # Robin becomes available: the call is offered and accepted from the keyboard.
        desk.get_by_label("Activity").select_option("available")
        offer = desk.locator(".offer")
        expect(offer).to_contain_text("Incoming call")
        shot(desk, "desk-call-offer")
        desk.keyboard.press("Alt+a")
        expect(offer).to_have_count(0)

        # The AI's handoff summary is on screen, with the call pane beside it.
        expect(desk.get_by_role("region", name="AI handoff summary")).to_contain_text(
            "asked for person"
        )
        pane = desk.get_by_role("region", name="Call")
        status = desk.locator("#call-status")
        expect(status).to_have_text("On the call")
        expect(desk.locator("#timeline")).to_contain_text("voice")
        # held work per channel against capacity (Robin takes one call, no chats)
        expect(desk.locator("#capacity")).to_contain_text("1 of 1 call")

        # The caller speaks: the desk's meter shows the voice arriving.
        call.wait_for(
            lambda: (
                any(line.mark.startswith("hold-end-") for line in call.lines)
                or not call.lines[-1].mark.startswith("hold")
            ),
            20,
            "the music to stop",
        )
        call.say("hello can you hear me")
        meter = desk.locator("#caller-heard")
        expect(meter).to_have_attribute("data-loud-frames", re.compile(r"^([2-9]\d|\d{3,})$"))
        shot(desk, "desk-call-connected")

        # The desk's (fake) microphone reaches the caller, who understands it.
        call.forget_unmarked_audio()
        wav_s = 5.0
        call.wait_for(
            lambda: len(call.unmarked_audio()) >= 8000 * 2 * wav_s, 60, "the agent's voice"
        )
        audio = call.unmarked_audio()
        assert rms(audio) > 200, rms(audio)
        text = PocketsphinxStt().transcribe(audio).text
        assert "hear" in text or "help" in text, text

        # Hold and take off hold with the buttons; mute from the keyboard.
        hold = pane.get_by_role("button", name="Hold")
        hold.click()
        expect(hold).to_have_attribute("aria-pressed", "true")
        expect(status).to_contain_text("on hold")
        shot(desk, "desk-call-hold")
        hold.click()
        expect(hold).to_have_attribute("aria-pressed", "false")
        desk.keyboard.press("Alt+m")
        expect(pane.get_by_role("button", name="Mute")).to_have_attribute("aria-pressed", "true")
        desk.keyboard.press("Alt+m")
        expect(pane.get_by_role("button", name="Mute")).to_have_attribute("aria-pressed", "false")
        expect(pane.get_by_label("Transfer to")).to_contain_text("Billing")

        # Colleagues are transfer targets too; consulting one who is offline is refused.
        target = pane.get_by_label("Transfer to")
        expect(target).to_contain_text("Sam (offline)")
        target.select_option(f"worker:{centre['sam']['id']}")
        pane.get_by_role("button", name="Consult").click()
        expect(desk.locator("#notice")).to_contain_text("Could not consult: Sam is offline")
        expect(pane.get_by_role("group", name="Consult")).to_be_hidden()

        # Robin hangs up, then wraps up as for a chat.
        pane.get_by_role("button", name="Hang up").click()
        call.wait_for(lambda: call.closed, 20, "the call to end")
    expect(status).to_contain_text("ended")
    desk.keyboard.press("Alt+w")
    desk.get_by_label("Disposition").select_option("resolved")
    shot(desk, "desk-call-wrap-up")
    desk.get_by_role("button", name="Complete").click()
    expect(desk.locator("#conversation-empty")).to_be_visible()
    with live.client() as c:
        found = c.get(f"/v1/interactions/{iid}").json()
        assert found["state"] == "completed" and found["disposition_code"] == "resolved", found
    kinds = [e["type"] for e in events_of(live, iid)]
    assert "voice.agent_connected" in kinds and "voice.hold" in kinds and "voice.mute" in kinds
    assert errors == []


@pytest.mark.slow
def test_robin_consults_sam_from_the_desk_and_hands_the_call_over(
    live: LiveServer, centre: dict[str, Any], desk: Any, sams_desk: Any, shot: Shot
) -> None:
    errors: list[str] = []
    for page in (desk, sams_desk):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(desk, live, "/desk", centre["key"])
    sign_in(sams_desk, live, "/desk", centre["sam_key"])
    for page in (desk, sams_desk):
        expect(page.locator("#connection")).to_have_text("live")

    with caller(live, "8", "+447700900790") as call:
        call.wait_for_reply(0)
        call.say("I want to talk to a person")
        iid = call_interaction(live, call.call_sid)["id"]
        desk.get_by_label("Activity").select_option("available")
        expect(desk.locator(".offer")).to_contain_text("Incoming call", timeout=60_000)
        desk.keyboard.press("Alt+a")
        pane = desk.get_by_role("region", name="Call")
        expect(desk.locator("#call-status")).to_have_text("On the call", timeout=60_000)

        # Robin asks Sam: the caller is held; Sam's desk is offered the consult and takes it.
        sams_desk.get_by_label("Activity").select_option("available")
        target = pane.get_by_label("Transfer to")
        target.focus()  # reloads the colleagues: Sam is available now
        expect(target).to_contain_text("Sam (available)")
        target.select_option(f"worker:{centre['sam']['id']}")
        pane.get_by_role("button", name="Consult").click()
        expect(desk.locator("#call-status")).to_contain_text("Waiting for Sam")
        expect(sams_desk.locator(".offer")).to_contain_text("Incoming call")
        sams_desk.keyboard.press("Alt+a")
        expect(sams_desk.locator("#call-status")).to_have_text(
            "Consulted by Robin (the caller is on hold)"
        )
        expect(desk.locator("#call-status")).to_have_text("Consulting Sam (the caller is on hold)")
        consult = pane.get_by_role("group", name="Consult")
        expect(consult).to_be_visible()
        expect(sams_desk.get_by_role("group", name="Consult")).to_be_hidden()
        shot(desk, "desk-call-consulting")

        # Complete transfer: Robin's call closes, Sam has the caller and hears them.
        consult.get_by_role("button", name="Complete transfer").click()
        expect(desk.locator("#conversation-empty")).to_be_visible()
        expect(sams_desk.locator("#call-status")).to_have_text("On the call")
        call.say("hello sam")
        expect(sams_desk.locator("#caller-heard")).to_have_attribute(
            "data-loud-frames", re.compile(r"^([2-9]\d|\d{3,})$")
        )
        shot(sams_desk, "desk-call-transferred")
        sams_desk.get_by_role("button", name="Hang up").click()
        call.wait_for(lambda: call.closed, 20, "the call to end")
    sams_desk.keyboard.press("Alt+w")
    sams_desk.get_by_label("Disposition").select_option("resolved")
    sams_desk.get_by_role("button", name="Complete").click()
    expect(sams_desk.locator("#conversation-empty")).to_be_visible()
    with live.client() as c:
        found = c.get(f"/v1/interactions/{iid}").json()
    assert found["state"] == "completed" and found["worker_id"] == centre["sam"]["id"], found
    kinds = [e["type"] for e in events_of(live, iid)]
    assert "voice.consult" in kinds and "voice.transfer" in kinds, kinds
    for page in (desk, sams_desk):
        page.get_by_label("Activity").select_option("offline")
    assert errors == []
