"""Runaway work refused before any call. A context too small to hold the prompt, the answer
and some text ends the run with a usage error (exit 2) whichever source set it; a document
whose plan needs more requests than one document may make fails alone, with its figures,
and the others go on. The fake server on loopback counts the requests: none is sent for
what is refused."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import RequestLimitError, SettingsError
from summarizer.inputs.documents import MAX_CHARS, Document
from summarizer.inputs.windows import MIN_WINDOW_TOKENS
from summarizer.pipeline import Summarizer
from summarizer.pipeline import summarizer as pipeline
from summarizer.settings import Settings
from summarizer.testing import ARTICLES, FakeServer, fully_grounded_example, recorded_completion

runner = CliRunner()
SMALLEST = re.compile(r"use --context-tokens (\d+) or more")


def smallest_context() -> int:
    """The smallest usable context at the default settings: 256-token windows."""
    return Summarizer(Settings()).reserved_tokens + MIN_WINDOW_TOKENS


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(recorded_completion(fully_grounded_example())) as running:
        yield running


@pytest.fixture(autouse=True)
def counted_from_zero(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    server.reset_counts()
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SUMMARIZER_MODEL", "SUMMARIZER_MODEL_PATH"):
        monkeypatch.delenv(name, raising=False)


def good_article() -> Path:
    return ARTICLES / f"{fully_grounded_example()}.txt"


def long_article(folder: Path, chars: int = 25_000) -> Path:
    """Real sentences, `chars` of them: the examples one after the other."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.txt"))]
    path = folder / "long.txt"
    path.write_text(("\n\n".join(texts) * (chars // 20_000 + 1))[:chars], encoding="utf-8")
    return path


def endpoint(server: FakeServer) -> list[str]:
    return ["--base-url", server.url, "--model", "m", "--grounding-reasks", "0", "-q"]


def invoke(command: str, inputs: list[Path], options: list[str], folder: Path) -> tuple[int, str]:
    out = folder / "out.jsonl"
    args = [command, *map(str, inputs), *options]
    if command == "summarize":
        args += ["-f", "jsonl", "-o", str(out)]
    elif command == "batch":
        args += ["-o", str(out), "--store", str(folder / "store.db")]
    else:
        args += ["-f", "markdown", "-o", str(folder / "digest.md"), "--store", str(folder / "s")]
    outcome = runner.invoke(app, args)
    return outcome.exit_code, outcome.stderr


# ---- a context too small for the prompt: the run's usage error ----------------------------


@pytest.mark.parametrize("command", ["summarize", "batch", "digest"])
@pytest.mark.parametrize("source", ["flag", "config file"])
@pytest.mark.parametrize("context", [1, 1024, smallest_context() - 1])
def test_a_context_too_small_for_the_prompt_ends_the_run_before_any_call(
    command: str,
    source: str,
    context: int,
    tmp_path: Path,
    server: FakeServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = endpoint(server)
    if source == "flag":
        options += ["--context-tokens", str(context)]
    else:
        config = tmp_path / "config.toml"
        config.write_text(f"context_tokens = {context}\n")
        monkeypatch.setenv("SUMMARIZER_CONFIG", str(config))
    inputs = [good_article(), long_article(tmp_path)]
    status, stderr = invoke(command, inputs, options, tmp_path)
    if context < 512:  # the setting's own range check (--context-tokens min=512) may say it first
        assert status == 2 and server.requests == 0, stderr
        assert "context" in stderr, stderr
        return
    assert status == 2, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("summarizer: error: ")
    assert f"a context of {context} tokens (--context-tokens) is too small" in stderr
    assert SMALLEST.search(stderr), stderr
    assert server.requests == 0


@pytest.mark.parametrize(
    "settings",
    [
        Settings(),
        Settings(max_output_tokens=512),
        Settings(max_output_tokens=6000),
        Settings(language="French"),
        Settings(extraction_schema="name, role, age int"),
        Settings(base_url="http://127.0.0.1:9/v1", model="m"),
    ],
    ids=["defaults", "short-answers", "long-answers", "language", "user-schema", "server"],
)
def test_the_smallest_context_named_is_the_smallest_that_works(settings: Settings) -> None:
    with pytest.raises(SettingsError) as refused:
        Summarizer(replace(settings, context_tokens=600))
    match = SMALLEST.search(str(refused.value))
    assert match is not None, refused.value
    smallest = int(match.group(1))
    assert Summarizer(replace(settings, context_tokens=smallest)).window_tokens == MIN_WINDOW_TOKENS
    with pytest.raises(SettingsError):
        Summarizer(replace(settings, context_tokens=smallest - 1))


def test_the_python_api_refuses_it_as_the_cli_does() -> None:
    import asyncio

    from summarizer.runs.runner import run

    document = Document(id="d", source="d.txt", text="A short story. " * 10)
    settings = Settings(base_url="http://127.0.0.1:9/v1", model="m", context_tokens=1024)
    with pytest.raises(SettingsError, match="use --context-tokens"):
        asyncio.run(run([document], settings))


# ---- a document whose plan needs too many requests: that document's failure --------------


@pytest.mark.parametrize("command", ["summarize", "batch"])
def test_a_document_over_the_request_limit_fails_alone_before_any_call(
    command: str, tmp_path: Path, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The good article fits the context in one request; the long one would take windows of
    1,024 tokens (more context would not shrink them: split it is the remedy)."""
    monkeypatch.setattr(pipeline, "MAX_REQUESTS_PER_DOCUMENT", 5)
    long = long_article(tmp_path)
    status, stderr = invoke(command, [good_article(), long], endpoint(server), tmp_path)
    assert status == 1, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("summarizer: error:")]
    assert len(errors) == 1, stderr
    assert re.fullmatch(
        rf"summarizer: error: {re.escape(str(long))}: 25,000 characters: \d+ windows of at "
        r"most 1,024 tokens, \d+ requests, over the limit of 5 a document; split it",
        errors[0],
    )
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    records = {r["status"]: r for r in map(json.loads, lines)}
    assert sorted(records) == ["failed", "ok"] and records["ok"]["facts"]
    failed = records["failed"]
    assert failed["source"] == str(long) and failed["usage"]["prompt_tokens"] == 0
    assert server.requests == 1  # the good article's; none for the long one


def test_every_document_within_max_chars_passes_at_the_default_context() -> None:
    """The limit stops runaway plans, not long documents: English and Chinese (a token a
    character) of --max-chars' default length are read at the default window."""
    summarizer = Summarizer(Settings())
    english = (good_article().read_text(encoding="utf-8") + "\n\n") * (MAX_CHARS // 3000)
    chinese = "中国的经济在过去一年里增长了百分之五。政府表示将继续支持制造业。" * 40_000
    for text in (english[:MAX_CHARS], chinese[:MAX_CHARS]):
        assert 1 < len(summarizer.windows(Document("d", "d.txt", text))) < 1_500


def test_a_plan_over_the_limit_is_refused_with_its_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the smallest context, 256-token windows: more context is a remedy too."""
    monkeypatch.setattr(pipeline, "MAX_REQUESTS_PER_DOCUMENT", 20)
    smallest = Summarizer(Settings(context_tokens=smallest_context()))
    text = long_article(tmp_path).read_text(encoding="utf-8")
    with pytest.raises(RequestLimitError) as refused:
        smallest.windows(Document("d", "d.txt", text))
    figures = re.fullmatch(
        r"25,000 characters: (\d+) windows of at most 256 tokens, (\d+) requests, over the "
        r"limit of 20 a document; split it or give more context \(--context-tokens\)",
        str(refused.value),
    )
    assert figures is not None, refused.value
    windows, requests = int(figures.group(1)), int(figures.group(2))
    assert requests == windows + 1 > 20  # and the summary of the whole
    first = Summarizer(Settings(context_tokens=smallest_context(), long_summary="first"))
    with pytest.raises(RequestLimitError, match=rf" {windows} requests,"):
        first.windows(Document("d", "d.txt", text))  # no summary of the whole to write
