"""Batch reliability against a real HTTP server on loopback that injects faults."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.cli.common import run_async
from summarizer.errors import ReadError
from summarizer.extraction.models import DocumentResult, FailedDocument, Usage
from summarizer.inputs.documents import Document, iter_documents
from summarizer.pipeline import Outcome, Summarizer
from summarizer.runs.executors import Local
from summarizer.runs.pricing import load_prices
from summarizer.runs.runner import (
    ENGINE_BATCH_SLOTS,
    REMOTE_CONCURRENCY,
    BatchTotals,
    Runner,
    concurrency_for,
    open_batch,
)
from summarizer.runs.store import Store
from summarizer.settings import RetryPolicy, Settings
from summarizer.testing import FAULTS, ROOT, FakeServer, random_faults


def recorded_usage(completion: dict[str, Any]) -> Usage:
    return Usage(**completion["usage"])


def _corpus(text: str, count: int) -> list[Document]:
    # Same article, distinct documents: the recorded quotes are found in every one of them.
    return [
        Document(id=f"doc-{i:04d}", source=f"doc-{i:04d}", text=f"{text}\nRef {i}.")
        for i in range(count)
    ]


def _settings(url: str, **changes: Any) -> Settings:
    fast = RetryPolicy(attempts=6, initial_wait_s=0.01, max_wait_s=0.05, max_total_wait_s=5)
    values: dict[str, Any] = {
        "base_url": url,
        "model": "m",
        "api_key": "test-key",
        "request_timeout_s": 1.0,
        "retry": fast,
        "grounding_reasks": 0,
    }
    return Settings.from_env({}, **{**values, **changes})


def _run(
    settings: Settings, store: Store, docs: Iterable[Document], concurrency: int
) -> tuple[BatchTotals, list[Outcome]]:
    outcomes: list[Outcome] = []

    async def go() -> BatchTotals:
        summarizer = Summarizer(settings, window_cache=store)
        executor = Local(summarizer, concurrency)
        job = Runner(summarizer, executor, store, load_prices(), outcomes.append)
        async with summarizer:
            return await job.run(docs)

    return asyncio.run(go()), outcomes


def test_200_documents_under_faults_end_done_or_failed_none_lost_or_duplicated(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    docs = _corpus(text, 200)
    with (
        FakeServer(completion, random_faults(0.3), slow_s=2.0) as server,
        Store(tmp_path / "s.db") as store,
    ):
        totals, outcomes = _run(_settings(server.url), store, docs, concurrency=16)
        assert set(server.faults) == set(FAULTS), server.faults  # every kind was injected
        assert server.requests > 200
        assert store.count() == 200  # every document recorded, done or failed
    ids = [o.id for o in outcomes]
    assert len(ids) == 200 and set(ids) == {d.id for d in docs}
    for outcome in outcomes:
        assert isinstance(outcome, DocumentResult) or (
            isinstance(outcome, FailedDocument) and outcome.error
        )
    assert totals.done + totals.failed == 200 and totals.done >= 190


def test_cached_rerun_makes_zero_requests(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    docs = _corpus(text, 30)
    with FakeServer(completion) as server, Store(tmp_path / "s.db") as store:
        first, _ = _run(_settings(server.url), store, docs, concurrency=8)
        assert (first.done, first.cached, server.requests) == (30, 0, 30)
        server.reset_counts()
        second, outcomes = _run(_settings(server.url), store, docs, concurrency=8)
        assert server.requests == 0
        assert (second.done, second.cached, second.prompt_tokens) == (30, 30, 0)
        assert sorted(o.id for o in outcomes) == [d.id for d in docs]
        # A changed parameter is a different request: it is not served from the cache.
        third, _ = _run(_settings(server.url, temperature=0.5), store, docs[:3], concurrency=2)
        assert (third.cached, server.requests) == (0, 3)


def test_failures_are_recorded_and_retried_on_the_next_run(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    docs = _corpus(text, 5)
    with FakeServer(completion, lambda n: "500") as server, Store(tmp_path / "s.db") as store:
        totals, outcomes = _run(
            _settings(server.url, retry=RetryPolicy(attempts=1)), store, docs, 2
        )
        assert totals.failed == 5 and store.count("failed") == 5
        assert all("HTTP 500" in o.error for o in outcomes if isinstance(o, FailedDocument))
        server.plan = lambda n: None
        totals, _ = _run(_settings(server.url), store, docs, 2)
        assert (totals.done, totals.cached) == (5, 0) and store.count("ok") == 5


def _batch_command(corpus: Path, out: Path, store: Path, url: str, concurrency: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "summarizer",
        "batch",
        str(corpus),
        "-o",
        str(out),
        "--store",
        str(store),
        "--base-url",
        url,
        "--model",
        "m",
        "--concurrency",
        str(concurrency),
        "--grounding-reasks",
        "0",
        "-q",
    ]


def _write_corpus(path: Path, docs: list[Document]) -> None:
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs))


def _ok_rows(store: Path) -> int:
    if not store.exists():
        return 0
    with sqlite3.connect(store, timeout=30) as db:
        try:
            return int(
                db.execute("SELECT COUNT(*) FROM outcomes WHERE status = 'ok'").fetchone()[0]
            )
        except sqlite3.OperationalError:
            return 0


def test_kill_9_then_rerun_finishes_with_exactly_one_result_per_document(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    docs = _corpus(text, 60)
    corpus, out, store = tmp_path / "corpus.jsonl", tmp_path / "out.jsonl", tmp_path / "store.db"
    _write_corpus(corpus, docs)
    with FakeServer(completion, latency_s=0.2) as server:
        command = _batch_command(corpus, out, store, server.url, concurrency=4)
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while _ok_rows(store) < 12 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        finished_before = _ok_rows(store)
        assert 12 <= finished_before < 60
        server.reset_counts()
        rerun = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        assert rerun.returncode == 0, rerun.stderr
        assert server.requests == 60 - finished_before  # only the unfinished documents
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(line["id"] for line in lines) == [d.id for d in docs]
    assert all(line["status"] == "ok" for line in lines)
    assert _ok_rows(store) == 60


@pytest.mark.parametrize("stored_first", [0, 1, 6], ids=["in-flight", "after-one", "after-six"])
def test_sigterm_mid_batch_stops_quietly_and_leaves_the_store_consistent(
    stored_first: int, tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    """SIGTERM while requests are in flight: a short stderr, a non-zero status, the store's
    results and run record agreeing, the previous output as it was; the rerun asks only for
    the rest. (It once printed ~170 lines of "Task exception was never retrieved".)"""
    text, completion = article
    docs = _corpus(text, 20)
    corpus, out, store = tmp_path / "corpus.jsonl", tmp_path / "out.jsonl", tmp_path / "store.db"
    _write_corpus(corpus, docs)
    out.write_text("the previous run's output\n")
    with FakeServer(completion, latency_s=0.25) as server:
        command = _batch_command(corpus, out, store, server.url, concurrency=4)
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if server.requests and _ok_rows(store) >= stored_first:
                break
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGTERM)
        _stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 130, stderr
        assert "Traceback" not in stderr and "Task exception" not in stderr, stderr
        lines = stderr.splitlines()
        assert len(lines) <= 2 and all(line.startswith("summarizer: ") for line in lines), stderr
        stored = _consistent_run_record(store)
        assert stored_first <= stored < 20
        assert out.read_text() == "the previous run's output\n"  # never half a new one
        left = {p.name for p in tmp_path.iterdir()} - {"corpus.jsonl", "out.jsonl"}
        assert left <= {"store.db", "store.db-wal", "store.db-shm"}  # no partial output
        server.reset_counts()
        rerun = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        assert rerun.returncode == 0, rerun.stderr
        assert server.requests == 20 - stored  # only what the stopped run had not finished
    assert sorted(json.loads(line)["id"] for line in out.read_text().splitlines()) == [
        d.id for d in docs
    ]


def test_sigterm_inside_a_busy_task_cancels_the_run_and_asyncio_logs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The deterministic half of the test above: SIGTERM delivered while a task's code runs.
    As a KeyboardInterrupt raised there, asyncio logged "Task exception was never retrieved"
    with every frame; cancelled, the task's cleanup runs and nothing is logged."""
    cleaned_up: list[str] = []

    async def worker(number: int) -> None:
        await asyncio.sleep(0.05)
        if number == 0:
            os.kill(os.getpid(), signal.SIGTERM)
        sum(range(2_000_000))  # the handler runs here, between two bytecodes of a task
        await asyncio.sleep(30)

    async def busy() -> None:  # as the Runner's workers under run_job
        try:
            await asyncio.gather(*(worker(n) for n in range(3)))
        finally:
            cleaned_up.append("closed")

    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # as main() sets it
    try:
        with caplog.at_level(logging.ERROR, logger="asyncio"):
            assert _interrupted(lambda: run_async(busy()))
            gc.collect()  # a task holding an exception logs it when collected
        assert signal.getsignal(signal.SIGTERM) is signal.default_int_handler  # restored
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert cleaned_up == ["closed"]
    assert not [r for r in caplog.records if r.name == "asyncio"], caplog.text


def _interrupted(call: Callable[[], object]) -> bool:
    """Whether `call` ended with KeyboardInterrupt; its traceback, which keeps the frames
    and their tasks alive, dropped."""
    try:
        call()
    except KeyboardInterrupt:
        return True
    return False


def _consistent_run_record(store: Path) -> int:
    """The store is whole, its one run recorded as not finished, with totals that count the
    outcomes it saved; how many it saved."""
    with sqlite3.connect(store, timeout=30) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ((run_id, finished_at, done, failed),) = db.execute(
            "SELECT id, finished_at, done, failed FROM runs"
        ).fetchall()
        outcomes = [row[0] for row in db.execute("SELECT outcome FROM outcomes")]
        saved = db.execute("SELECT COUNT(*) FROM outcomes WHERE run_id = ?", (run_id,))
        assert finished_at is None and done + failed == saved.fetchone()[0] == len(outcomes)
    for outcome in outcomes:
        DocumentResult.model_validate_json(outcome)
    return len(outcomes)


def test_two_runs_share_one_store_without_locking_each_other_out(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    docs = _corpus(text, 40)
    corpus, store = tmp_path / "corpus.jsonl", tmp_path / "store.db"
    _write_corpus(corpus, docs)
    with FakeServer(completion, latency_s=0.02) as server:
        runs = [
            subprocess.Popen(
                _batch_command(corpus, tmp_path / f"out{i}.jsonl", store, server.url, 8),
                cwd=ROOT,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(2)
        ]
        results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in runs]
    assert [code for code, _ in results] == [0, 0], results
    for i in range(2):
        assert len((tmp_path / f"out{i}.jsonl").read_text().splitlines()) == 40
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM outcomes").fetchone()[0] == 40
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_batch_cli_reads_a_directory_reports_bad_rows_and_lists_runs(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, recorded = article
    completion = {**recorded, "model": "gpt-4o-mini"}  # a priced model answers
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(text)
    (folder / "sub" / "a.txt").write_text(text + "\nAnother copy.")
    (folder / "rows.jsonl").write_text(
        json.dumps({"id": "r1", "text": text + "\nRow."})
        + "\n{not json}\n"
        + json.dumps({"id": "r3"})
        + "\n"
    )
    (folder / "empty.md").write_text("")
    out, store = tmp_path / "out.jsonl", tmp_path / "store.db"
    runner = CliRunner()
    with FakeServer(completion) as server:
        result = runner.invoke(
            app,
            [
                "batch",
                str(folder),
                "-o",
                str(out),
                "--store",
                str(store),
                "--base-url",
                server.url,
                "--model",
                "gpt-4o-mini",
                "--grounding-reasks",
                "0",
            ],
        )
    assert result.exit_code == 1, result.output
    lines = {json.loads(line)["id"]: json.loads(line) for line in out.read_text().splitlines()}
    assert {k for k, v in lines.items() if v["status"] == "ok"} == {"a", "sub/a", "r1"}
    assert f"{folder / 'rows.jsonl'}:2: invalid JSON" in result.stderr
    assert f"{folder / 'rows.jsonl'}:3: no 'text'" in result.stderr
    assert "empty.md: file is empty" in result.stderr
    assert "6 documents: 3 done (0 cached), 3 failed" in result.stderr
    # gpt-4o-mini is priced: three answers' worth, not zero.
    usage = recorded_usage(completion)
    cost = 3 * (usage.prompt_tokens * 0.15 + usage.completion_tokens * 0.60) / 1_000_000
    assert cost > 0.0005 and f"${cost:.4f}" in result.stderr
    listing = runner.invoke(app, ["runs", "--store", str(store)], env={"COLUMNS": "200"})
    assert (
        listing.exit_code == 0 and "gpt-4o-mini" in listing.stdout and "finished" in listing.stdout
    )
    with Store(store) as opened:
        (run,) = list(opened.runs())
    assert (run.totals.total, run.totals.done, run.totals.failed) == (6, 3, 3)


def test_read_errors_pass_through_the_batch(tmp_path: Path) -> None:
    items = list(iter_documents([str(tmp_path / "missing-*.txt"), str(tmp_path / "none.jsonl")]))
    assert [type(i) for i in items] == [ReadError, ReadError]
    assert "no files match" in str(items[0]) and "no such file" in str(items[1])


def test_a_batch_on_the_embedded_engine_runs_one_slot_per_request_in_flight() -> None:
    local = Settings.from_env({})
    settings, in_flight = concurrency_for(local, None)
    assert in_flight == ENGINE_BATCH_SLOTS == settings.parallel_slots
    settings, in_flight = concurrency_for(local, 3)
    assert (in_flight, settings.parallel_slots) == (3, 3)
    remote = Settings.from_env({"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, model="m")
    settings, in_flight = concurrency_for(remote, None)
    assert (in_flight, settings.parallel_slots) == (REMOTE_CONCURRENCY, 1)


def test_a_slow_input_does_not_stall_the_requests_in_flight(
    tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    """Inputs are read off the event loop: while the second document takes a second to read
    (a slow disk), the first one's request goes out and is answered."""
    text, completion = article
    first, second = _corpus(text, 2)
    read_second_at: list[float] = []

    def slowly_read() -> Iterator[Document]:
        yield first
        time.sleep(1.0)
        read_second_at.append(time.monotonic())
        yield second

    with FakeServer(completion, latency_s=0.1) as server, Store(tmp_path / "s.db") as store:
        totals, _outcomes = _run(_settings(server.url), store, slowly_read(), 2)
        answered = sorted(server.answered)
    assert totals.done == 2
    assert answered[0] < read_second_at[0] - 0.5  # answered while the input was still read


def test_a_failed_documents_tokens_count_in_the_run_totals() -> None:
    totals = BatchTotals()
    spent = Usage(prompt_tokens=900, completion_tokens=1536, total_tokens=2436)
    totals.add(FailedDocument(id="a", source="a", error="cut off", usage=spent), False, 0.002)
    totals.add(FailedDocument(id="b", source="b", error="no such file"), False, None)
    assert (totals.failed, totals.prompt_tokens, totals.completion_tokens) == (2, 900, 1536)
    assert (totals.cost_usd, totals.unpriced) == (0.002, 0)  # nothing spent, nothing unpriced


def test_the_jobs_summarizer_has_an_engine_slot_per_request_in_flight(tmp_path: Path) -> None:
    """open_batch builds the summarizer from the settings it gives the engine (the digest
    once built its own, from settings with one slot, and queued its requests in the engine)."""
    settings = Settings(store_path=tmp_path / "s.sqlite3", concurrency=3)
    with open_batch(settings, lambda outcome: None) as job:
        assert job.concurrency == job.summarizer.settings.parallel_slots == 3
