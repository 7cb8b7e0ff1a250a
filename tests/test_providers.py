from __future__ import annotations

import sys
from pathlib import Path

import pytest

from summarizer.errors import MissingExtraError, SettingsError
from summarizer.llm.model_store import MODEL_NAME
from summarizer.llm.providers import (
    DEFAULT_CONTEXT,
    NAMED_PROVIDERS,
    OPENAI_BASE_URL,
    PLACEHOLDER_KEY,
    REPLAY_BASE_URL,
    REPLAY_ROOT_URL,
    context_tokens,
    select_endpoint,
)
from summarizer.settings import Settings

ANTHROPIC_BASE_URL = NAMED_PROVIDERS["anthropic"].default_base_url


def test_nothing_configured_means_the_embedded_engine() -> None:
    endpoint = select_endpoint(Settings.from_env({}))
    assert (endpoint.provider, endpoint.model, endpoint.needs_engine) == ("local", MODEL_NAME, True)
    assert endpoint.structured_mode == "json_schema"


def test_replay_never_starts_the_engine() -> None:
    endpoint = select_endpoint(Settings.from_env({}, replay_cassette=Path("x.yaml")))
    assert endpoint.provider == "local" and not endpoint.needs_engine
    assert endpoint.base_url == REPLAY_BASE_URL


def test_api_key_means_openai() -> None:
    endpoint = select_endpoint(Settings.from_env({"OPENAI_API_KEY": "sk-test"}))
    assert (endpoint.provider, endpoint.base_url, endpoint.api_key) == (
        "openai",
        OPENAI_BASE_URL,
        "sk-test",
    )
    assert endpoint.model == "gpt-4o-mini"


def test_base_url_means_compatible_server_and_needs_a_model() -> None:
    env = {"OPENAI_BASE_URL": "http://localhost:11434/v1/"}
    with pytest.raises(SettingsError, match="--model is required"):
        select_endpoint(Settings.from_env(env))
    endpoint = select_endpoint(Settings.from_env(env, model="qwen2.5:1.5b"))
    assert (endpoint.provider, endpoint.base_url) == (
        "openai-compatible",
        "http://localhost:11434/v1",
    )
    assert endpoint.api_key  # the SDK insists on one even when the server ignores it


def test_flags_override_environment() -> None:
    env = {"OPENAI_API_KEY": "sk-env", "SUMMARIZER_MODEL": "gpt-env"}
    endpoint = select_endpoint(Settings.from_env(env, model="gpt-flag", api_key="sk-flag"))
    assert (endpoint.model, endpoint.api_key) == ("gpt-flag", "sk-flag")


def test_model_path_names_the_local_model() -> None:
    endpoint = select_endpoint(Settings.from_env({}, model_path=Path("/models/tiny-q8.gguf")))
    assert endpoint.model == "tiny-q8"


# Providers named by the model's prefix (--model anthropic/..., ollama/..., gemini/...)


def test_anthropic_prefix_means_the_anthropic_api_with_its_own_key() -> None:
    env = {"ANTHROPIC_API_KEY": "sk-ant-env", "OPENAI_API_KEY": "sk-openai"}
    endpoint = select_endpoint(Settings.from_env(env, model="anthropic/claude-x"), env)
    assert (endpoint.provider, endpoint.api, endpoint.model) == (
        "anthropic",
        "anthropic",
        "claude-x",
    )
    assert (endpoint.base_url, endpoint.api_key) == (ANTHROPIC_BASE_URL, "sk-ant-env")
    assert endpoint.structured_mode == "json"  # JSON in the text; --mode tools for a tool call
    assert not endpoint.other_server


def test_an_api_key_flag_wins_over_the_providers_variable() -> None:
    env = {"ANTHROPIC_API_KEY": "sk-ant-env"}
    settings = Settings.from_env(env, model="anthropic/claude-x", api_key="sk-ant-flag")
    assert select_endpoint(settings, env).api_key == "sk-ant-flag"


def test_anthropic_needs_a_key_unless_another_server_or_a_replay() -> None:
    env = {"OPENAI_API_KEY": "sk-openai"}  # never sent to Anthropic
    with pytest.raises(SettingsError, match="ANTHROPIC_API_KEY or pass --api-key"):
        select_endpoint(Settings.from_env(env, model="anthropic/claude-x"), env)
    replay = Settings.from_env({}, model="anthropic/claude-x", replay_cassette=Path("a.yaml"))
    endpoint = select_endpoint(replay, {})
    assert endpoint.base_url == REPLAY_ROOT_URL and endpoint.api_key == PLACEHOLDER_KEY


def test_anthropic_at_a_base_url_takes_the_engines_url_as_printed() -> None:
    settings = Settings.from_env(
        {}, model="anthropic/qwen", base_url="http://127.0.0.1:8080/v1/", structured_mode="tools"
    )
    endpoint = select_endpoint(settings, {})
    # The SDK adds /v1/messages itself.
    assert (endpoint.base_url, endpoint.model) == ("http://127.0.0.1:8080", "qwen")
    assert endpoint.structured_mode == "tools" and endpoint.other_server
    assert context_tokens(settings, endpoint) == DEFAULT_CONTEXT
    env = {"ANTHROPIC_API_KEY": "k"}
    own = select_endpoint(Settings.from_env(env, model="anthropic/c"), env)
    assert context_tokens(settings, own) == 200_000


def test_ollama_prefix_means_ollamas_openai_compatible_server() -> None:
    env = {"OPENAI_API_KEY": "sk-openai"}
    endpoint = select_endpoint(Settings.from_env(env, model="ollama/qwen2.5:1.5b"), env)
    assert (endpoint.provider, endpoint.api) == ("ollama", "openai")
    assert (endpoint.base_url, endpoint.model) == ("http://localhost:11434/v1", "qwen2.5:1.5b")
    assert endpoint.api_key == PLACEHOLDER_KEY  # OpenAI's key stays with OpenAI
    assert endpoint.structured_mode == "json_schema"
    elsewhere = Settings.from_env({}, model="ollama/llama3", base_url="http://gpu:11434/v1")
    assert select_endpoint(elsewhere, {}).base_url == "http://gpu:11434/v1"


@pytest.mark.parametrize(
    ("prefix", "module"), [("anthropic", "anthropic"), ("gemini", "google.genai")]
)
def test_a_provider_whose_sdk_is_missing_names_the_extra(
    prefix: str, module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import fails: not installed
    settings = Settings.from_env({}, model=f"{prefix}/m", api_key="k")
    with pytest.raises(MissingExtraError) as error:
        select_endpoint(settings, {})
    assert f"pip install 'summarizer[{prefix}]'" in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("env", "model", "provider", "name"),
    [
        ({"OPENAI_API_KEY": "sk-x"}, "gpt-4o", "openai", "gpt-4o"),
        # A gateway's own provider/model names are not a prefix this tool knows.
        (
            {"OPENAI_BASE_URL": "http://gw/v1"},
            "openai/gpt-4o",
            "openai-compatible",
            "openai/gpt-4o",
        ),
        (
            {"OPENAI_BASE_URL": "http://gw/v1"},
            "Qwen/Qwen2.5-7B",
            "openai-compatible",
            "Qwen/Qwen2.5-7B",
        ),
        ({"OPENAI_BASE_URL": "http://gw/v1"}, "anthropic", "openai-compatible", "anthropic"),
    ],
)
def test_a_plain_model_name_keeps_todays_endpoint(
    env: dict[str, str], model: str, provider: str, name: str
) -> None:
    endpoint = select_endpoint(Settings.from_env(env, model=model), env)
    assert (endpoint.provider, endpoint.api, endpoint.model) == (provider, "openai", name)
