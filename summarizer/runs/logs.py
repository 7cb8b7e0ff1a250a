"""Browse what was done: search, filter, show and export the outcomes kept in the store.

The store is opened read-only (SQLite's `mode=ro`): looking at past results must never create
a store where there was none, nor change one a batch is writing. What SQLite can filter on
its columns (status, model, run, dates, order, a LIKE prefilter for text) it filters; what
lies inside an outcome's JSON (schema, grounding and support rates, the exact text match) is
checked here, on the rows the prefilter lets through, so the limit counts matching rows only.

Columns and filters read the stored JSON as a plain dict, not through the pydantic models:
a store keeps results written by earlier versions (an older `schema_version`), and browsing
must show those too. The parsed outcome comes along where it still validates.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal, NamedTuple, TextIO

from pydantic import ValidationError

from summarizer.errors import LogQueryError, NoSuchResult, StoreError
from summarizer.extraction.models import DocumentResult, FailedDocument
from summarizer.runs.store import Connected, Outcome, store_error

Status = Literal["ok", "failed"]
DEFAULT_LIMIT = 20
CSV_COLUMNS = (
    "id",
    "source",
    "status",
    "model",
    "updated_at",
    "headline",
    "facts",
    "grounding_rate",
    "support_rate",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "error",
)
# OWASP's CSV injection list: a cell starting so is read by a spreadsheet as a formula (or,
# for tab and carriage return, as one once the spreadsheet trims it). Not defusedcsv: it
# leaves those two as they are.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Needle characters that stand verbatim in the stored JSON (no escape changes them) and that
# SQLite's LIKE folds the way str.lower() does: printable ASCII but the quote and backslash.
_LIKE_SAFE = frozenset(chr(c) for c in range(0x20, 0x7F)) - {'"', "\\"}


class _Record(NamedTuple):
    """A row of the outcomes table, as selected."""

    cache_key: str
    doc_id: str
    source: str
    status: str
    model: str
    outcome: str
    error: str | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    elapsed_s: float | None
    run_id: int | None
    updated_at: float


_COLUMNS = ", ".join(_Record._fields)


@dataclass(frozen=True)
class LogQuery:
    """What to list: every filter is optional; all given ones must hold.

    `since`/`until` are dates (whole days, `until` included) or datetimes (naive ones in local
    time), compared with when the outcome was stored. `schema` and the rates only match
    results, never failures, which have none. `limit` None lists everything."""

    text: str | None = None
    since: dt.date | dt.datetime | None = None
    until: dt.date | dt.datetime | None = None
    model: str | None = None
    status: Status | None = None
    schema: str | None = None
    min_grounding: float | None = None
    max_grounding: float | None = None
    min_support: float | None = None
    max_support: float | None = None
    run: int | None = None
    limit: int | None = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        _check_rates("grounding", self.min_grounding, self.max_grounding)
        _check_rates("support", self.min_support, self.max_support)
        if self.status not in (None, "ok", "failed"):
            raise LogQueryError(f"status {self.status!r}: must be 'ok' or 'failed'")
        if self.limit is not None and self.limit < 1:
            raise LogQueryError(f"limit {self.limit}: must be 1 or more (None for all)")
        since, until = self.since_timestamp(), self.until_timestamp()
        if since is not None and until is not None and since > until:
            raise LogQueryError(f"since {self.since} is after until {self.until}")

    @property
    def filtered(self) -> bool:
        """Whether any filter is set (the limit is not one)."""
        return any(getattr(self, f.name) is not None for f in fields(self) if f.name != "limit")

    def since_timestamp(self) -> float | None:
        """The first moment `since` admits, as Unix time."""
        return None if self.since is None else _moment(self.since)

    def until_timestamp(self) -> float | None:
        """The last moment `until` admits: a date's whole day is included."""
        if self.until is None:
            return None
        if isinstance(self.until, dt.datetime):
            return _moment(self.until)
        return _moment(self.until + dt.timedelta(days=1)) - 1e-6

    def needs_python(self) -> bool:
        """Whether rows must be checked here after SQL (then SQL cannot apply the limit)."""
        rates = (self.min_grounding, self.max_grounding, self.min_support, self.max_support)
        return self.text is not None or self.schema is not None or rates != (None,) * 4


def _check_rates(name: str, low: float | None, high: float | None) -> None:
    for bound, value in (("minimum", low), ("maximum", high)):
        if value is not None and not 0.0 <= value <= 1.0:
            raise LogQueryError(f"{bound} {name} rate {value}: must be between 0 and 1")
    if low is not None and high is not None and low > high:
        raise LogQueryError(f"minimum {name} rate {low} is above the maximum, {high}")


def _moment(when: dt.date) -> float:
    """Unix time of a datetime (naive: local time) or of a date's local midnight."""
    if isinstance(when, dt.datetime):
        return when.timestamp()
    return dt.datetime.combine(when, dt.time.min).timestamp()


def parse_when(text: str) -> dt.date | dt.datetime:
    """An ISO date (2024-05-01) or date and time (2024-05-01T14:30, with an optional offset
    or Z); a bare date stays a date, so that `until` can take in its whole day."""
    value = text.strip()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise LogQueryError(
            f"{text!r} is not an ISO date or time (2024-05-01 or 2024-05-01T14:30)"
        ) from None


@dataclass(frozen=True)
class LogRow:
    """One stored outcome as the log shows it. Fields a failure lacks (headline, facts,
    rates, schema) are None, as is `outcome` for a result that no longer validates (written
    by an earlier schema version); `outcome_json` is always the text as stored."""

    id: str
    source: str
    status: str
    model: str
    updated_at: dt.datetime  # UTC
    headline: str | None
    facts: int | None
    grounding_rate: float | None
    support_rate: float | None
    schema: str | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    elapsed_s: float | None
    run_id: int | None
    cache_key: str
    error: str | None
    outcome_json: str
    outcome: Outcome | None

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class LogReader(Connected):
    """A read-only connection to a store, for listing (`search`) and showing (`find`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = _connect_read_only(path)

    def search(self, query: LogQuery) -> Iterator[LogRow]:
        """The outcomes that match, newest first, at most `query.limit` of them."""
        sql, params = _select(query)
        found = 0
        for record in self._records(sql, params):
            data = _load(record.outcome)
            if not _matches(query, record, data):
                continue
            yield _row(record, data)
            found += 1
            if query.limit is not None and found >= query.limit:
                return

    def find(self, id_or_key: str) -> LogRow:
        """The newest outcome of this document id, else the one whose cache key starts with
        it (a prefix as short as it stays unambiguous)."""
        wanted = id_or_key.strip()
        if not wanted:
            raise NoSuchResult("no document id or cache key given")
        order = "ORDER BY updated_at DESC, rowid DESC"
        by_id = f"SELECT {_COLUMNS} FROM outcomes WHERE doc_id = ? {order} LIMIT 1"
        records = list(self._records(by_id, [wanted]))
        if not records:
            by_key = f"SELECT {_COLUMNS} FROM outcomes WHERE substr(cache_key, 1, ?) = ? {order}"
            records = list(self._records(f"{by_key} LIMIT 2", [len(wanted), wanted]))
        if not records:
            raise NoSuchResult(f"store {self.path}: no result with id or key {wanted!r}")
        if len(records) > 1:
            raise NoSuchResult(
                f"store {self.path}: several results' keys start with {wanted!r}; give more of it"
            )
        return _row(records[0], _load(records[0].outcome))

    def _records(self, sql: str, params: list[object]) -> Iterator[_Record]:
        """The rows of a query, streamed; a database failure becomes a StoreError."""
        try:
            for values in self._db.execute(sql, params):
                yield _Record._make(values)
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from None


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """Open `path` read-only, refusing what is not a summarizer store with one line.

    SQLite may add the empty -wal and -shm files a WAL store reads through beside it (the
    next run that writes removes them); the store file itself is never written."""
    if path.is_dir():
        raise store_error(path, IsADirectoryError(21, "is a directory", str(path)))
    if not path.is_file():
        missing = "no such store (nothing has been stored there yet)"
        raise store_error(path, FileNotFoundError(2, missing, str(path)))
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=60.0)
    except sqlite3.Error as exc:
        raise store_error(path, exc) from None
    try:
        tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    except sqlite3.Error as exc:
        db.close()
        raise store_error(path, exc) from None
    if ("outcomes",) not in tables:
        db.close()
        raise StoreError(f"store {path}: not a summarizer store (it has no outcomes table)")
    return db


def _select(query: LogQuery) -> tuple[str, list[object]]:
    """The SQL for what SQLite can decide, newest first; the limit too when nothing is left
    to check afterwards."""
    clauses: list[str] = []
    params: list[object] = []
    for clause, value in (
        ("status = ?", query.status),
        ("model = ?", query.model),
        ("run_id = ?", query.run),
        ("updated_at >= ?", query.since_timestamp()),
        ("updated_at <= ?", query.until_timestamp()),
    ):
        if value is not None:
            clauses.append(clause)
            params.append(value)
    if query.text is not None and set(query.text) <= _LIKE_SAFE:
        pattern = "%" + query.text.replace("%", "\\%").replace("_", "\\_") + "%"
        like = " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in ("source", "doc_id", "outcome"))
        clauses.append(f"({like})")
        params.extend([pattern] * 3)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT {_COLUMNS} FROM outcomes{where} ORDER BY updated_at DESC, rowid DESC"
    if query.limit is not None and not query.needs_python():
        sql += " LIMIT ?"
        params.append(query.limit)
    return sql, params


def _load(outcome_json: str) -> dict[str, Any]:
    """The stored outcome as a dict; {} for text that is not a JSON object."""
    try:
        value = json.loads(outcome_json)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _rate(data: dict[str, Any], name: str) -> float | None:
    value = _section(data, "grounding").get(name)
    return float(value) if isinstance(value, int | float) else None


def _schema_name(data: dict[str, Any], status: str) -> str | None:
    """A result's schema ("news" for one written before schemas had names); None for a
    failure."""
    if status != "ok":
        return None
    name = _section(data, "prompt").get("schema_name", "news")
    return name if isinstance(name, str) else None


def _matches(query: LogQuery, record: _Record, data: dict[str, Any]) -> bool:
    """The filters SQL could not decide: the exact text match and the JSON's values."""
    if query.schema is not None and _schema_name(data, record.status) != query.schema:
        return False
    for low, high, name in (
        (query.min_grounding, query.max_grounding, "rate"),
        (query.min_support, query.max_support, "support_rate"),
    ):
        if low is None and high is None:
            continue
        value = _rate(data, name) if record.status == "ok" else None
        if value is None or (low is not None and value < low):
            return False
        if high is not None and value > high:
            return False
    return query.text is None or _contains(query.text, record, data)


def _contains(text: str, record: _Record, data: dict[str, Any]) -> bool:
    """Case-insensitive search in the source, the id, the headline, the summary, the facts'
    statements, and a failure's error."""
    summary = _section(data, "summary")
    facts = data.get("facts")
    statements = [f.get("statement") for f in facts if isinstance(f, dict)] if facts else []
    haystack = [record.source, record.doc_id, summary.get("headline"), summary.get("text")]
    needle = text.lower()
    texts = [*haystack, record.error, *statements]
    return any(isinstance(s, str) and needle in s.lower() for s in texts)


def _row(record: _Record, data: dict[str, Any]) -> LogRow:
    ok = record.status == "ok"
    facts = data.get("facts")
    headline = _section(data, "summary").get("headline")
    return LogRow(
        id=record.doc_id,
        source=record.source,
        status=record.status,
        model=record.model,
        updated_at=dt.datetime.fromtimestamp(record.updated_at, tz=dt.UTC),
        headline=headline if isinstance(headline, str) else None,
        facts=len(facts) if ok and isinstance(facts, list) else None,
        grounding_rate=_rate(data, "rate") if ok else None,
        support_rate=_rate(data, "support_rate") if ok else None,
        schema=_schema_name(data, record.status),
        prompt_tokens=record.prompt_tokens,
        completion_tokens=record.completion_tokens,
        cost_usd=record.cost_usd,
        elapsed_s=record.elapsed_s,
        run_id=record.run_id,
        cache_key=record.cache_key,
        error=record.error,
        outcome_json=record.outcome,
        outcome=_parsed(record.status, record.outcome),
    )


def _parsed(status: str, outcome_json: str) -> Outcome | None:
    """The outcome as the current models read it; None where they no longer can."""
    model = DocumentResult if status == "ok" else FailedDocument
    try:
        return model.model_validate_json(outcome_json)
    except ValidationError:
        return None


def search(path: Path, query: LogQuery) -> list[LogRow]:
    """The matching rows of the store at `path`, read and closed at once."""
    with LogReader(path) as reader:
        return list(reader.search(query))


def write_jsonl(rows: Iterable[LogRow], stream: TextIO) -> int:
    """One line per outcome: the JSON the store keeps (the shape `summarize -f jsonl`
    writes), so it reads back as the same results; returns how many lines."""
    count = 0
    for row in rows:
        stream.write(row.outcome_json.replace("\n", " ") + "\n")
        count += 1
    return count


def write_csv(rows: Iterable[LogRow], stream: TextIO) -> int:
    """One flat line per outcome (CSV_COLUMNS), for a spreadsheet; returns how many rows.
    Times are UTC ISO 8601; a value a row lacks is an empty cell; a text that a spreadsheet
    would run as a formula starts with an apostrophe (spreadsheet_safe)."""
    # RFC 4180's line ending: with "\n" alone the csv module leaves a cell's carriage return
    # unquoted, and a reader splits the row there.
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in csv_values(row)])
        count += 1
    return count


def spreadsheet_safe(cell: object) -> object:
    """`cell`, or, for a text starting with a formula trigger (`=1+2+cmd|' /C calc'!A0`, a
    model's headline or a document's id), the text after an apostrophe, as OWASP advises:
    a spreadsheet shows it as text and runs nothing. Numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS):
        return "'" + cell
    return cell


def csv_values(row: LogRow) -> list[object]:
    """The CSV cells of a row, in CSV_COLUMNS order."""
    return [
        row.id,
        row.source,
        row.status,
        row.model,
        row.updated_at.isoformat(timespec="seconds"),
        row.headline,
        row.facts,
        row.grounding_rate,
        row.support_rate,
        row.prompt_tokens,
        row.completion_tokens,
        row.cost_usd,
        row.error,
    ]
