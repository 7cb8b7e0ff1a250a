"""Faults injected into the endpoint, the store, the output and the cassettes.

Each asserts the message (one line, naming what failed), the exit status, and that the other
documents' results are complete. The endpoint is a scripted server on 127.0.0.1 answering with
a completion the embedded engine really returned for an example article.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import StoreError
from summarizer.runs.store import Store
from summarizer.testing import (
    ARTICLES,
    PAUSE_FAULT,
    ROOT,
    FakeServer,
    Reply,
    completion_with_content,
    error_body,
    fully_grounded_example,
    serve,
)

runner = CliRunner()
OK = "ok"
CLOSED = "http://127.0.0.1:9/v1"  # a replay never connects


@pytest.fixture
def corpus(tmp_path: Path) -> list[Path]:
    """Three documents the recorded completion fits: the example article, told three times."""
    text = (ARTICLES / f"{fully_grounded_example()}.txt").read_text(encoding="utf-8")
    folder = tmp_path / "corpus"
    folder.mkdir()
    paths = []
    for n in range(3):
        path = folder / f"doc{n}.txt"
        path.write_text(f"{text}\nRef {n}.\n", encoding="utf-8")
        paths.append(path)
    return paths


def _fast(*extra: str) -> list[str]:
    return ["--model", "m", "--grounding-reasks", "0", "--retries", "2", "--timeout", "2", *extra]


def summarize(
    paths: list[Path], url: str, tmp_path: Path, *extra: str
) -> tuple[int, str, list[dict[str, Any]]]:
    out = tmp_path / "out.jsonl"
    args = ["summarize", *map(str, paths), "--base-url", url, "-f", "jsonl", "-o", str(out)]
    outcome = runner.invoke(app, [*args, *_fast(*extra)])
    records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    return outcome.exit_code, outcome.stderr, records


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("summarizer: error:")]


def statuses(records: list[dict[str, Any]]) -> list[str]:
    return [r["status"] for r in records]


def assert_complete(record: dict[str, Any]) -> None:
    assert record["status"] == OK and record["summary"]["text"] and len(record["facts"]) >= 3
    assert all(f["evidence"]["status"] == "exact" for f in record["facts"])


# ---- the endpoint --------------------------------------------------------------------------


def test_429_then_ok_waits_what_the_server_asks(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    replies = [
        Reply(429, error_body("slow down"), {"retry-after-ms": "20"}),
        Reply(200, completion),
    ]
    with serve(replies) as (url, script):
        status, stderr, records = summarize(corpus, url, tmp_path)
    assert status == 0 and statuses(records) == [OK] * 3
    assert "retry 1 in 0.0 s" in stderr and len(script.requests) == 4
    for record in records:
        assert_complete(record)


def test_a_malformed_retry_after_falls_back_to_backoff(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    replies = [Reply(429, error_body("slow down"), {"retry-after": "soon"}), Reply(200, completion)]
    with serve(replies) as (url, script):
        status, stderr, records = summarize(corpus[:1], url, tmp_path)
    assert status == 0, stderr
    assert statuses(records) == [OK] and len(script.requests) == 2


def test_an_exhausted_quota_is_not_retried(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    quota = error_body("You exceeded your current quota", code="insufficient_quota")
    with serve([Reply(429, quota), Reply(200, completion)]) as (url, script):
        status, stderr, records = summarize(corpus, url, tmp_path)
    assert status == 1 and statuses(records) == ["failed", OK, OK]
    (line,) = errors(stderr)
    assert str(corpus[0]) in line and "HTTP 429: You exceeded your current quota" in line
    assert len(script.requests) == 3  # one per document: no retry


@pytest.mark.parametrize("code", [500, 502, 503])
def test_a_server_error_is_retried(
    code: int, completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    replies = [Reply(code, error_body("busy"), {"retry-after-ms": "10"}), Reply(200, completion)]
    with serve(replies) as (url, script):
        status, _stderr, records = summarize(corpus[:2], url, tmp_path)
    assert status == 0 and statuses(records) == [OK, OK] and len(script.requests) == 3


def test_a_server_that_stays_down_fails_that_document_saying_how_often_it_was_tried(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    down = Reply(503, error_body("busy"), {"retry-after-ms": "10"})
    with serve([down, down, down, Reply(200, completion)]) as (url, script):
        status, stderr, records = summarize(corpus, url, tmp_path, "-q")
    assert status == 1 and statuses(records) == ["failed", OK, OK]
    (line,) = errors(stderr)
    assert "HTTP 503: busy (after 3 attempts)" in line
    assert "Total attempts" not in stderr  # instructor's own count (1) is not shown
    assert len(script.requests) == 5


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (400, "HTTP 400: bad request"),
        (401, "HTTP 401: bad key"),
        (403, "HTTP 403: forbidden"),
        (404, "HTTP 404: no such model"),
        (422, "HTTP 422: unprocessable"),
    ],
)
def test_a_client_error_is_not_retried(
    code: int, message: str, completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    body = error_body(message.split(": ", 1)[1])
    with serve([Reply(code, body), Reply(200, completion)]) as (url, script):
        status, stderr, records = summarize(corpus, url, tmp_path)
    assert status == 1 and statuses(records) == ["failed", OK, OK]
    (line,) = errors(stderr)
    assert message in line and str(corpus[0]) in line
    assert len(script.requests) == 3


@pytest.mark.parametrize(
    "fault", ["slow", "drop", "truncated"], ids=["timeout", "dropped", "cut-short"]
)
def test_a_broken_transfer_is_retried(
    fault: str, completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    with FakeServer(completion, plan=lambda n: fault if n == 0 else None, slow_s=3) as server:
        status, stderr, records = summarize(corpus, server.url, tmp_path)
        assert server.faults[fault] == 1 and server.requests == 4
    assert status == 0, stderr
    assert statuses(records) == [OK] * 3


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("<html><body>Proxy login</body></html>", "'<html><body>Proxy login</body></html>'"),
        ({"object": "list", "data": []}, '"ChatCompletion(id=None, choices=None'),
    ],
    ids=["html", "no-choices"],
)
def test_a_200_that_is_not_a_completion_is_a_bad_endpoint(
    body: Any, shown: str, completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    with serve([Reply(200, body), Reply(200, completion)]) as (url, script):
        status, stderr, records = summarize(corpus, url, tmp_path)
    assert status == 1 and statuses(records) == ["failed", OK, OK]
    (line,) = errors(stderr)
    assert f"{url}: not an OpenAI-compatible chat completion: {shown}" in line
    assert "model output invalid" not in line
    assert len(script.requests) == 3  # not retried, not re-asked


def test_invalid_output_is_re_asked_and_both_attempts_are_paid(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    bad = completion_with_content(completion, '{"headline": "only a headline"}')
    with serve([Reply(200, bad), Reply(200, completion)]) as (url, _script):
        status, _stderr, records = summarize(corpus[:1], url, tmp_path)
    assert status == 0
    assert records[0]["usage"]["completion_tokens"] == 2 * completion["usage"]["completion_tokens"]


def test_output_that_stays_invalid_fails_and_its_tokens_are_counted(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    bad = completion_with_content(completion, '{"headline": "only a headline"}')
    replies = [Reply(200, bad)] * 3 + [Reply(200, completion)]
    with serve(replies) as (url, script):
        status, stderr, records = summarize(corpus, url, tmp_path)
    assert status == 1 and statuses(records) == ["failed", OK, OK]
    assert "model output invalid after 3 attempt(s)" in errors(stderr)[0]
    assert records[0]["usage"]["completion_tokens"] == 3 * bad["usage"]["completion_tokens"]
    assert len(script.requests) == 5


def test_schema_re_asks_have_their_own_budget(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    """Twice by default, whatever --grounding-reasks says: a pooled budget gave a schema
    failure the grounding re-ask as a third."""
    bad = completion_with_content(completion, '{"headline": "only a headline"}')
    with serve([Reply(200, bad)] * 3 + [Reply(200, completion)]) as (url, script):
        status, _stderr, records = summarize(corpus[:1], url, tmp_path, "--grounding-reasks", "1")
    assert status == 1 and statuses(records) == ["failed"]
    assert len(script.requests) == 3


def test_a_grounding_re_ask_does_not_spend_the_schema_budget(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    answer = json.loads(completion["choices"][0]["message"]["content"])
    answer["facts"][0]["quote"] = "The ministers agreed in Paris to double the aid budget."
    invented = completion_with_content(completion, json.dumps(answer))
    bad = completion_with_content(completion, '{"headline": "only a headline"}')
    replies = [Reply(200, invented), Reply(200, bad), Reply(200, bad), Reply(200, completion)]
    with serve(replies) as (url, script):
        status, _stderr, records = summarize(corpus[:1], url, tmp_path, "--grounding-reasks", "1")
    assert status == 0 and len(script.requests) == 4
    assert records[0]["grounding"]["reasks"] == 1


def test_an_answer_cut_at_the_token_limit_fails_clearly(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    cut = json.loads(json.dumps(completion))
    cut["choices"][0]["finish_reason"] = "length"
    with serve([Reply(200, cut), Reply(200, completion)]) as (url, _script):
        status, stderr, records = summarize(corpus[:2], url, tmp_path)
    assert status == 1 and statuses(records) == ["failed", OK]
    assert "cut off at the 1536-token output limit" in errors(stderr)[0]
    assert records[0]["usage"]["completion_tokens"] == cut["usage"]["completion_tokens"]


def test_an_unreachable_endpoint_stops_being_tried_after_three_documents(
    tmp_path: Path,
) -> None:
    with serve([Reply(200, {})]) as (url, _script):
        pass  # the port is now closed
    documents = []
    for n in range(6):
        path = tmp_path / f"d{n}.txt"
        path.write_text(f"Story number {n} happened on Monday in the town.")
        documents.append(path)
    status, stderr, records = summarize(documents, url, tmp_path, "--retries", "1")
    assert status == 1 and statuses(records) == ["failed"] * 6
    lines = errors(stderr)
    assert len(lines) == 6
    assert all("cannot connect" in line for line in lines[:3])
    assert all("not tried" in line and "could not be reached" in line for line in lines[3:])
    assert sum("remaining documents fail without trying" in line for line in stderr.splitlines())


def test_a_429_pauses_every_request_not_only_its_own(
    completion: dict[str, Any], tmp_path: Path
) -> None:
    text = (ARTICLES / f"{fully_grounded_example()}.txt").read_text(encoding="utf-8")
    corpus = tmp_path / "corpus.jsonl"
    rows = [json.dumps({"id": f"d{n}", "text": f"{text}\nRef {n}."}) for n in range(8)]
    corpus.write_text("\n".join(rows) + "\n")
    plan = lambda n: PAUSE_FAULT if n == 0 else None  # noqa: E731
    with FakeServer(completion, plan=plan, latency_s=0.3) as server:
        outcome = runner.invoke(
            app,
            [
                "batch",
                str(corpus),
                "--base-url",
                server.url,
                "--concurrency",
                "4",
                "--store",
                str(tmp_path / "s.db"),
                "-o",
                str(tmp_path / "out.jsonl"),
                *_fast("-q"),
            ],
        )
        paused_at = min(server.answered)  # the 429, answered at once
        arrivals = sorted(server.arrivals)
    assert outcome.exit_code == 0, outcome.stderr
    # The three requests sent with the first were in flight already (they arrive within
    # milliseconds of it); they are answered 0.3 s later, and their workers' next requests
    # must wait out the second the server asked for.
    in_flight = [t for t in arrivals if t < arrivals[0] + 0.1]
    assert len(in_flight) == 4
    assert [t for t in arrivals if paused_at + 0.1 < t < paused_at + 0.95] == []
    assert len(arrivals) == 9


# ---- the store and the output -----------------------------------------------------------


def batch(paths: list[Path], url: str, store: Path, out: Path, *extra: str) -> tuple[int, str]:
    args = ["batch", *map(str, paths), "--base-url", url, "--store", str(store), "-o", str(out)]
    outcome = runner.invoke(app, [*args, *_fast("-q", *extra)])
    return outcome.exit_code, outcome.stderr


def _real_store(path: Path) -> Path:
    Store(path).close()
    return path


@pytest.mark.parametrize(
    ("make", "cause"),
    [
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.write_bytes(b"this is not a database at all" * 100), "not a summarizer store"),
        (
            lambda p: p.write_bytes(_real_store(p.with_suffix(".real")).read_bytes()[:1500]),
            "not a summarizer store",
        ),
        (
            lambda p: p.parent.write_text("a file, where the store's folder would be"),
            "Not a directory",
        ),
    ],
    ids=["directory", "garbage", "truncated", "under-a-file"],
)
@pytest.mark.parametrize("command", ["batch", "summarize"])
def test_an_unusable_store_fails_before_any_call(
    make: Any,
    cause: str,
    command: str,
    completion: dict[str, Any],
    corpus: list[Path],
    tmp_path: Path,
) -> None:
    """`summarize` of short documents, which keeps nothing in the store, refuses it as
    `batch` does: with the same line and status."""
    store, out = tmp_path / "store.db", tmp_path / "out.jsonl"
    if cause == "Not a directory":
        store = tmp_path / "a-file" / "store.db"
    make(store)
    with serve([Reply(200, completion)]) as (url, script):
        if command == "batch":
            status, stderr = batch(corpus, url, store, out)
        else:
            status, stderr, _records = summarize(corpus, url, tmp_path, "--store", str(store))
    assert status == 1
    (line,) = errors(stderr)
    assert line.startswith(f"summarizer: error: store {store}: ") and cause in line
    assert "Traceback" not in stderr
    assert script.requests == [] and not out.exists()


def test_summarize_leaves_a_store_that_does_not_exist_uncreated(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    store = tmp_path / "new" / "store.db"
    with serve([Reply(200, completion)]) as (url, _script):
        status, stderr, records = summarize(corpus[:1], url, tmp_path, "--store", str(store))
    assert status == 0, stderr
    assert statuses(records) == [OK] and not store.parent.exists()


def _without_dac_override() -> list[str]:
    """Run as root yet subject to file permissions, as any other user is."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


@pytest.mark.parametrize("command", ["batch", "summarize"])
def test_a_read_only_store_says_so(
    command: str, completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    store = _real_store(tmp_path / "store.db")
    store.chmod(0o444)
    with serve([Reply(200, completion)]) as (url, _script):
        completed = subprocess.run(
            [
                *_without_dac_override(),
                sys.executable,
                "-m",
                "summarizer",
                command,
                str(corpus[0]),
                "--base-url",
                url,
                "--store",
                str(store),
                "-o",
                str(tmp_path / "out.jsonl"),
                *_fast("-q"),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            check=False,
        )
    assert completed.returncode == 1
    assert f"summarizer: error: store {store}: read-only" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_store_that_fills_up_mid_run_ends_the_run_without_half_an_output(
    completion: dict[str, Any],
    corpus: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store, out = tmp_path / "store.db", tmp_path / "out.jsonl"
    out.write_text("the previous run's output\n")
    saves: list[int] = []
    real_save = Store.save

    def filling_up(self: Store, *args: Any) -> None:
        saves.append(1)
        if len(saves) == 2:
            raise StoreError(f"store {self.path}: cannot write (database or disk is full)")
        real_save(self, *args)

    monkeypatch.setattr(Store, "save", filling_up)
    with serve([Reply(200, completion)]) as (url, _script):
        status, stderr = batch(corpus, url, store, out, "--concurrency", "1")
    assert status == 1
    assert errors(stderr) == [
        f"summarizer: error: store {store}: cannot write (database or disk is full)"
    ]
    assert out.read_text() == "the previous run's output\n"  # not half of a new one
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_a_new_store_is_private_to_its_owner(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    store = tmp_path / "new" / "store.db"
    with serve([Reply(200, completion)]) as (url, _script):
        status, _stderr = batch(corpus[:1], url, store, tmp_path / "out.jsonl")
    assert status == 0
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    for companion in tmp_path.glob("new/store.db-*"):  # -wal, -shm
        assert stat.S_IMODE(companion.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("target", "cause"),
    [
        (lambda t: t, "is a directory"),
        (lambda t: t / "missing" / "out.jsonl", "no such directory"),
    ],
    ids=["directory", "missing-parent"],
)
def test_an_output_that_cannot_be_written_fails_before_any_call(
    target: Any, cause: str, completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    out = target(tmp_path)
    for command, extra in (("summarize", []), ("batch", ["--store", str(tmp_path / "s.db")])):
        with serve([Reply(200, completion)]) as (url, script):
            args = [command, str(corpus[0]), "--base-url", url, "-o", str(out), *extra]
            outcome = runner.invoke(app, [*args, *_fast()])
        assert outcome.exit_code == 1
        (line,) = errors(outcome.stderr)
        assert line.startswith(f"summarizer: error: output {out}: ") and cause in line
        assert script.requests == []


def test_a_full_disk_under_the_output_is_one_line(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    with serve([Reply(200, completion)]) as (url, _script):
        args = ["summarize", str(corpus[0]), "--base-url", url, "-o", "/dev/full", *_fast()]
        outcome = runner.invoke(app, args)
    assert outcome.exit_code == 1
    assert errors(outcome.stderr) == [
        "summarizer: error: output /dev/full: No space left on device"
    ]


# ---- cassettes ----------------------------------------------------------------------------


def test_replaying_a_missing_cassette_fails_each_document_clearly(
    corpus: list[Path], tmp_path: Path
) -> None:
    missing = tmp_path / "none.yaml"
    status, stderr, records = summarize(corpus[:2], CLOSED, tmp_path, "--replay", str(missing))
    assert status == 1 and statuses(records) == ["failed", "failed"]
    assert all(f"{missing}: no such cassette" in line for line in errors(stderr))


def test_replaying_a_garbage_cassette_fails_clearly(corpus: list[Path], tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("interactions: [this is: not: a cassette\n")
    status, stderr, records = summarize(corpus[:1], CLOSED, tmp_path, "--replay", str(garbage))
    assert status == 1 and statuses(records) == ["failed"]
    assert f"{garbage}: not a cassette" in errors(stderr)[0]


def test_a_request_the_cassette_lacks_fails_that_document_only(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    tape = tmp_path / "one.yaml"
    with serve([Reply(200, completion)]) as (url, _script):
        status, _stderr, _records = summarize(corpus[:1], url, tmp_path, "--record", str(tape))
    assert status == 0
    status, stderr, records = summarize(corpus[:2], url, tmp_path, "--replay", str(tape))
    assert status == 1 and statuses(records) == [OK, "failed"]
    assert f"request not recorded in {tape}" in errors(stderr)[0]


def test_a_recording_that_fails_leaves_the_old_cassette_as_it_was(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    tape = tmp_path / "tape.yaml"
    with serve([Reply(200, completion)]) as (url, _script):
        summarize(corpus[:1], url, tmp_path, "--record", str(tape))
    before = tape.read_bytes()
    with serve([Reply(200, {})]) as (url, _script):
        pass  # closed: nothing will be recorded
    status, _stderr, _records = summarize(corpus[:1], url, tmp_path, "--record", str(tape))
    assert status == 1
    assert tape.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if "recording" in p.name] == []


def test_recording_without_a_store_leaves_no_temporary_folder(
    completion: dict[str, Any], corpus: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    data, tape = _dataset(tmp_path, corpus[0]), tmp_path / "t.yaml"
    with serve([Reply(200, completion)]) as (url, _script):
        args = ["eval", str(data), "--base-url", url, "--model", "m", "--record", str(tape)]
        outcome = runner.invoke(app, args)
    assert outcome.exit_code == 0, outcome.stderr
    assert list(scratch.iterdir()) == []


def _dataset(tmp_path: Path, article: Path) -> Path:
    data = tmp_path / "data.jsonl"
    row = {"id": "a", "text": article.read_text(), "references": ["A reference summary."]}
    data.write_text(json.dumps(row) + "\n")
    return data


def test_an_eval_dataset_with_invalid_json_names_the_line(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text('{"id": "a", "text": "t", "references": ["r"]}\n{"id": "b", "text": \n')
    outcome = runner.invoke(app, ["eval", str(data)])
    assert outcome.exit_code == 2
    assert f"summarizer: error: {data}:2: invalid JSON" in outcome.stderr


# ---- keys ---------------------------------------------------------------------------------

CANARY = "sk-canary-7f3a9c1e5b"


def _private_env(home: Path) -> dict[str, str]:
    """Where the tool may write (data, logs, cache, config), all under `home`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        env[name] = str(home / name.lower())
    return env


@pytest.mark.parametrize("passed", ["environment", "option", "url"])
def test_a_key_reaches_no_file_and_no_message(
    passed: str, completion: dict[str, Any], corpus: list[Path], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = _private_env(home)
    out, store, tape = (
        tmp_path / "out" / "r.jsonl",
        tmp_path / "store" / "s.db",
        tmp_path / "t.yaml",
    )
    out.parent.mkdir()
    with serve([Reply(200, completion)]) as (url, script):
        key_args: list[str] = []
        if passed == "environment":
            env["OPENAI_API_KEY"] = CANARY
        elif passed == "option":
            key_args = ["--api-key", CANARY]
        else:
            url = url.replace("http://", f"http://user:{CANARY}@")
        endpoint = ["--base-url", url, *key_args, *_fast()]
        commands = [
            ["batch", *map(str, corpus), *endpoint, "--store", str(store), "-o", str(out)],
            ["summarize", str(corpus[0]), *endpoint, "--record", str(tape), "-f", "json"],
            ["runs", "--store", str(store)],
        ]
        completed = [
            subprocess.run(
                [sys.executable, "-m", "summarizer", *command],
                capture_output=True,
                text=True,
                env={**env, "COLUMNS": "300"},
                cwd=ROOT,
                timeout=120,
                check=False,
            )
            for command in commands
        ]
    assert [c.returncode for c in completed] == [0, 0, 0], [c.stderr for c in completed]
    seen = json.dumps([r["headers"] for r in script.requests])
    assert passed == "url" or CANARY in seen  # the key was used: the server saw it
    for run in completed:
        assert CANARY not in run.stdout + run.stderr
    files = [p for d in (out.parent, store.parent, home) for p in d.rglob("*") if p.is_file()]
    files.append(tape)
    assert len(files) >= 3  # results, store, cassette (and the engine's log, had it run)
    for file in files:
        assert CANARY.encode() not in file.read_bytes(), file
    with sqlite3.connect(store) as db:
        (command,) = db.execute("SELECT command FROM runs").fetchone()
    assert " batch " in command and CANARY not in command
    assert passed == "environment" or "***" in command  # masked where the key was given
