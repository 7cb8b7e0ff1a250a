from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.config import Settings
from summarizer.llm.model_store import MODEL_NAME
from summarizer.llm.providers import (
    OPENAI_BASE_URL,
    REPLAY_BASE_URL,
    ConfigurationError,
    select_endpoint,
)


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
    with pytest.raises(ConfigurationError, match="--model is required"):
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
