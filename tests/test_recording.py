from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import httpx2
import pytest
import yaml

from summarizer.errors import ReplayMissError
from summarizer.llm.recording import (
    SECRET_REQUEST_HEADERS,
    SECRET_RESPONSE_HEADERS,
    cassette,
    json_body_matcher,
)
from summarizer.testing import ROOT, Reply, serve

SECRET_VALUE = re.compile(
    r"(sk-[A-Za-z0-9_-]{8,}|Bearer\s+\S+|org-[A-Za-z0-9]{8,}|proj_[A-Za-z0-9]{8,})"
)


def _all_cassettes() -> list[Path]:
    return sorted((ROOT / "cassettes").rglob("*.yaml"))


def test_there_are_cassettes_to_check() -> None:
    assert len(_all_cassettes()) >= 5


@pytest.mark.parametrize("path", _all_cassettes(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_cassette_holds_a_secret(path: Path) -> None:
    tape = yaml.safe_load(path.read_text())
    for interaction in tape["interactions"]:
        request_headers = {k.lower() for k in interaction["request"]["headers"]}
        response_headers = {k.lower() for k in interaction["response"]["headers"]}
        assert not request_headers & set(SECRET_REQUEST_HEADERS)
        assert not response_headers & set(SECRET_RESPONSE_HEADERS)
    assert not SECRET_VALUE.search(path.read_text())


def test_json_body_matcher_ignores_key_order_but_not_values() -> None:
    a = SimpleNamespace(body=b'{"model": "m", "temperature": 0}')
    b = SimpleNamespace(body=b'{"temperature": 0, "model": "m"}')
    c = SimpleNamespace(body=b'{"temperature": 1, "model": "m"}')
    json_body_matcher(a, b)
    with pytest.raises(AssertionError):
        json_body_matcher(a, c)


def test_recording_scrubs_secrets_and_replay_matches_on_body(tmp_path: Path) -> None:
    tape = tmp_path / "t.yaml"
    reply = Reply(
        200, {"ok": True}, {"set-cookie": "session=abc", "openai-organization": "org-1234567890"}
    )
    with serve([reply]) as (base_url, script):
        headers = {
            "authorization": "Bearer sk-secret-123456789",
            "openai-project": "proj_123456789",
        }
        with cassette(tape, "all"):
            httpx2.post(f"{base_url}/chat/completions", json={"a": 1, "b": 2}, headers=headers)
        assert len(script.requests) == 1
    text = tape.read_text()
    assert "sk-secret" not in text and "session=abc" not in text and "org-123" not in text
    assert "proj_123" not in text
    # Replay: same body in another key order, another port: served from the cassette.
    with cassette(tape, "none"):
        response = httpx2.post("http://127.0.0.1:9/v1/chat/completions", json={"b": 2, "a": 1})
        assert response.json() == {"ok": True}


def test_replay_of_a_missing_cassette_is_an_error(tmp_path: Path) -> None:
    with (
        pytest.raises(ReplayMissError, match="no such cassette"),
        cassette(tmp_path / "missing.yaml"),
    ):
        pass
