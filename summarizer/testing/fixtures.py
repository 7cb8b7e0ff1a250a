"""The pytest fixtures the tests share, loaded by tests/conftest.py as a plugin.

Every test sees the built-in defaults: no config file, store or endpoint of whoever runs it,
and a bug in a document raises rather than becoming that document's failure row. Cassettes
replay with the project's own matchers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from summarizer.errors import RAISE_UNEXPECTED_ENV
from summarizer.llm.recording import fetch_target_matcher, json_body_matcher
from summarizer.llm.recording import vcr_config as summarizer_vcr_config

from .examples import CASSETTES, example_article, fully_grounded_example, recorded_completion

# Where the endpoint and model come from when no option names them.
ENDPOINT_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "SUMMARIZER_MODEL",
    "SUMMARIZER_MODEL_PATH",
)


@pytest.fixture(autouse=True)
def raise_unexpected(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in one document raises (here and in the CLI's subprocesses) rather than
    becoming that document's failure row: tests see surprises."""
    monkeypatch.setenv(RAISE_UNEXPECTED_ENV, "1")


@pytest.fixture(autouse=True)
def no_config_of_the_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The tests see the built-in defaults, not a config file or store of whoever runs them."""
    monkeypatch.setenv("SUMMARIZER_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.delenv("SUMMARIZER_STORE", raising=False)


@pytest.fixture(autouse=True)
def no_endpoint_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nor a key, endpoint or model of whoever runs them: a test names its own."""
    for name in ENDPOINT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def completion() -> dict[str, Any]:
    """The completion the embedded engine recorded for a fully grounded example article."""
    return recorded_completion(fully_grounded_example())


@pytest.fixture(scope="module")
def article() -> tuple[str, dict[str, Any]]:
    """The text of that example article and the completion recorded for it."""
    stem = fully_grounded_example()
    return example_article(stem), recorded_completion(stem)


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    return summarizer_vcr_config()


@pytest.fixture(scope="session")
def vcr_cassette_dir() -> str:
    return str(CASSETTES)


def pytest_recording_configure(config: Any, vcr: Any) -> None:
    vcr.register_matcher("json_body", json_body_matcher)
    vcr.register_matcher("fetch_target", fetch_target_matcher)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The embedded engine's tests (the longest module by far) go first, so that the other
    workers' modules fill their time instead of the suite waiting on them at its end. The
    order is otherwise the collection's."""
    items.sort(key=lambda item: item.get_closest_marker("live") is None)
