from __future__ import annotations

import pytest

from agentfloor.adapters.voice import FliteTts, PocketsphinxStt, flite_path


@pytest.fixture(scope="session")
def tts() -> FliteTts:
    if flite_path() is None:
        pytest.skip("flite is not installed (make voice-tools)")
    return FliteTts()


@pytest.fixture(scope="session")
def stt() -> PocketsphinxStt:
    return PocketsphinxStt()
