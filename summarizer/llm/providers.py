"""Which endpoint a run talks to. Adding a provider means adding a branch here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from summarizer.config import Settings, StructuredMode
from summarizer.llm.model_store import MODEL_NAME
from summarizer.redaction import redact_url

OPENAI_BASE_URL = "https://api.openai.com/v1"
OPENAI_DEFAULT_MODEL = "gpt-4o-mini"
# Replayed runs never open a socket; any URL works because cassettes match on path, not host.
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"
# llama.cpp ignores the key, but the SDK insists on one.
PLACEHOLDER_KEY = "not-needed"

# Context windows of OpenAI's models, by name prefix; any other server's model is assumed
# to read 8,192 tokens unless --context-tokens says more.
_OPENAI_CONTEXT = {
    "gpt-4o": 128_000,
    "gpt-4.1": 1_000_000,
    "gpt-5": 400_000,
    "o3": 200_000,
    "o4": 200_000,
}
DEFAULT_CONTEXT = 8192

ProviderKind = Literal["openai", "openai-compatible", "local"]


class ConfigurationError(ValueError):
    """Settings that cannot work together; a usage error."""


@dataclass(frozen=True)
class Endpoint:
    provider: ProviderKind
    base_url: str | None  # None for "local" until the engine is up
    api_key: str
    model: str
    structured_mode: StructuredMode

    @property
    def needs_engine(self) -> bool:
        return self.provider == "local" and self.base_url is None

    def describe(self) -> str:
        """How messages name the endpoint: its URL without credentials."""
        return redact_url(self.base_url) if self.base_url else "embedded engine"


def select_endpoint(settings: Settings) -> Endpoint:
    if settings.base_url:
        if not settings.model:
            raise ConfigurationError(
                "--model is required with --base-url: the name the server knows the model by"
            )
        return Endpoint(
            provider="openai-compatible",
            base_url=settings.base_url.rstrip("/"),
            api_key=settings.api_key or PLACEHOLDER_KEY,
            model=settings.model,
            structured_mode=settings.structured_mode,
        )
    if settings.api_key:
        return Endpoint(
            provider="openai",
            base_url=OPENAI_BASE_URL,
            api_key=settings.api_key,
            model=settings.model or OPENAI_DEFAULT_MODEL,
            structured_mode=settings.structured_mode,
        )
    return Endpoint(
        provider="local",
        base_url=REPLAY_BASE_URL if settings.replay_cassette else None,
        api_key=PLACEHOLDER_KEY,
        model=local_model_name(settings),
        structured_mode="json_schema",  # llama.cpp turns the schema into a grammar
    )


def local_model_name(settings: Settings) -> str:
    return settings.model_path.stem if settings.model_path else MODEL_NAME


def context_tokens(settings: Settings, endpoint: Endpoint) -> int:
    """Tokens one request may take, prompt and answer together."""
    if settings.context_tokens:
        return settings.context_tokens
    if endpoint.provider == "local":
        return settings.context_per_slot
    if endpoint.provider == "openai":
        for prefix, tokens in _OPENAI_CONTEXT.items():
            if endpoint.model.startswith(prefix):
                return tokens
    return DEFAULT_CONTEXT
