"""Which endpoint a run talks to. Adding a provider means adding a branch here, or, for one
named by a model's prefix (`--model anthropic/claude-…`), a row of NAMED_PROVIDERS (and a
client for its API in summarizer.llm.client when it speaks a new one)."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

from summarizer.errors import MissingExtraError, SettingsError
from summarizer.llm.model_store import MODEL_NAME
from summarizer.redaction import redact_url
from summarizer.settings import Settings, StructuredMode

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

ProviderKind = Literal["openai", "openai-compatible", "local", "anthropic", "gemini", "ollama"]
# The wire protocol, and so the SDK, a provider is spoken to with.
Api = Literal["openai", "anthropic", "gemini"]


@dataclass(frozen=True)
class NamedProvider:
    """A provider named by the model's prefix, as llm and instructor's from_provider name
    them: `anthropic/claude-sonnet-4-5`, `gemini/gemini-2.5-flash`, `ollama/qwen2.5:1.5b`."""

    api: Api
    default_base_url: str
    # Its own environment variables: OPENAI_API_KEY and OPENAI_BASE_URL name OpenAI's
    # endpoint and are never sent to another provider.
    key_variables: tuple[str, ...] = ()
    url_variable: str | None = None
    # The SDK's import name and the extra that installs it (None: the openai SDK, always here)
    module: str | None = None
    extra: str | None = None
    # Tokens a request may take on the provider's own service (not a --base-url server)
    context: int = DEFAULT_CONTEXT


NAMED_PROVIDERS: dict[str, NamedProvider] = {
    "anthropic": NamedProvider(
        api="anthropic",
        default_base_url="https://api.anthropic.com",
        key_variables=("ANTHROPIC_API_KEY",),
        url_variable="ANTHROPIC_BASE_URL",
        module="anthropic",
        extra="anthropic",
        context=200_000,
    ),
    "gemini": NamedProvider(
        api="gemini",
        default_base_url="https://generativelanguage.googleapis.com",
        key_variables=("GEMINI_API_KEY", "GOOGLE_API_KEY"),
        module="google.genai",
        extra="gemini",
        context=1_000_000,
    ),
    # Ollama's OpenAI-compatible server; it ignores the key.
    "ollama": NamedProvider(api="openai", default_base_url="http://localhost:11434/v1"),
}
# Replayed runs of a named provider: a port nothing listens on, never the provider's service
# (its SDK adds its own path, /v1/messages or /v1beta/models/..., which the cassette matches).
REPLAY_ROOT_URL = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Endpoint:
    provider: ProviderKind
    base_url: str | None  # None for "local" until the engine is up
    api_key: str
    model: str
    structured_mode: StructuredMode
    # A named provider's API at a URL given for it (--base-url: llama.cpp's /v1/messages),
    # not the provider's own service; the same in a replay as in its recording.
    other_server: bool = False

    @property
    def needs_engine(self) -> bool:
        return self.provider == "local" and self.base_url is None

    @property
    def api(self) -> Api:
        """The SDK this endpoint is spoken to with."""
        named = NAMED_PROVIDERS.get(self.provider)
        return named.api if named else "openai"

    def describe(self) -> str:
        """How messages name the endpoint: its URL without credentials."""
        return redact_url(self.base_url) if self.base_url else "embedded engine"


def select_endpoint(settings: Settings, environ: Mapping[str, str] | None = None) -> Endpoint:
    """The endpoint the settings name: a provider named by the model's prefix, else an
    OpenAI-compatible server (a base URL), OpenAI (a key), or the embedded engine."""
    prefix, _, name = (settings.model or "").partition("/")
    if name and prefix in NAMED_PROVIDERS:
        env = os.environ if environ is None else environ
        return _named_endpoint(prefix, name, settings, env)
    if settings.base_url:
        if not settings.model:
            raise SettingsError(
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


def _named_endpoint(
    prefix: str, model: str, settings: Settings, env: Mapping[str, str]
) -> Endpoint:
    named = NAMED_PROVIDERS[prefix]
    _require_sdk(prefix, named)
    server = _other_server(named, settings, env)
    key = _own(settings.api_key, env, "OPENAI_API_KEY") or _first_set(env, named.key_variables)
    if not key and named.key_variables and not (server or settings.replay_cassette):
        variables = " or ".join(named.key_variables)
        raise SettingsError(f"{prefix}/ needs an API key: set {variables} or pass --api-key")
    return Endpoint(
        provider=cast(ProviderKind, prefix),
        base_url=server or _service_url(named, settings),
        api_key=key or PLACEHOLDER_KEY,
        model=model,
        structured_mode=_named_mode(named, settings.structured_mode),
        other_server=server is not None,
    )


def _own(value: str | None, env: Mapping[str, str], openai_variable: str) -> str | None:
    """A setting meant for this provider: not the one OpenAI's environment variable set
    (Settings reads OPENAI_API_KEY and OPENAI_BASE_URL into the same fields as the flags)."""
    return value if value and value != env.get(openai_variable) else None


def _first_set(env: Mapping[str, str], variables: tuple[str, ...]) -> str | None:
    return next((env[v] for v in variables if env.get(v)), None)


def _other_server(named: NamedProvider, settings: Settings, env: Mapping[str, str]) -> str | None:
    """The URL given for the provider's API (--base-url, else its own variable), if any."""
    url = _own(settings.base_url, env, "OPENAI_BASE_URL")
    if url is None and named.url_variable:
        url = env.get(named.url_variable) or None
    if url is None:
        return None
    url = url.rstrip("/")
    # The Anthropic SDK adds /v1/messages itself: accept the engine's URL as printed (.../v1).
    return url.removesuffix("/v1") if named.api == "anthropic" else url


def _service_url(named: NamedProvider, settings: Settings) -> str:
    """The provider's own service; in a replay, a port nothing listens on."""
    if not settings.replay_cassette:
        return named.default_base_url
    return REPLAY_ROOT_URL + ("/v1" if named.api == "openai" else "")


def _named_mode(named: NamedProvider, mode: StructuredMode) -> StructuredMode:
    """The --mode each API can honour. Anthropic's: JSON in the text, the schema in the
    system prompt, or a forced tool call with --mode tools (llama.cpp's /v1/messages drops
    `output_config`, and under its forced-tool grammar the embedded model writes its call,
    then newlines up to the output limit). Gemini's: its response schema (instructor's JSON
    mode for google-genai), or a function call with --mode tools."""
    if named.api == "anthropic":
        return "tools" if mode == "tools" else "json"
    if named.api == "gemini":
        return "tools" if mode == "tools" else "json"
    return mode


def _require_sdk(prefix: str, named: NamedProvider) -> None:
    """Fail before any work, in one line, when the provider's SDK is not installed."""
    if named.module is None:
        return
    try:
        found = importlib.util.find_spec(named.module) is not None
    except ModuleNotFoundError:  # google.genai without google
        found = False
    if not found:
        raise MissingExtraError(
            f"{prefix}/ models need the {named.module} SDK: pip install 'summarizer[{named.extra}]'"
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
    named = NAMED_PROVIDERS.get(endpoint.provider)
    if named and not endpoint.other_server:
        return named.context
    return DEFAULT_CONTEXT
