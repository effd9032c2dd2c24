"""Settings from `AGENTFLOOR_*` environment variables, read when `Settings()` is called."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything an operator can configure. Every field is an `AGENTFLOOR_<NAME>` variable."""

    model_config = SettingsConfigDict(env_prefix="AGENTFLOOR_", extra="ignore")

    var_dir: Path = Field(Path("var"), description="Where the SQLite file and uploads live.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default sqlite:///<var_dir>/agentfloor.db. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    host: str = Field("127.0.0.1", description="Address `agentfloor serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `agentfloor serve` listens on.")
    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest JSON request body.")
    max_upload_bytes: int = Field(
        200 * 1_048_576, ge=1024, description="Largest CSV upload (customers import)."
    )
    llm_base_url: str | None = Field(
        None,
        description="Optional OpenAI-compatible chat-completions server, e.g. "
        "http://127.0.0.1:8080/v1. Unset: the AI agent works fully offline without one.",
    )
    llm_model: str = Field("gpt-4o-mini", description="Model name sent to the LLM server.")
    llm_api_key: str | None = Field(None, description="Bearer key for the LLM server.")
    nlu_encoder: Literal["minilm", "none"] = Field(
        "minilm",
        description="Sentence encoder for intent models: minilm (weights inside the installed "
        "package; most accurate) or none (TF-IDF only; lighter, a little less accurate).",
    )
    chat_idle_s: float = Field(
        900.0,
        gt=0,
        description="A chat the AI agent has gets its outcome (contained or abandoned) after "
        "this many seconds without a message.",
    )
    llm_timeout_s: float = Field(20.0, gt=0, le=300, description="LLM request timeout.")
    voice_stt: Literal["pocketsphinx", "hosted"] = Field(
        "pocketsphinx",
        description="Speech to text on calls: offline pocketsphinx, or a hosted engine at "
        "voice_stt_url (OpenAI-compatible /audio/transcriptions; pocketsphinx stands in when "
        "it fails).",
    )
    voice_stt_processes: int = Field(
        0,
        ge=0,
        le=64,
        description="Worker processes that decode whole utterances for pocketsphinx (answers "
        "to grammars: order numbers, menus); 0 decodes them in the server's process. About the "
        "number of cores on a node that takes many calls at once.",
    )
    voice_stt_url: str | None = Field(None, description="Base URL, e.g. https://api.openai.com/v1.")
    voice_stt_model: str = Field("whisper-1", description="Transcription model name.")
    voice_stt_api_key: SecretStr | None = Field(None, description="Bearer key for voice_stt_url.")
    voice_tts: Literal["flite", "hosted"] = Field(
        "flite",
        description="Text to speech on calls: offline flite, or a hosted engine at voice_tts_url "
        "(OpenAI-compatible /audio/speech answering WAV; flite stands in when it fails).",
    )
    voice_tts_url: str | None = Field(None, description="Base URL of the speech server.")
    voice_tts_model: str = Field("tts-1", description="Speech model name.")
    voice_tts_voice: str = Field("alloy", description="Voice name sent to the speech server.")
    voice_tts_api_key: SecretStr | None = Field(None, description="Bearer key for voice_tts_url.")
    twilio_auth_token: SecretStr | None = Field(
        None,
        description="The Twilio account's auth token: when set, the voice webhook answers only "
        "requests carrying a valid X-Twilio-Signature (403 otherwise).",
    )
    recordings_dir: Path | None = Field(
        None,
        description="Where call recordings are written (tenants that turn `recording` on); "
        "default <var_dir>/recordings.",
    )

    @model_validator(mode="after")
    def _hosted_engines_have_urls(self) -> Settings:
        if self.voice_stt == "hosted" and not self.voice_stt_url:
            raise ValueError("voice_stt=hosted needs voice_stt_url (AGENTFLOOR_VOICE_STT_URL)")
        if self.voice_tts == "hosted" and not self.voice_tts_url:
            raise ValueError("voice_tts=hosted needs voice_tts_url (AGENTFLOOR_VOICE_TTS_URL)")
        return self

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to the SQLite file under `var_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'agentfloor.db').as_posix()}"

    def resolved_recordings_dir(self) -> Path:
        """Return the call recordings directory, defaulting to `recordings` under `var_dir`."""
        return self.recordings_dir or self.var_dir / "recordings"
