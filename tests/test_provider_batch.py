"""`summarizer batch --batch-api` against OpenAI's Batch API as a local server implements it
(summarizer/testing/batches.py): the same results as a live run, at batch prices; follow-up batches;
re-attaching after a kill, never submitting a request twice."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import BatchApiError, BatchApiUnavailable
from summarizer.extraction.models import DocumentResult, FailedDocument, Usage
from summarizer.inputs.documents import Document
from summarizer.llm.batch_api import BatchApi, request_line, split_files
from summarizer.llm.model_store import MODEL_NAME
from summarizer.llm.providers import select_endpoint
from summarizer.pipeline import Pending, Summarizer
from summarizer.runs.pricing import load_prices
from summarizer.runs.provider_batch import BatchApiOptions, ProviderBatch
from summarizer.runs.runner import open_batch
from summarizer.runs.store import Store
from summarizer.settings import RetryPolicy, Settings
from summarizer.testing import (
    ARTICLES,
    ROOT,
    FakeServer,
    LinePlan,
    fully_grounded_example,
    recorded_completion,
)

MODEL = "gpt-4o-mini"  # priced, live and batch


@pytest.fixture(scope="module")
def article() -> tuple[str, dict[str, Any]]:
    """An example's text and the completion the embedded engine recorded for it, as if a
    priced model had answered."""
    stem = fully_grounded_example()
    text = (ARTICLES / f"{stem}.txt").read_text(encoding="utf-8")
    return text, {**recorded_completion(stem), "model": MODEL}


def _corpus(text: str, count: int) -> list[Document]:
    return [
        Document(id=f"doc-{i:04d}", source=f"doc-{i:04d}", text=f"{text}\nRef {i}.")
        for i in range(count)
    ]


def _write_corpus(path: Path, docs: list[Document]) -> Path:
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs))
    return path


def _settings(url: str, store: Path) -> Settings:
    fast = RetryPolicy(attempts=3, initial_wait_s=0.01, max_wait_s=0.05, max_total_wait_s=2)
    return Settings.from_env(
        {},
        base_url=url,
        model=MODEL,
        api_key="test-key",
        request_timeout_s=5.0,
        retry=fast,
        grounding_reasks=0,
        store_path=store,
    )


def _run(
    settings: Settings, docs: list[Document], options: BatchApiOptions | None
) -> list[DocumentResult | FailedDocument]:
    outcomes: list[DocumentResult | FailedDocument] = []
    with open_batch(settings, outcomes.append, batch_api=options) as job:

        async def go() -> None:
            async with job.summarizer:
                await job.run(docs)

        asyncio.run(go())
    return outcomes


FAST = BatchApiOptions(poll_s=0.01)


def _by_id(outcomes: list[DocumentResult | FailedDocument]) -> dict[str, Any]:
    return {o.id: o for o in outcomes}


def _plan(fates: dict[int, str]) -> LinePlan:
    return lambda _custom_id, number: fates.get(number)


def _comparable(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k != "elapsed_s"}


def _cli_batch(corpus: Path, out: Path, store: Path, url: str, *extra: str) -> list[str]:
    options = f"--base-url {url} --model {MODEL} --api-key test-key --grounding-reasks 0 -q"
    return ["batch", str(corpus), "-o", str(out), "--store", str(store), *options.split(), *extra]


def _run_costs(store: Path) -> list[float | None]:
    with Store(store) as opened:
        return [run.totals.cost_usd for run in opened.runs()]


def test_1000_documents_through_the_batch_api_give_the_live_runs_jsonl_at_batch_prices(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    corpus = _write_corpus(tmp_path / "corpus.jsonl", _corpus(text, 1000))
    runner = CliRunner()
    with FakeServer(completion, lines_per_poll=300) as server:
        live_args = _cli_batch(corpus, tmp_path / "live.jsonl", tmp_path / "live.db", server.url)
        live = runner.invoke(app, [*live_args, "--concurrency", "32"])
        assert live.exit_code == 0, live.output
        assert server.requests == 1000 and not server.batches
        server.reset_counts()
        args = _cli_batch(corpus, tmp_path / "batch.jsonl", tmp_path / "batch.db", server.url)
        batch = runner.invoke(app, [*args, "--batch-api", "--batch-poll", "0.01"])
        assert batch.exit_code == 0, batch.output
        assert server.requests == 0  # no live call
        assert len(server.batches) == 1 and server.polls >= 4  # validating, 300 a poll
        assert sorted(server.submitted.values()) == [1] * 1000

    def lines(name: str) -> dict[str, dict[str, Any]]:
        rows = [json.loads(line) for line in (tmp_path / name).read_text().splitlines()]
        return {row["id"]: _comparable(row) for row in rows}

    live_lines, batch_lines = lines("live.jsonl"), lines("batch.jsonl")
    assert len(batch_lines) == 1000
    assert batch_lines == live_lines
    usage = Usage(**completion["usage"])
    tokens = 1000 * usage.prompt_tokens, 1000 * usage.completion_tokens
    live_cost = (tokens[0] * 0.15 + tokens[1] * 0.60) / 1e6
    batch_cost = (tokens[0] * 0.075 + tokens[1] * 0.30) / 1e6
    assert _run_costs(tmp_path / "live.db") == [pytest.approx(live_cost, abs=1e-6)]
    assert _run_costs(tmp_path / "batch.db") == [pytest.approx(batch_cost, abs=1e-6)]
    assert batch_cost == pytest.approx(live_cost / 2)
    shown = runner.invoke(
        app, ["runs", "--store", str(tmp_path / "batch.db")], env={"COLUMNS": "200"}
    )
    assert "batch_0001" in shown.output and "completed" in shown.output
    assert "1000" in shown.output


def test_a_run_killed_mid_poll_reattaches_to_its_batch_and_submits_nothing_twice(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    docs = _corpus(text, 40)
    corpus = _write_corpus(tmp_path / "corpus.jsonl", docs)
    out, store = tmp_path / "out.jsonl", tmp_path / "store.db"
    command = [sys.executable, "-m", "summarizer"]
    with FakeServer(completion, lines_per_poll=10) as server:
        server.hold.set()  # the batch stays in_progress
        args = _cli_batch(corpus, out, store, server.url, "--batch-api", "--batch-poll", "0.05")
        process = subprocess.Popen(
            [*command, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while server.polls < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        assert server.polls >= 3, "the first run never polled its batch"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert len(server.batches) == 1
        assert not out.exists()  # written whole or not at all
        server.hold.clear()
        rerun = subprocess.run(
            [*command, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        assert rerun.returncode == 0, rerun.stderr
        assert len(server.batches) == 1  # re-attached, not submitted again
        assert sorted(server.submitted.values()) == [1] * 40
        assert server.requests == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(row["id"] for row in rows) == [d.id for d in docs]
    assert all(row["status"] == "ok" for row in rows)


def test_a_run_stopped_before_its_batch_was_recorded_finds_it_by_its_metadata(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    docs = _corpus(text, 3)
    with FakeServer(completion) as server:
        settings = _settings(server.url, tmp_path / "s.db")
        first = _run(settings, docs[:1], FAST)  # the store learns the endpoint and a run
        assert len(server.batches) == 1
        submission = _submit_without_recording(settings, docs[1:], tmp_path / "s.db")
        assert len(server.batches) == 2
        outcomes = _run(settings, docs, FAST)
        assert len(server.batches) == 2  # the one created, found again
        assert sorted(server.submitted.values()) == [1, 1, 1]
    assert [o.status for o in first] == ["ok"]
    assert sorted(o.id for o in outcomes if o.status == "ok") == [d.id for d in docs]
    with Store(tmp_path / "s.db") as store:
        job = next(j for j in store.batch_jobs() if j.submission == submission)
        assert job.batch_id == "batch_0002" and job.finished_at is not None


def _submit_without_recording(settings: Settings, docs: list[Document], path: Path) -> str:
    """What a run killed between creating a batch and writing its id leaves behind: the
    job and its requests in the store, the batch on the server, no batch id."""
    submission = uuid.uuid4().hex
    endpoint = select_endpoint(settings)
    requests, lines = [], []
    outcomes: list[Any] = []
    with open_batch(settings, outcomes.append, batch_api=FAST) as job:
        provider = job.executor
        assert isinstance(provider, ProviderBatch)

        async def ask() -> None:
            async with job.summarizer:
                for doc in docs:
                    key = job.summarizer.request_key(doc).key
                    assert isinstance(await provider.summarize(doc, key), Pending)
            for request, line in provider._asked.values():
                requests.append(request)
                lines.append(line)
            api = BatchApi(endpoint, settings)
            with Store(path) as store:
                store.add_batch_job(submission, provider.endpoint_id, 1, requests)
                input_file = await api.upload(f"summarizer-{submission}.jsonl", lines)
                store.update_batch_job(submission, input_file=input_file)
            await api.create(input_file, submission)
            await api.close()
            await provider.close()

        asyncio.run(ask())
    return submission


def test_an_expired_batch_sends_what_it_did_not_answer_in_a_follow_up(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    docs = _corpus(text, 10)
    with FakeServer(completion, lines_per_poll=2, expire_after=4) as server:
        outcomes = _run(_settings(server.url, tmp_path / "s.db"), docs, FAST)
        statuses = [b["status"] for b in server.batches.values()]
    assert statuses[0] == "expired" and len(statuses) >= 2
    assert sorted(o.id for o in outcomes if o.status == "ok") == [d.id for d in docs]
    followed = [c for c in server.submitted if c.endswith(".2")]
    assert len(followed) == 6  # the six the first batch did not reach, once more each


def test_failed_lost_and_invalid_answers_go_to_follow_up_batches(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    docs = _corpus(text, 10)
    plan = _plan({2: "fail", 5: "invalid", 7: "lose"})
    with FakeServer(completion, lines_per_poll=4, line_plan=plan) as server:
        outcomes = _run(_settings(server.url, tmp_path / "s.db"), docs, FAST)
        assert server.requests == 0
        assert len(server.batches) >= 2
    results = _by_id(outcomes)
    assert all(results[d.id].status == "ok" for d in docs)
    one = Usage(**completion["usage"]).prompt_tokens
    # The invalid answer and its re-ask were both paid for: two answers' tokens.
    assert results["doc-0005"].usage.prompt_tokens == 2 * one
    assert results["doc-0002"].usage.prompt_tokens == one  # a failed request costs nothing


def test_with_fallback_live_what_the_batch_did_not_answer_goes_live(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    docs = _corpus(text, 10)
    plan = _plan({2: "fail", 5: "invalid", 7: "lose"})
    options = BatchApiOptions(fallback="live", poll_s=0.01)
    store = tmp_path / "s.db"
    with FakeServer(completion, lines_per_poll=4, line_plan=plan) as server:
        outcomes = _run(_settings(server.url, store), docs, options)
        assert len(server.batches) == 1
        assert server.requests == 3  # the failed, the lost and the invalid one's re-ask
    assert all(o.status == "ok" for o in outcomes)
    usage = Usage(**completion["usage"])
    prices = load_prices()
    live = prices.cost(MODEL, usage) or 0.0
    batch = prices.cost(MODEL, usage, batch=True) or 0.0
    # 8 answered by the batch (doc-0005's invalid answer among them), 3 live.
    assert _run_costs(store) == [pytest.approx(8 * batch + 3 * live, abs=1e-6)]


def test_a_request_every_batch_fails_fails_its_document_alone(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    docs = _corpus(text, 5)
    with FakeServer(completion) as server:
        settings = _settings(server.url, tmp_path / "s.db")
        doomed = _store_key(settings, docs[3])
        server.line_plan = lambda custom_id, _n: "fail" if custom_id.startswith(doomed) else None
        outcomes = _run(settings, docs, FAST)
        assert len(server.batches) == 3  # the first and two follow-ups: three attempts
    results = _by_id(outcomes)
    failed = results["doc-0003"]
    assert isinstance(failed, FailedDocument)
    assert failed.error == (
        "the Batch API failed this request in 3 batches (last: 500: The server had an error)"
    )
    assert [results[d.id].status for d in docs] == ["ok", "ok", "ok", "failed", "ok"]


def _store_key(settings: Settings, doc: Document) -> str:
    return Summarizer(settings).request_key(doc).key


def test_files_are_split_at_the_request_and_byte_limits(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    lines = [request_line(f"id-{i}", {"n": i, "pad": "x" * 50}) for i in range(10)]
    assert [len(f) for f in split_files(lines, max_requests=4)] == [4, 4, 2]
    size = len(lines[0])
    assert [len(f) for f in split_files(lines, max_bytes=3 * size)] == [3, 3, 3, 1]
    assert [line for f in split_files(lines, 4, 3 * size) for line in f] == lines
    with pytest.raises(BatchApiError, match="over the file limit"):
        split_files(lines, max_bytes=size - 1)
    text, completion = article
    options = BatchApiOptions(poll_s=0.01, max_requests=4)
    with FakeServer(completion) as server:
        outcomes = _run(_settings(server.url, tmp_path / "s.db"), _corpus(text, 10), options)
        sizes = [b["request_counts"]["total"] for b in server.batches.values()]
    assert sizes == [4, 4, 2]
    assert sum(o.status == "ok" for o in outcomes) == 10


def test_the_batch_api_needs_a_server_that_has_one(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("The council voted on Monday.")
    result = CliRunner().invoke(app, ["batch", str(doc), "--batch-api", "-q"])
    assert result.exit_code == 2
    assert "--batch-api needs a server with the Batch API" in result.output
    with pytest.raises(BatchApiUnavailable, match="anthropic is not supported"):
        settings = Settings.from_env({}, model="anthropic/claude-x", api_key="k")
        with open_batch(settings, print, batch_api=FAST):
            pass


def test_a_server_without_the_batch_api_fails_the_run_with_one_line(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    corpus = _write_corpus(tmp_path / "corpus.jsonl", _corpus(text, 2))
    with FakeServer(completion) as server:
        url = server.chat_only_url  # chat completions only
        args = _cli_batch(corpus, tmp_path / "o.jsonl", tmp_path / "s.db", url)
        result = CliRunner().invoke(app, [*args, "--batch-api"])
    assert result.exit_code != 0
    assert "Batch API: upload" in result.output and "404" in result.output


def test_batch_prices_come_from_the_table_else_the_live_price_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    usage = Usage(prompt_tokens=1_000_000, completion_tokens=1_000_000)
    prices = load_prices()
    assert prices.cost("gpt-4o-mini", usage) == pytest.approx(0.75)
    assert prices.cost("gpt-4o-mini", usage, batch=True) == pytest.approx(0.375)
    own = tmp_path / "prices.json"
    own.write_text(json.dumps({"m": {"input": 1, "output": 2}}))
    table = load_prices(own)
    assert table.cost("m", usage, batch=True) == pytest.approx(3.0)
    assert "no batch price for 'm'" in caplog.text


def test_a_recorded_batch_api_run_replays_offline(tmp_path: Path) -> None:
    """scripts/record_batch_api.py: two example articles, each batch line answered by the
    embedded engine; replayed here with nothing listening at the URL."""
    recorded = ROOT / "cassettes" / "batch_api"
    articles = [
        str(ROOT / "examples" / "articles" / f"{stem}.txt")
        for stem in ("002_f8c6bddbe5b99dbe", "004_dc610e0354c53506")
    ]
    out = tmp_path / "out.jsonl"
    args = ["batch", *articles, "-o", str(out), "--store", str(tmp_path / "s.db")]
    args += ["--base-url", "http://127.0.0.1:9/v1", "--model", MODEL_NAME, "--batch-api"]
    args += ["--batch-poll", "0", "--replay", str(recorded / "two_articles.yaml"), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output

    def lines(path: Path) -> list[dict[str, Any]]:
        rows = [_comparable(json.loads(line)) for line in path.read_text().splitlines()]
        return [{k: v for k, v in row.items() if k != "source"} for row in rows]  # a path

    replayed = sorted(lines(out), key=lambda row: row["id"])
    assert replayed == sorted(lines(recorded / "two_articles.jsonl"), key=lambda row: row["id"])
    assert [row["status"] for row in replayed] == ["ok", "ok"]
    assert all(f["evidence"]["status"] == "exact" for row in replayed for f in row["facts"])
    with Store(tmp_path / "s.db") as store:
        [job] = store.batch_jobs()
        assert (job.batch_id, job.status, job.requests, job.completed) == (
            "batch_0001",
            "completed",
            2,
            2,
        )
