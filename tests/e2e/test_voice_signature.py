"""The voice webhook behind Twilio's signature: a server with the auth token set, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from agentfloor.access.model import Role
from agentfloor.adapters.voice.twilio import request_signature
from agentfloor.settings import Settings
from tests.e2e.server import LiveServer, start_server

AUTH_TOKEN = "twilio-auth-token-for-tests"
FORM = {"CallSid": "CA77", "From": "+447700900123", "To": "+442079460000"}


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    var: Path = tmp_path_factory.mktemp("var")
    settings = Settings(
        var_dir=var,
        database_url=None,
        nlu_encoder="none",
        twilio_auth_token=SecretStr(AUTH_TOKEN),
    )
    server = start_server(settings, {"a": "GB"})
    yield server
    server.stop()


def webhook(live: LiveServer) -> tuple[str, str]:
    """Return the webhook URL as configured on the number (key in the query) and the key."""
    key = live.tenants["a"].keys[Role.INTEGRATION]
    return f"{live.base_url}/v1/voice/twiml?api_key={key}", key


def test_a_signed_webhook_is_answered(signed: LiveServer) -> None:
    url, _ = webhook(signed)
    signature = request_signature(AUTH_TOKEN, url, FORM)
    r = httpx.post(url, data=FORM, headers={"X-Twilio-Signature": signature})
    assert r.status_code == 200, r.text
    assert "<Connect><Stream" in r.text


def test_a_webhook_with_a_valid_key_but_no_or_a_wrong_signature_is_refused(
    signed: LiveServer,
) -> None:
    url, _ = webhook(signed)
    unsigned = httpx.post(url, data=FORM)
    assert unsigned.status_code == 403
    assert "X-Twilio-Signature" in unsigned.json()["detail"]
    forged = request_signature("another-token", url, FORM)
    assert httpx.post(url, data=FORM, headers={"X-Twilio-Signature": forged}).status_code == 403
    # signed for other form values: a replayed signature does not carry over to a changed call
    signature = request_signature(AUTH_TOKEN, url, FORM)
    changed = {**FORM, "From": "+447700900999"}
    r = httpx.post(url, data=changed, headers={"X-Twilio-Signature": signature})
    assert r.status_code == 403


def test_the_signature_is_checked_against_the_url_the_proxy_forwarded(signed: LiveServer) -> None:
    url, key = webhook(signed)
    public = f"https://voice.example.com/v1/voice/twiml?api_key={key}"
    signature = request_signature(AUTH_TOKEN, public, FORM)
    headers = {
        "X-Twilio-Signature": signature,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "voice.example.com",
    }
    r = httpx.post(url, data=FORM, headers=headers)
    assert r.status_code == 200, r.text
    assert 'url="wss://voice.example.com/v1/voice/stream"' in r.text
