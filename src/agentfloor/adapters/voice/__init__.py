"""Voice adapters: the carrier's media stream protocol and the offline speech engines.

`twilio` reads and writes Twilio Media Streams messages (Telnyx speaks the same) and the TwiML
that connects a call to the stream; `mulaw` codes G.711 mu-law and resamples; `WebrtcVad`,
`PocketsphinxStt` and `FliteTts` implement the ports of `agentfloor.voice` with engines that
ship inside PyPI wheels or Debian packages. `TestCaller` (in `test_caller`, imported on its
own: it needs `websockets`) plays a caller over a real WebSocket for tests, demo and benchmark.
`WavWriter` writes call recordings frame by frame (`finalise_wav` repairs one cut by a crash).
"""

from __future__ import annotations

from agentfloor.adapters.voice.flite_tts import FliteTts, flite_path
from agentfloor.adapters.voice.mulaw import mulaw_to_pcm16, pcm16_to_mulaw, resample
from agentfloor.adapters.voice.pocketsphinx_stt import PocketsphinxStream, PocketsphinxStt
from agentfloor.adapters.voice.wav_recorder import WavWriter, finalise_wav, is_finished_wav
from agentfloor.adapters.voice.webrtc_vad import WebrtcVad

__all__ = [
    "FliteTts",
    "PocketsphinxStream",
    "PocketsphinxStt",
    "WavWriter",
    "WebrtcVad",
    "finalise_wav",
    "flite_path",
    "is_finished_wav",
    "mulaw_to_pcm16",
    "pcm16_to_mulaw",
    "resample",
]
