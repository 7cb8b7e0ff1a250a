from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from summarizer.errors import RAISE_UNEXPECTED_ENV
from summarizer.llm.recording import fetch_target_matcher, json_body_matcher
from summarizer.llm.recording import vcr_config as summarizer_vcr_config

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "examples" / "articles"
EXAMPLE_CASSETTES = ROOT / "cassettes" / "examples"
SHARED = ROOT.parent / "shared"


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


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    return summarizer_vcr_config()


@pytest.fixture(scope="session")
def vcr_cassette_dir() -> str:
    return str(ROOT / "cassettes")


def pytest_recording_configure(config: Any, vcr: Any) -> None:
    vcr.register_matcher("json_body", json_body_matcher)
    vcr.register_matcher("fetch_target", fetch_target_matcher)


def example_stems() -> list[str]:
    return sorted(p.stem for p in EXAMPLE_CASSETTES.glob("*.yaml"))


def recorded_completion(stem: str) -> dict[str, Any]:
    """The chat completion body the embedded engine really returned for an example article."""
    import yaml

    tape = yaml.safe_load((EXAMPLE_CASSETTES / f"{stem}.yaml").read_text())
    return json.loads(tape["interactions"][-1]["response"]["body"]["string"])


def fully_grounded_example() -> str:
    """An example whose recorded answer has every quote located, without a re-ask."""
    for stem in example_stems():
        result = json.loads((ROOT / "examples" / "outputs" / f"{stem}.json").read_text())
        if result["grounding"]["counts"]["ungrounded"] == 0 and result["grounding"]["reasks"] == 0:
            return stem
    raise AssertionError("no fully grounded example recorded")
