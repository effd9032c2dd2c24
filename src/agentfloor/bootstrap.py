"""Composition root: `Settings` in, a wired `Container` out; the only place adapters are picked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from agentfloor.adapters.bus import InMemoryEventBus
from agentfloor.adapters.http import HttpWebhookCaller
from agentfloor.adapters.llm import OpenAICompatibleClient
from agentfloor.adapters.nlu import VaderSentiment
from agentfloor.adapters.storage import SqlUnitOfWorkFactory, create_engine_for, upgrade_to_head
from agentfloor.adapters.voice import FliteTts, PocketsphinxStt
from agentfloor.adapters.voice.hosted import HostedStt, HostedTts
from agentfloor.agents.llm import LlmClient
from agentfloor.agents.nlu import TextEncoder
from agentfloor.core.clock import SystemClock
from agentfloor.core.ids import UlidFactory
from agentfloor.runtime.assistant import Assistant
from agentfloor.runtime.chat import ChatService
from agentfloor.runtime.context import ServiceContext
from agentfloor.runtime.nlu import NluService
from agentfloor.runtime.router import RouterService
from agentfloor.settings import Settings
from agentfloor.voice.ports import SpeechToText, TextToSpeech

__all__ = ["Container", "build", "speech_engines"]


@dataclass(slots=True)
class Container:
    """Everything an entry point needs; `close()` releases the database connections."""

    settings: Settings
    engine: Engine
    ctx: ServiceContext
    router: RouterService
    chat: ChatService
    nlu: NluService
    assistant: Assistant
    webhooks: HttpWebhookCaller
    llm: LlmClient | None = None

    def close(self) -> None:
        """Dispose of the connection pool and the webhook client."""
        self.webhooks.close()
        self.engine.dispose()


def build(settings: Settings | None = None, *, upgrade: bool = True) -> Container:
    """Wire the embedded defaults (or PostgreSQL when configured); migrate to head if asked."""
    settings = settings or Settings()
    engine = create_engine_for(settings.resolved_database_url())
    if upgrade:
        upgrade_to_head(engine)
    clock = SystemClock()
    ctx = ServiceContext(
        uow=SqlUnitOfWorkFactory(engine),
        bus=InMemoryEventBus(),
        clock=clock,
        ids=UlidFactory(clock),
    )
    llm: LlmClient | None = None
    if settings.llm_base_url:
        llm = OpenAICompatibleClient(
            settings.llm_base_url,
            settings.llm_model,
            api_key=settings.llm_api_key,
            timeout_s=settings.llm_timeout_s,
        )
    router = RouterService(ctx)
    chat = ChatService(ctx)
    nlu = NluService(ctx, encoder=_encoder_factory(settings), sentiment=VaderSentiment())
    webhooks = HttpWebhookCaller()
    assistant = Assistant(ctx, router=router, nlu=nlu, webhooks=webhooks, chat=chat, llm=llm)
    chat.add_responder(assistant)
    return Container(
        settings=settings,
        engine=engine,
        ctx=ctx,
        router=router,
        chat=chat,
        nlu=nlu,
        assistant=assistant,
        webhooks=webhooks,
        llm=llm,
    )


def _encoder_factory(settings: Settings) -> Callable[[], TextEncoder] | None:
    """Return what builds the sentence encoder on first need (loading takes seconds)."""
    if settings.nlu_encoder == "none":
        return None

    def load() -> TextEncoder:
        from agentfloor.adapters.nlu import MiniLmEncoder  # imports torch: only when needed

        return MiniLmEncoder()

    return load


def speech_engines(settings: Settings) -> tuple[SpeechToText, TextToSpeech]:
    """Return the calls' speech to text and text to speech the settings pick.

    The offline engines are always there: a hosted one falls back to them when it fails.
    """
    offline_stt = PocketsphinxStt(processes=settings.voice_stt_processes)
    offline_tts = FliteTts()
    stt: SpeechToText = offline_stt
    tts: TextToSpeech = offline_tts
    if settings.voice_stt == "hosted" and settings.voice_stt_url:
        key = settings.voice_stt_api_key
        stt = HostedStt(
            settings.voice_stt_url,
            settings.voice_stt_model,
            api_key=key.get_secret_value() if key else None,
            fallback=offline_stt,
        )
    if settings.voice_tts == "hosted" and settings.voice_tts_url:
        key = settings.voice_tts_api_key
        tts = HostedTts(
            settings.voice_tts_url,
            settings.voice_tts_model,
            voice=settings.voice_tts_voice,
            api_key=key.get_secret_value() if key else None,
            fallback=offline_tts,
        )
    return stt, tts
