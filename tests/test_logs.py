"""`summarizer logs`: browse the store's outcomes (summarizer.runs.logs and the CLI command).

The store is built with summarizer.runs.store.Store from the real example results, varied with
model_copy, and a failure; each outcome is stored at a known time (a fake clock for the
store module), so that date filters and the newest-first order are exact.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import LogQueryError, NoSuchResult, StoreError
from summarizer.extraction.models import DocumentResult, FailedDocument
from summarizer.pipeline import RequestKey
from summarizer.runs.logs import (
    CSV_COLUMNS,
    FORMULA_TRIGGERS,
    LogQuery,
    LogReader,
    parse_when,
    search,
    spreadsheet_safe,
    write_csv,
    write_jsonl,
)
from summarizer.runs.store import Store
from summarizer.testing import ROOT

runner = CliRunner()
OUTPUTS = ROOT / "examples" / "outputs"
QWEN = "qwen2.5-coder-1.5b-instruct-q4_k_m"
GPT = "gpt-4o-mini"
HEADLINE_WITH_QUOTES = 'Netanyahu: "no deal", Gaza talks stall'


@dataclass(frozen=True)
class Stored:
    """One outcome of the test store, and when and how it was stored."""

    label: str
    outcome: DocumentResult | FailedDocument
    model: str
    run: int
    day: int  # of May 2024, stored at local noon

    @property
    def key(self) -> str:
        # A shared prefix ("c0ffee") makes a short key prefix ambiguous on purpose.
        digits = hashlib.sha256(self.label.encode()).hexdigest()
        return f"c0ffee{self.label[1]}{digits[:57]}"

    @property
    def timestamp(self) -> float:
        return dt.datetime(2024, 5, self.day, 12, 0).timestamp()


def _example(stem: str) -> DocumentResult:
    return DocumentResult.model_validate_json((OUTPUTS / f"{stem}.json").read_text())


def _varied(result: DocumentResult, **grounding: float) -> DocumentResult:
    return result.model_copy(
        update={"grounding": result.grounding.model_copy(update=grounding)}, deep=True
    )


def _stored_outcomes() -> list[Stored]:
    """k0..k5, oldest first. k5 is a newer result for k2's document, by another model."""
    # Support rates set, not the examples' own: the filters are under test, not the
    # examples' verdicts (which change as the support check does).
    r002 = _varied(_example("002_f8c6bddbe5b99dbe"), support_rate=2 / 3)
    r003 = _varied(_example("003_79d721cb69906ae1"), rate=0.5, support_rate=0.5)
    meds = r003.model_copy(
        update={"prompt": r003.prompt.model_copy(update={"schema_name": "meds"})}
    )
    newer = _varied(r002, support_rate=1 / 3)
    newer = newer.model_copy(
        update={
            "model": GPT,
            "summary": newer.summary.model_copy(update={"headline": HEADLINE_WITH_QUOTES}),
        }
    )
    failed = FailedDocument(
        id="broken",
        source="feeds/broken.html",
        error="HTTP 404 Not Found\nafter 1 redirect (100% of_them)",
    )
    return [
        Stored("k0", _varied(_example("000_e5461a5ad9c76c4b"), support_rate=1.0), QWEN, 1, 1),
        Stored("k1", _varied(_example("001_b9058b3b0d63c9a3"), support_rate=1.0), QWEN, 1, 2),
        Stored("k2", r002, QWEN, 1, 3),
        Stored("k3", meds, GPT, 2, 4),
        Stored("k4", failed, GPT, 2, 5),
        Stored("k5", newer, GPT, 2, 6),
    ]


STORED = {item.label: item for item in _stored_outcomes()}


def _save(path: Path, items: list[Stored], monkeypatch: pytest.MonkeyPatch) -> None:
    with Store(path) as store:
        for item in items:
            clock = SimpleNamespace(time=lambda item=item: item.timestamp)
            monkeypatch.setattr("summarizer.runs.store.time", clock)
            key = RequestKey("sha", "prompt", "3", item.model, "{}", item.key)
            store.save(key, item.outcome, 0.0015 if item.model == GPT else None, item.run)
    monkeypatch.undo()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "store.sqlite3"
    _save(path, list(STORED.values()), monkeypatch)
    return path


def _labels(path: Path, query: LogQuery) -> list[str]:
    by_key = {item.key: label for label, item in STORED.items()}
    return [by_key[row.cache_key] for row in search(path, query)]


def _snapshot(path: Path) -> tuple[int, int, str]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size, hashlib.sha256(path.read_bytes()).hexdigest()


def _logs(*args: str) -> Any:
    return runner.invoke(app, ["logs", *args], env={"COLUMNS": "250"})


# ---- the library -------------------------------------------------------------------------


def test_newest_first_and_the_limit(store: Path) -> None:
    assert _labels(store, LogQuery(limit=None)) == ["k5", "k4", "k3", "k2", "k1", "k0"]
    assert _labels(store, LogQuery()) == ["k5", "k4", "k3", "k2", "k1", "k0"]  # 20 by default
    assert _labels(store, LogQuery(limit=2)) == ["k5", "k4"]


def test_rows_carry_the_columns_and_the_parsed_outcome(store: Path) -> None:
    ok, failed = search(store, LogQuery(limit=2))
    item = STORED["k4"]
    assert (failed.id, failed.status, failed.model, failed.run_id) == ("broken", "failed", GPT, 2)
    assert failed.headline is failed.facts is failed.grounding_rate is failed.schema is None
    assert failed.error == item.outcome.error and failed.outcome == item.outcome
    assert failed.updated_at == dt.datetime.fromtimestamp(item.timestamp, tz=dt.UTC)
    assert failed.cost_usd == 0.0015 and failed.cache_key == item.key
    newer = STORED["k5"].outcome
    assert isinstance(newer, DocumentResult) and ok.outcome == newer
    assert (ok.id, ok.headline, ok.facts, ok.schema) == (newer.id, HEADLINE_WITH_QUOTES, 3, "news")
    assert ok.grounding_rate == 1.0 and ok.support_rate == pytest.approx(1 / 3)
    assert ok.tokens == newer.usage.prompt_tokens + newer.usage.completion_tokens > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ISRAELI LEADERS", ["k0"]),  # a headline
        ("lockstep", ["k0"]),  # a summary's text
        ("Painful and Unresolved", ["k1"]),  # a fact's statement only
        ("003_79D721", ["k3"]),  # the id and the source
        ("feeds/broken", ["k4"]),  # a failure's source
        ("404 not found", ["k4"]),  # a failure's error
        ("israel’s cautious stance", ["k5", "k2"]),  # not ASCII: no SQL prefilter
        ('"NO DEAL"', ["k5"]),  # a quote, escaped in the stored JSON
        ("support_rate", []),  # a key of the stored JSON: the prefilter lets it by, not the match
        ("100% OF_", ["k4"]),  # LIKE's wildcards, escaped, match themselves
        ("100%", ["k4"]),
        ("10% of", []),  # not "100% of": % is no wildcard
        ("_", ["k5", "k4", "k3", "k2", "k1", "k0"]),  # in the ids, and the failure's error
    ],
)
def test_text_search(store: Path, text: str, expected: list[str]) -> None:
    assert _labels(store, LogQuery(text=text)) == expected


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("2024-05-03", None, ["k5", "k4", "k3", "k2"]),
        (None, "2024-05-02", ["k1", "k0"]),  # a date: its whole day
        ("2024-05-04", "2024-05-04", ["k3"]),
        ("2024-05-04T12:00", None, ["k5", "k4", "k3"]),  # a time: from that moment
        (None, "2024-05-04T11:59:59", ["k2", "k1", "k0"]),
        ("2024-06-01", None, []),
    ],
)
def test_since_and_until(
    store: Path, since: str | None, until: str | None, expected: list[str]
) -> None:
    query = LogQuery(
        since=parse_when(since) if since else None,
        until=parse_when(until) if until else None,
        limit=None,
    )
    assert _labels(store, query) == expected


def test_an_aware_time_is_compared_as_the_instant_it_names(store: Path) -> None:
    instant = dt.datetime.fromtimestamp(STORED["k3"].timestamp, tz=dt.UTC)
    assert _labels(store, LogQuery(since=instant)) == ["k5", "k4", "k3"]
    as_text = instant.isoformat().replace("+00:00", "Z")
    assert _labels(store, LogQuery(until=parse_when(as_text))) == ["k3", "k2", "k1", "k0"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"model": GPT}, ["k5", "k4", "k3"]),
        ({"model": "gpt"}, []),  # a model's exact name
        ({"status": "failed"}, ["k4"]),
        ({"status": "ok"}, ["k5", "k3", "k2", "k1", "k0"]),
        ({"run": 1}, ["k2", "k1", "k0"]),
        ({"schema": "meds"}, ["k3"]),
        ({"schema": "news"}, ["k5", "k2", "k1", "k0"]),  # a failure has no schema
        ({"min_grounding": 0.9}, ["k5", "k2", "k1", "k0"]),
        ({"max_grounding": 0.6}, ["k3"]),
        ({"min_support": 0.9}, ["k1", "k0"]),
        ({"max_support": 0.5}, ["k5", "k3"]),
        ({"min_support": 0.4, "max_support": 0.7}, ["k3", "k2"]),
        ({"min_grounding": 0.0}, ["k5", "k3", "k2", "k1", "k0"]),  # a failure has no rate
    ],
)
def test_each_filter(store: Path, filters: dict[str, Any], expected: list[str]) -> None:
    assert _labels(store, LogQuery(**filters)) == expected


def test_filters_combine_and_the_limit_counts_matches(store: Path) -> None:
    query = LogQuery(text="netanyahu", model=QWEN, min_support=0.6, since=dt.date(2024, 5, 2))
    assert _labels(store, query) == ["k2", "k1"]
    assert _labels(store, LogQuery(text="netanyahu", model=QWEN, min_support=0.6, limit=1)) == [
        "k2"
    ]
    assert _labels(store, LogQuery(status="ok", schema="news", limit=2)) == ["k5", "k2"]
    assert _labels(store, LogQuery(run=2, status="ok", max_support=0.4)) == ["k5"]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"min_grounding": 1.5}, "minimum grounding rate 1.5: must be between 0 and 1"),
        ({"max_support": -0.1}, "maximum support rate -0.1: must be between 0 and 1"),
        ({"min_support": 0.9, "max_support": 0.1}, "minimum support rate 0.9 is above"),
        ({"since": dt.date(2024, 5, 3), "until": dt.date(2024, 5, 2)}, "is after until"),
        ({"limit": 0}, "limit 0"),
        ({"status": "done"}, "status 'done'"),
    ],
)
def test_a_bad_query_is_refused(filters: dict[str, Any], message: str) -> None:
    with pytest.raises(LogQueryError, match=message):
        LogQuery(**filters)


def test_parse_when() -> None:
    assert parse_when("2024-05-01") == dt.date(2024, 5, 1)
    assert parse_when(" 2024-05-01T14:30 ") == dt.datetime(2024, 5, 1, 14, 30)
    assert parse_when("2024-05-01T14:30Z") == dt.datetime(2024, 5, 1, 14, 30, tzinfo=dt.UTC)
    for bad in ("2024-13-01", "yesterday", ""):
        with pytest.raises(LogQueryError, match="not an ISO date or time"):
            parse_when(bad)


def test_find_by_id_takes_the_newest_and_by_key_prefix(store: Path) -> None:
    with LogReader(store) as reader:
        assert reader.find("002_f8c6bddbe5b99dbe").cache_key == STORED["k5"].key
        assert reader.find(STORED["k2"].key[:8]).cache_key == STORED["k2"].key
        assert reader.find(STORED["k4"].key).outcome == STORED["k4"].outcome
        with pytest.raises(NoSuchResult, match="several results' keys start with 'c0ffee'"):
            reader.find("c0ffee")
        with pytest.raises(NoSuchResult, match="no result with id or key 'nothing'"):
            reader.find("nothing")


def test_jsonl_export_reads_back_as_the_stored_outcomes(store: Path) -> None:
    stream = io.StringIO()
    assert write_jsonl(search(store, LogQuery(limit=None)), stream) == 6
    lines = stream.getvalue().splitlines()
    expected = [STORED[label].outcome for label in ("k5", "k4", "k3", "k2", "k1", "k0")]
    read = [
        FailedDocument.model_validate_json(line)
        if json.loads(line)["status"] == "failed"
        else DocumentResult.model_validate_json(line)
        for line in lines
    ]
    assert read == expected


def test_csv_export_parses_back(store: Path) -> None:
    stream = io.StringIO()
    assert write_csv(search(store, LogQuery(limit=None)), stream) == 6
    reader = csv.DictReader(io.StringIO(stream.getvalue(), newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    rows = {row["id"] + row["model"]: row for row in reader}
    newer, failed = rows["002_f8c6bddbe5b99dbe" + GPT], rows["broken" + GPT]
    assert newer["headline"] == HEADLINE_WITH_QUOTES and newer["status"] == "ok"
    assert (newer["facts"], float(newer["grounding_rate"])) == ("3", 1.0)
    assert float(newer["support_rate"]) == pytest.approx(1 / 3)
    assert float(newer["cost_usd"]) == 0.0015 and int(newer["prompt_tokens"]) > 0
    stored_at = dt.datetime.fromisoformat(newer["updated_at"])
    assert stored_at.timestamp() == STORED[
        "k5"
    ].timestamp and stored_at.utcoffset() == dt.timedelta(0)
    assert failed["error"] == "HTTP 404 Not Found\nafter 1 redirect (100% of_them)"
    assert failed["headline"] == failed["facts"] == failed["grounding_rate"] == ""
    assert rows["002_f8c6bddbe5b99dbe" + QWEN]["cost_usd"] == ""  # unpriced


# Each begins as OWASP's CSV injection cheat sheet lists: =, +, -, @, tab, carriage return.
FORMULAS = (
    "=1+2+cmd|' /C calc'!A0",
    "=HYPERLINK(1)",
    "+1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)
TEXT_COLUMNS = ("id", "source", "model", "headline")  # and a failure's error


@pytest.mark.parametrize("formula", FORMULAS)
def test_no_csv_cell_is_a_formula_whichever_column_holds_it(
    formula: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _example("002_f8c6bddbe5b99dbe")
    result = result.model_copy(
        update={
            "id": formula,
            "source": formula,
            "summary": result.summary.model_copy(update={"headline": formula}),
        }
    )
    failed = FailedDocument(id=formula, source=formula, error=formula)
    items = [Stored("k0", result, formula, 1, 1), Stored("k1", failed, formula, 1, 2)]
    path = tmp_path / "store.sqlite3"
    _save(path, items, monkeypatch)
    table = tmp_path / "logs.csv"
    assert _logs("--store", str(path), "-f", "csv", "-o", str(table)).exit_code == 0
    with table.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 2
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_TRIGGERS), (column, cell)
        for column in TEXT_COLUMNS if row["status"] == "ok" else (*TEXT_COLUMNS[:3], "error"):
            assert row[column] == "'" + formula, column
    ok = next(row for row in rows if row["status"] == "ok")
    assert float(ok["grounding_rate"]) == 1.0 and int(ok["prompt_tokens"]) > 0  # still numbers


def test_a_carriage_return_inside_a_cell_keeps_its_row_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = FailedDocument(id="cr", source="cr.txt", error="HTTP 502\rafter 3 tries.")
    path = tmp_path / "store.sqlite3"
    _save(path, [Stored("k0", failed, GPT, 1, 1)], monkeypatch)
    stream = io.StringIO(newline="")
    assert write_csv(search(path, LogQuery(limit=None)), stream) == 1
    (row,) = csv.DictReader(io.StringIO(stream.getvalue(), newline=""))
    assert row["error"] == failed.error and row["status"] == "failed"


@given(st.text())
def test_a_spreadsheet_safe_cell_is_the_text_or_the_text_after_an_apostrophe(text: str) -> None:
    safe = spreadsheet_safe(text)
    assert isinstance(safe, str) and not safe.startswith(FORMULA_TRIGGERS)
    assert safe == (f"'{text}" if text.startswith(FORMULA_TRIGGERS) else text)


@pytest.mark.parametrize("number", [-1, -0.5, 0, 3, 1.25, None])
def test_numbers_and_empty_cells_stay_as_they_are(number: float | None) -> None:
    assert spreadsheet_safe(number) == number


def test_a_missing_store_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "store.sqlite3"
    with pytest.raises(StoreError, match="no such store"):
        LogReader(missing)
    assert not missing.parent.exists()
    with pytest.raises(StoreError, match="is a directory"):
        LogReader(tmp_path)


def test_a_file_that_is_not_a_store_is_an_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text(
        "not a database, just some text that is long enough to look like a header\n" * 20
    )
    with pytest.raises(StoreError, match="not a summarizer store"):
        LogReader(text)
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE things (id INTEGER)")
    with pytest.raises(StoreError, match="not a summarizer store"):
        LogReader(other)


def test_browsing_never_modifies_the_store(store: Path) -> None:
    before = _snapshot(store)
    with LogReader(store) as reader:
        list(reader.search(LogQuery(text="netanyahu", min_support=0.5, limit=None)))
        reader.find("broken")
    for args in (
        [],
        ["-f", "jsonl"],
        ["-f", "csv", "hostage"],
        ["--show", "002_f8c6bddbe5b99dbe"],
        ["--show", "broken", "-f", "json"],
    ):
        assert _logs("--store", str(store), *args).exit_code == 0
    assert _snapshot(store) == before


def test_browsing_while_a_run_writes(store: Path, tmp_path: Path) -> None:
    """A batch holding the store open does not stop `logs`, which sees what it committed."""
    late = FailedDocument(id="late", source="late.txt", error="timed out")
    with Store(store) as writing, LogReader(store) as reader:
        writing.save(RequestKey("s", "p", "3", QWEN, "{}", "late-key"), late, None, 3)
        assert [row.id for row in reader.search(LogQuery(run=3))] == ["late"]


def test_a_result_an_earlier_version_wrote_is_still_listed(store: Path) -> None:
    old = {
        "id": "old",
        "source": "old.txt",
        "status": "ok",
        "summary": {"headline": "Old one"},
        "facts": [{"statement": "An old fact."}],
        "grounding": {"rate": 0.5},
    }
    with sqlite3.connect(store) as db:
        db.execute(
            "INSERT INTO outcomes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                "old-key",
                "old",
                "old.txt",
                "sha",
                "p",
                "1",
                QWEN,
                "{}",
                "ok",
                json.dumps(old),
                None,
                10,
                5,
                None,
                1.0,
                1,
                0.0,
            ),
        )
    (row,) = search(store, LogQuery(text="AN OLD FACT"))
    assert (row.headline, row.facts, row.grounding_rate, row.support_rate) == (
        "Old one",
        1,
        0.5,
        None,
    )
    assert row.outcome is None and json.loads(row.outcome_json) == old
    shown = _logs("--store", str(store), "--show", "old", "-f", "json")
    assert shown.exit_code == 0 and json.loads(shown.stdout) == old
    refused = _logs("--store", str(store), "--show", "old")
    assert refused.exit_code == 1 and "-f json prints it as stored" in refused.stderr


# ---- the command -------------------------------------------------------------------------


def test_cli_table_lists_the_newest_first(store: Path) -> None:
    result = _logs("--store", str(store))
    assert result.exit_code == 0, result.output
    out = result.stdout
    headlines = [HEADLINE_WITH_QUOTES, "failed: HTTP 404 Not Found", "Netanyahu insists hostage"]
    positions = [out.index(text) for text in headlines]
    assert positions == sorted(positions)
    assert STORED["k3"].key[:12] in out and "50%" in out and "33%" in out
    assert "6 results, newest first" in out and "--limit 0" not in out
    limited = _logs("--store", str(store), "--limit", "2")
    assert "2 results, newest first (--limit 0 for all)" in limited.stdout
    assert "Netanyahu insists" not in limited.stdout


def test_cli_every_filter(store: Path) -> None:
    result = _logs(
        "--store", str(store), "HOSTAGE", "--since", "2024-05-02", "--until", "2024-05-04",
        "--model", GPT, "--status", "ok", "--schema", "meds", "--min-grounding", "0.5",
        "--max-grounding", "0.5", "--min-support", "0.1", "--max-support", "0.9", "--run", "2",
        "--limit", "5", "-f", "jsonl",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [
        "003_79d721cb69906ae1"
    ]
    nothing = _logs("--store", str(store), "hostage", "--status", "failed")
    assert nothing.exit_code == 0 and "no results match" in nothing.stdout


def test_cli_exports_everything_unless_limited(store: Path, tmp_path: Path) -> None:
    output = tmp_path / "logs.jsonl"
    result = _logs("--store", str(store), "-f", "jsonl", "-o", str(output))
    assert result.exit_code == 0 and result.stdout == ""
    lines = output.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines][:2] == ["002_f8c6bddbe5b99dbe", "broken"]
    assert len(lines) == 6
    assert DocumentResult.model_validate_json(lines[0]) == STORED["k5"].outcome
    table = tmp_path / "logs.csv"
    assert (
        _logs("--store", str(store), "-f", "csv", "-o", str(table), "--limit", "3").exit_code == 0
    )
    with table.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["id"] for row in rows] == ["002_f8c6bddbe5b99dbe", "broken", "003_79d721cb69906ae1"]


def test_cli_show_by_id_and_by_key(store: Path) -> None:
    newest = _logs("--store", str(store), "--show", "002_f8c6bddbe5b99dbe")
    assert newest.exit_code == 0, newest.output
    assert newest.stdout.startswith(f"# {HEADLINE_WITH_QUOTES}\n")
    assert "## Facts (3:" in newest.stdout
    older = _logs("--store", str(store), "--show", STORED["k2"].key[:10], "-f", "json")
    assert older.exit_code == 0
    assert DocumentResult.model_validate(json.loads(older.stdout)) == STORED["k2"].outcome
    failed = _logs("--store", str(store), "--show", "broken")
    assert failed.exit_code == 0 and "**Failed:** HTTP 404 Not Found" in failed.stdout


def test_cli_show_unknown_or_ambiguous(store: Path) -> None:
    for wanted, message in (("nothing", "no result with id or key"), ("c0ffee", "several")):
        result = _logs("--store", str(store), "--show", wanted)
        assert result.exit_code == 1 and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2024-13-01"], "--since: '2024-13-01' is not an ISO date or time"),
        (["--until", "last week"], "--until: 'last week' is not an ISO date or time"),
        (["--min-grounding", "1.5"], "minimum grounding rate 1.5: must be between 0 and 1"),
        (["--max-support", "-0.5"], "maximum support rate -0.5"),
        (["--min-support", "0.9", "--max-support", "0.2"], "is above the maximum"),
        (["--since", "2024-05-03", "--until", "2024-05-01"], "is after until"),
        (["-f", "markdown"], "-f markdown is for --show"),
        (["--show", "broken", "-f", "csv"], "--show prints markdown or json, not csv"),
        (["--show", "broken", "hostage"], "--show prints one result: it takes no TEXT"),
        (["--show", "broken", "--model", GPT], "no TEXT and no filters"),
    ],
)
def test_cli_bad_values_are_usage_errors(store: Path, args: list[str], message: str) -> None:
    result = _logs("--store", str(store), *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("summarizer: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_missing_store(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite3"
    result = _logs("--store", str(missing))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"summarizer: error: store {missing}: no such store (nothing has been stored there yet)"
    )
    assert list(tmp_path.iterdir()) == []
    output = tmp_path / "out.csv"
    assert _logs("--store", str(missing), "-f", "csv", "-o", str(output)).exit_code == 1
    assert list(tmp_path.iterdir()) == []
