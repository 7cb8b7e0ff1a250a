"""The SQLite store: every document's outcome, keyed by everything that determines it.

It is both the cache (an identical request is never paid twice) and the resume log (a run
killed half way picks up where it stopped). WAL mode and a busy timeout let several batch
runs share one store; each outcome is written in its own transaction, so a kill loses at
most the documents in flight.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import platformdirs

from summarizer.errors import StoreError
from summarizer.extraction.models import DocumentResult, FailedDocument

# Imported from here by summarizer.runs.logs: one alias, defined in schemas.
from summarizer.extraction.models import Outcome as Outcome
from summarizer.pipeline.keys import RequestKey

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outcomes (
    cache_key TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    source TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    schema_version TEXT NOT NULL,
    model TEXT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
    outcome TEXT NOT NULL,
    error TEXT,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL,
    elapsed_s REAL,
    run_id INTEGER,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outcomes_doc ON outcomes (doc_id);
CREATE TABLE IF NOT EXISTS windows (
    cache_key TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS batch_jobs (
    submission TEXT PRIMARY KEY,
    batch_id TEXT UNIQUE,
    endpoint TEXT NOT NULL,
    input_file TEXT,
    status TEXT NOT NULL,
    requests INTEGER NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    run_id INTEGER,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    finished_at REAL
);
CREATE TABLE IF NOT EXISTS batch_requests (
    custom_id TEXT PRIMARY KEY,
    body_sha256 TEXT NOT NULL,
    submission TEXT NOT NULL,
    doc_key TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('submitted', 'answered', 'failed')),
    error TEXT
);
CREATE INDEX IF NOT EXISTS batch_requests_body ON batch_requests (body_sha256);
CREATE INDEX IF NOT EXISTS batch_requests_doc ON batch_requests (doc_key);
CREATE TABLE IF NOT EXISTS batch_answers (
    body_sha256 TEXT PRIMARY KEY,
    response TEXT NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at REAL NOT NULL,
    finished_at REAL,
    command TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    total INTEGER,
    done INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    cached INTEGER NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL
);
"""


class Connected:
    """An open SQLite connection to a store, closed on leaving a `with` block."""

    _db: sqlite3.Connection

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_store_path() -> Path:
    return Path(platformdirs.user_data_dir("summarizer")) / "store.sqlite3"


@dataclass(frozen=True)
class RunTotals:
    total: int | None
    done: int
    failed: int
    cached: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None


@dataclass(frozen=True)
class RunRow:
    id: int
    started_at: float
    finished_at: float | None
    command: str
    model: str
    totals: RunTotals


@dataclass(frozen=True)
class BatchJob:
    """One batch submitted to a provider's Batch API, as the store knows it. `submission`
    is ours, written before the batch is created and sent in its metadata, so that a run
    stopped between the two finds the batch again rather than creating a second."""

    submission: str
    batch_id: str | None
    endpoint: str
    input_file: str | None
    status: str
    requests: int
    completed: int
    failed: int
    run_id: int | None
    created_at: float
    updated_at: float
    finished_at: float | None

    @property
    def in_flight(self) -> bool:
        return self.finished_at is None


@dataclass(frozen=True)
class BatchRequest:
    custom_id: str
    body_sha256: str
    doc_key: str


@dataclass(frozen=True)
class BatchRequestState:
    """What the batches did with one request body so far."""

    in_flight: bool = False
    failures: int = 0
    last_error: str | None = None


class Store(Connected):
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            _create_private(path)
            # autocommit off; every write below is one explicit transaction
            self._db = sqlite3.connect(path, timeout=60.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=60000")
            with self._transaction():
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    self._db.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise store_error(path, exc) from None

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db, self.path)

    def cached(self, key: str) -> Outcome | None:
        """A finished result for this key; failures are not cached, they are retried."""
        return self._result(
            "SELECT outcome FROM outcomes WHERE cache_key = ? AND status = 'ok'", key
        )

    def save(self, key: RequestKey, outcome: Outcome, cost_usd: float | None, run_id: int) -> None:
        usage = outcome.usage
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO outcomes VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key.key,
                    outcome.id,
                    outcome.source,
                    key.content_sha256,
                    key.prompt_hash,
                    key.schema_version,
                    key.model,
                    key.params,
                    outcome.status,
                    outcome.model_dump_json(),
                    outcome.error if isinstance(outcome, FailedDocument) else None,
                    usage.prompt_tokens,
                    usage.completion_tokens,
                    cost_usd,
                    outcome.elapsed_s if isinstance(outcome, DocumentResult) else None,
                    run_id,
                    time.time(),
                ),
            )

    def cached_window(self, key: str) -> DocumentResult | None:
        """A window of a long document, read in an earlier run (summarizer.inputs.windows)."""
        return self._result("SELECT outcome FROM windows WHERE cache_key = ?", key)

    def _result(self, query: str, key: str) -> DocumentResult | None:
        try:
            row = self._db.execute(query, (key,)).fetchone()
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None
        return DocumentResult.model_validate_json(row[0]) if row else None

    def save_window(self, key: str, result: DocumentResult) -> None:
        """Each window as soon as it is read: a run stopped half way resumes at the window."""
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO windows VALUES (?, ?, ?, ?)",
                (key, result.id, result.model_dump_json(), time.time()),
            )

    def start_run(self, command: str, model: str, prompt_hash: str) -> int:
        with self._transaction():
            cursor = self._db.execute(
                "INSERT INTO runs (started_at, command, model, prompt_hash) VALUES (?, ?, ?, ?)",
                (time.time(), command, model, prompt_hash),
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def update_run(self, run_id: int, totals: RunTotals, finished: bool) -> None:
        with self._transaction():
            self._db.execute(
                "UPDATE runs SET total = ?, done = ?, failed = ?, cached = ?, prompt_tokens = ?,"
                " completion_tokens = ?, cost_usd = ?, finished_at = ? WHERE id = ?",
                (
                    totals.total,
                    totals.done,
                    totals.failed,
                    totals.cached,
                    totals.prompt_tokens,
                    totals.completion_tokens,
                    totals.cost_usd,
                    time.time() if finished else None,
                    run_id,
                ),
            )

    # ---- the provider's Batch API (summarizer.runs.provider_batch) ----------------------------

    def add_batch_job(
        self, submission: str, endpoint: str, run_id: int, requests: list[BatchRequest]
    ) -> None:
        """A batch about to be submitted, and its requests: written before anything is sent."""
        now = time.time()
        with self._transaction():
            self._db.execute(
                "INSERT INTO batch_jobs (submission, endpoint, status, requests, run_id,"
                " created_at, updated_at) VALUES (?, ?, 'submitting', ?, ?, ?, ?)",
                (submission, endpoint, len(requests), run_id, now, now),
            )
            self._db.executemany(
                "INSERT INTO batch_requests VALUES (?, ?, ?, ?, 'submitted', NULL)",
                [(r.custom_id, r.body_sha256, submission, r.doc_key) for r in requests],
            )

    def update_batch_job(self, submission: str, **changes: object) -> None:
        allowed = {"batch_id", "input_file", "status", "completed", "failed", "finished_at"}
        if not changes or not set(changes) <= allowed:
            raise ValueError(f"cannot update {sorted(changes)} of a batch job")
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self._transaction():
            self._db.execute(
                f"UPDATE batch_jobs SET {assignments}, updated_at = ? WHERE submission = ?",
                (*changes.values(), time.time(), submission),
            )

    def drop_batch_job(self, submission: str) -> None:
        """A batch that was never sent (the run stopped before its file went up)."""
        with self._transaction():
            self._db.execute("DELETE FROM batch_requests WHERE submission = ?", (submission,))
            self._db.execute("DELETE FROM batch_jobs WHERE submission = ?", (submission,))

    def batch_jobs(self, endpoint: str | None = None, limit: int = 1000) -> list[BatchJob]:
        """The newest batch jobs first, of one endpoint or all."""
        query = "SELECT * FROM batch_jobs"
        query += " WHERE endpoint = ?" if endpoint else ""
        query += " ORDER BY created_at DESC LIMIT ?"
        args = (endpoint, limit) if endpoint else (limit,)
        return [BatchJob(*row) for row in self._db.execute(query, args)]

    def batch_requests(self, submission: str) -> list[BatchRequest]:
        rows = self._db.execute(
            "SELECT custom_id, body_sha256, doc_key FROM batch_requests WHERE submission = ?",
            (submission,),
        )
        return [BatchRequest(*row) for row in rows]

    def batch_request_states(self) -> dict[str, BatchRequestState]:
        """Per request body: whether a batch still has it, and how often batches failed it."""
        states: dict[str, BatchRequestState] = {}
        rows = self._db.execute(
            "SELECT body_sha256, state, error FROM batch_requests ORDER BY rowid"
        )
        for body, state, error in rows:
            known = states.get(body, BatchRequestState())
            if state == "submitted":
                known = BatchRequestState(True, known.failures, known.last_error)
            elif state == "failed":
                known = BatchRequestState(known.in_flight, known.failures + 1, error)
            states[body] = known
        return states

    def count_batch_requests(self, doc_key: str) -> int:
        query = "SELECT COUNT(*) FROM batch_requests WHERE doc_key = ?"
        return int(self._db.execute(query, (doc_key,)).fetchone()[0])

    def save_batch_results(
        self,
        submission: str,
        answers: dict[str, tuple[str, str]],
        failures: dict[str, str],
    ) -> None:
        """A finished batch's answers (custom id: body hash, response) and failed requests
        (custom id: error), in one transaction with the job's end."""
        now = time.time()
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO batch_answers VALUES (?, ?, ?)",
                [(body, response, now) for body, response in answers.values()],
            )
            self._db.executemany(
                "UPDATE batch_requests SET state = 'answered' WHERE custom_id = ?",
                [(custom_id,) for custom_id in answers],
            )
            self._db.executemany(
                "UPDATE batch_requests SET state = 'failed', error = ? WHERE custom_id = ?",
                [(error, custom_id) for custom_id, error in failures.items()],
            )
            self._db.execute(
                "UPDATE batch_jobs SET finished_at = ?, updated_at = ? WHERE submission = ?",
                (now, now, submission),
            )

    def batch_answer(self, body_sha256: str) -> str | None:
        query = "SELECT response FROM batch_answers WHERE body_sha256 = ?"
        row = self._db.execute(query, (body_sha256,)).fetchone()
        return str(row[0]) if row else None

    def runs(self, limit: int = 20) -> Iterator[RunRow]:
        rows = self._db.execute(
            "SELECT id, started_at, finished_at, command, model, total, done, failed, cached,"
            " prompt_tokens, completion_tokens, cost_usd FROM runs ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        for row in rows:
            yield RunRow(row[0], row[1], row[2], row[3], row[4], RunTotals(*row[5:]))

    def count(self, status: str | None = None) -> int:
        if status is None:
            return int(self._db.execute("SELECT COUNT(*) FROM outcomes").fetchone()[0])
        query = "SELECT COUNT(*) FROM outcomes WHERE status = ?"
        return int(self._db.execute(query, (status,)).fetchone()[0])


@dataclass(frozen=True)
class PastUsage:
    """What one earlier result cost: its tokens, and the seconds the model reported."""

    prompt_tokens: int
    completion_tokens: int
    model_seconds: float | None


class StoreReader(Connected):
    """A store opened read-only, for the dry run: it asks, and writes nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            uri = f"{path.resolve().as_uri()}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, timeout=60.0)
            self._db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except (OSError, sqlite3.Error) as exc:
            raise store_error(path, exc) from None

    def has_result(self, key: str) -> bool:
        """Whether a run would be answered from the store for this key (Store.cached)."""
        query = "SELECT 1 FROM outcomes WHERE cache_key = ? AND status = 'ok'"
        return self._query(query, (key,)) != []

    def usage_history(self, prompt_hash: str, model: str, schema_version: str) -> list[PastUsage]:
        """The usage of the results of one request each (no long document's) made with
        this prompt (its hash covers the schema and the examples) on this model."""
        query = (
            "SELECT prompt_tokens, completion_tokens, json_extract(outcome, '$.model_seconds')"
            " FROM outcomes WHERE status = 'ok' AND prompt_hash = ? AND model = ?"
            " AND schema_version = ? AND params NOT LIKE '%\"windows\"%' ORDER BY updated_at"
        )
        rows = self._query(query, (prompt_hash, model, schema_version))
        return [PastUsage(int(p), int(c), None if s is None else float(s)) for p, c, s in rows]

    def _query(self, query: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(query, args).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):  # an empty database: nothing known yet
                return []
            raise store_error(self.path, exc) from None
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None


def open_reader(path: Path) -> StoreReader | None:
    """The store at `path`, read-only; None when there is none yet."""
    return StoreReader(path) if path.is_file() else None


class LazyStore:
    """The store, opened when first asked: `summarize` keeps only long documents' windows
    there, and a run of short ones never opens it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._store: Store | None = None

    def check(self) -> None:
        """Fail now, as a batch would on opening it, if the store cannot be used: a run of
        short documents must not accept a store that a long one then finds unusable."""
        check_store(self.path)

    def _opened(self) -> Store:
        if self._store is None:
            self._store = Store(self.path)
        return self._store

    def cached_window(self, key: str) -> DocumentResult | None:
        return self._opened().cached_window(key)

    def save_window(self, key: str, result: DocumentResult) -> None:
        self._opened().save_window(key, result)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error: a writer waits for the lock up front.
    A failure of the database (full disk, file gone read-only) becomes a StoreError."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db = db
        self.path = path

    def __enter__(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        except sqlite3.Error as error:
            if exc_type is None:
                raise store_error(self.path, error) from None
        if isinstance(exc, sqlite3.Error):
            raise store_error(self.path, exc) from None


def check_store(path: Path) -> None:
    """What opening the store at `path` would find wrong, found without creating or changing
    anything: a directory, a file that is not an SQLite database, one that cannot be written,
    or a folder where none can be made."""
    try:
        if path.is_dir():
            raise IsADirectoryError(21, "is a directory", str(path))
        if not path.exists():
            _check_creatable(path.parent)
            return
        if not os.access(path, os.W_OK):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except (OSError, sqlite3.Error) as exc:
        raise store_error(path, exc) from None


def _check_creatable(folder: Path) -> None:
    """`folder`, or the nearest folder above it that exists, is one a store can be made in."""
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    if not existing.is_dir():
        raise NotADirectoryError(20, "Not a directory", str(existing))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(13, "Permission denied", str(existing))


def _create_private(path: Path) -> None:
    """A new store is readable by its owner only (0600): it holds every article and result.
    SQLite gives its -wal and -shm files the database file's permissions."""
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory", str(path))
    _check_creatable(path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def store_error(path: Path, error: BaseException) -> StoreError:
    """One line for the user: which store, and what is wrong with it."""
    if isinstance(error, OSError):
        cause = error.strerror or str(error)
    elif "not a database" in str(error) or "malformed" in str(error):
        cause = "not a summarizer store (not an SQLite database, or a damaged one)"
    elif "readonly" in str(error) or "read-only" in str(error):
        cause = "read-only: the store must be writable"
    elif "disk is full" in str(error) or "disk I/O" in str(error):
        cause = f"cannot write ({error})"
    else:
        cause = str(error)
    return StoreError(f"store {path}: {cause}")
