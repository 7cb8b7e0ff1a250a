"""The one fake server of the tests: each part answers at its own paths, and the URL path
chooses a fault. And benchmarks and scripts use it from summarizer.testing, never from tests/
(that the library never imports it is pyproject.toml's import contract)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import httpx
import pytest

from summarizer.testing import FAULTS, ROOT, FakeServer, Reply, error_body
from summarizer.testing.site import ARTICLE_PATH, TITLE

CHAT = "/chat/completions"
REQUEST = {"model": "m", "messages": [{"role": "user", "content": "Hi."}]}


def test_the_url_path_chooses_a_fault_for_every_request_sent_there(
    completion: dict[str, Any],
) -> None:
    with FakeServer(completion) as server:
        limited = httpx.post(server.url_for("429") + CHAT, json=REQUEST)
        broken = httpx.post(server.url_for("503") + CHAT, json=REQUEST)
        invalid = httpx.post(server.url_for("invalid") + CHAT, json=REQUEST)
        plain = httpx.post(server.url + CHAT, json=REQUEST)
        assert (limited.status_code, limited.headers["retry-after"]) == (429, "0.05")
        assert broken.status_code == 503
        assert invalid.json()["choices"][0]["message"]["content"] == '{"headline": "no facts"}'
        assert plain.json() == completion
        assert server.requests == 4
        assert server.faults == {"429": 1, "503": 1, "invalid": 1}
    with pytest.raises(ValueError, match="unknown fault 'teapot'"):
        server.url_for("teapot")
    assert "slow" in FAULTS


def test_the_chat_only_path_has_no_batch_api(completion: dict[str, Any]) -> None:
    with FakeServer(completion) as server:
        assert httpx.post(server.chat_only_url + CHAT, json=REQUEST).json() == completion
        assert httpx.post(server.chat_only_url + "/files").status_code == 404
        assert httpx.get(server.url + "/batches").json()["data"] == []


def test_a_script_answers_any_post_in_order_and_records_it() -> None:
    replies = [Reply(500, error_body("busy"), {"retry-after-ms": "5"}), Reply(200, {"ok": 1})]
    with FakeServer(script=replies) as server:
        first = httpx.post(server.root + "/v1/messages?beta=true", json={"a": 1})
        second = httpx.post(server.url + CHAT, json={"b": 2}, headers={"x-api-key": "k"})
        third = httpx.post(server.root + "/v1beta/models/g:generateContent", json={})
    assert first.status_code == 500 and first.headers["retry-after-ms"] == "5"
    assert second.json() == third.json() == {"ok": 1}  # the last reply repeats
    assert server.script is not None
    paths = [r["path"] for r in server.script.requests]
    assert paths == [
        "/v1/messages?beta=true",
        "/v1/chat/completions",
        "/v1beta/models/g:generateContent",
    ]
    assert [r["body"] for r in server.script.requests] == [{"a": 1}, {"b": 2}, {}]
    assert server.script.requests[1]["headers"]["x-api-key"] == "k"


def test_without_a_script_only_the_chat_completions_answer_a_post() -> None:
    with FakeServer({}) as server:
        assert httpx.post(server.root + "/v1/messages", json={}).status_code == 404


def test_the_site_is_served_at_the_root_beside_the_api() -> None:
    with FakeServer() as server:
        page = httpx.get(server.root + ARTICLE_PATH)
        missing = httpx.get(server.root + "/nowhere")
    assert page.status_code == 200 and TITLE in page.text
    assert (missing.status_code, missing.text) == (404, "<h1>Not found</h1>")


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_benchmarks_and_scripts_never_import_the_tests() -> None:
    for path in [*ROOT.glob("benchmarks/*.py"), *ROOT.glob("scripts/*.py")]:
        tests = {n for n in _imported_modules(path) if n == "tests" or n.startswith("tests.")}
        assert not tests, f"{path.relative_to(ROOT)} imports {sorted(tests)}"
