"""`summarizer logs`: search, show and export the store's results."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from summarizer.cli.app import EXIT_FAILED_DOCUMENTS
from summarizer.cli.common import check_output_path, check_writes, fatal_errors, usage_error
from summarizer.errors import (
    LogQueryError,
    NoSuchResult,
)
from summarizer.runs.logs import (
    DEFAULT_LIMIT,
    LogQuery,
    LogReader,
    LogRow,
    parse_when,
    write_csv,
    write_jsonl,
)
from summarizer.runs.store import default_store_path
from summarizer.settings import (
    Settings,
)
from summarizer.writers.files import ReadFiles, output_stream
from summarizer.writers.markdown import render_markdown

LogFormat = Literal["table", "jsonl", "csv", "markdown", "json"]


LogsTextArg = Annotated[
    str | None,
    typer.Argument(
        help="Only results whose source, id, headline, summary, facts or error contain this "
        "(any case).",
        metavar="TEXT",
        show_default=False,
    ),
]


LogsStoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="SQLite store to read (never written).", show_default=False),
]


LogsSinceOpt = Annotated[
    str | None,
    typer.Option(help="Stored on or after: 2024-05-01 or 2024-05-01T14:30.", metavar="WHEN"),
]


LogsUntilOpt = Annotated[
    str | None,
    typer.Option(help="Stored on or before (a date: that whole day).", metavar="WHEN"),
]


LogsModelOpt = Annotated[str | None, typer.Option(help="Only this model (exact name).")]


LogsStatusOpt = Annotated[
    Literal["ok", "failed"] | None, typer.Option(help="Only results (ok) or failures.")
]


LogsSchemaOpt = Annotated[
    str | None, typer.Option("--schema", help="Only results of this schema ('news', ...).")
]


LogsMinGroundingOpt = Annotated[
    float | None, typer.Option(help="Grounding rate at least this, 0-1.", metavar="RATE")
]


LogsMaxGroundingOpt = Annotated[
    float | None, typer.Option(help="Grounding rate at most this, 0-1.", metavar="RATE")
]


LogsMinSupportOpt = Annotated[
    float | None, typer.Option(help="Support rate at least this, 0-1.", metavar="RATE")
]


LogsMaxSupportOpt = Annotated[
    float | None, typer.Option(help="Support rate at most this, 0-1.", metavar="RATE")
]


LogsRunOpt = Annotated[int | None, typer.Option(help="Only this run (`summarizer runs`).")]


LogsLimitOpt = Annotated[
    int | None,
    typer.Option(
        min=0,
        help="The newest N; 0 for all. \\[default: 20 in a table, all in jsonl and csv]",
        show_default=False,
    ),
]


LogsFormatOpt = Annotated[
    LogFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="The list: table (default), jsonl (the stored results) or csv. --show: "
        "markdown (default) or json.",
    ),
]


LogsOutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")]


LogsShowOpt = Annotated[
    str | None,
    typer.Option(
        help="Print one result: a document id (its newest) or a key prefix.", metavar="ID"
    ),
]


def logs(
    text: LogsTextArg = None,
    store_path: LogsStoreOpt = None,
    since: LogsSinceOpt = None,
    until: LogsUntilOpt = None,
    model: LogsModelOpt = None,
    status: LogsStatusOpt = None,
    schema: LogsSchemaOpt = None,
    min_grounding: LogsMinGroundingOpt = None,
    max_grounding: LogsMaxGroundingOpt = None,
    min_support: LogsMinSupportOpt = None,
    max_support: LogsMaxSupportOpt = None,
    run: LogsRunOpt = None,
    limit: LogsLimitOpt = None,
    output_format: LogsFormatOpt = None,
    output: LogsOutputOpt = None,
    show: LogsShowOpt = None,
) -> None:
    """Browse what was done: search and filter the store's results, show one, export them."""
    chosen = _log_format(output_format, show is not None)
    try:
        query = LogQuery(
            text=text,
            since=_log_time("--since", since),
            until=_log_time("--until", until),
            model=model,
            status=status,
            schema=schema,
            min_grounding=min_grounding,
            max_grounding=max_grounding,
            min_support=min_support,
            max_support=max_support,
            run=run,
            limit=_log_limit(limit, chosen),
        )
    except LogQueryError as exc:
        raise usage_error(str(exc)) from None
    if show is not None and query.filtered:
        raise usage_error("--show prints one result: it takes no TEXT and no filters")
    path = store_path or Settings.from_env().store_path or default_store_path()
    check_writes(ReadFiles(named={"store": path}), None, output=output)
    check_output_path(output)
    if show is not None:
        _show_log(path, show, chosen, output)
    else:
        _list_logs(path, query, chosen, output)


def _log_format(chosen: LogFormat | None, show: bool) -> LogFormat:
    """The format asked for, checked against what it applies to: the list or --show."""
    if show:
        if chosen in ("table", "jsonl", "csv"):
            raise usage_error(f"--show prints markdown or json, not {chosen}")
        return chosen or "markdown"
    if chosen in ("markdown", "json"):
        raise usage_error(f"-f {chosen} is for --show; the list is table, jsonl or csv")
    return chosen or "table"


def _log_time(option: str, value: str | None) -> datetime.date | None:
    try:
        return None if value is None else parse_when(value)
    except LogQueryError as exc:
        raise usage_error(f"{option}: {exc}") from None


def _log_limit(limit: int | None, chosen: LogFormat) -> int | None:
    """An export is whole unless limited; a table, read on screen, shows the newest 20."""
    if limit is None:
        return DEFAULT_LIMIT if chosen == "table" else None
    return limit or None


def _list_logs(path: Path, query: LogQuery, chosen: LogFormat, output: Path | None) -> None:
    with fatal_errors(), LogReader(path) as reader, output_stream(output) as stream:
        rows = reader.search(query)
        if chosen == "jsonl":
            write_jsonl(rows, stream)
        elif chosen == "csv":
            write_csv(rows, stream)
        else:
            console = Console(file=stream) if output is None else Console(file=stream, width=160)
            console.print(_log_table(list(rows), query))


def _log_table(rows: list[LogRow], query: LogQuery) -> Table:
    table = Table(
        "key",
        "stored",
        "id",
        "model",
        "facts",
        "grounded",
        "supported",
        "tokens",
        "cost",
        "headline",
        caption=_log_caption(len(rows), query),
    )
    for row in rows:
        stored = row.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        cost = "-" if row.cost_usd is None else f"${row.cost_usd:.4f}"
        rates = [_percent(row.grounding_rate), _percent(row.support_rate)]
        facts = "-" if row.facts is None else str(row.facts)
        cells = [row.cache_key[:12], stored, row.id, row.model, facts, *rates]
        if row.status == "ok":
            table.add_row(*cells, f"{row.tokens:,}", cost, row.headline or "-")
        else:
            failed = f"failed: {row.error or 'no reason recorded'}"
            table.add_row(*cells, f"{row.tokens:,}", cost, failed, style="red")
    return table


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def _log_caption(count: int, query: LogQuery) -> str:
    if not count:
        return "no results match" if query.filtered else "no results stored yet"
    shown = f"{count} result{'s' if count > 1 else ''}, newest first"
    if query.limit is not None and count == query.limit:
        shown += " (--limit 0 for all)"
    return f"{shown}; `summarizer logs --show KEY` prints one"


def _show_log(path: Path, wanted: str, chosen: LogFormat, output: Path | None) -> None:
    """One result in full, as markdown or JSON."""
    with fatal_errors():
        text = _shown_log(_find_log(path, wanted), chosen)
        with output_stream(output) as stream:
            stream.write(text)


def _find_log(path: Path, wanted: str) -> LogRow:
    try:
        with LogReader(path) as reader:
            return reader.find(wanted)
    except NoSuchResult as exc:
        typer.echo(f"summarizer: error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED_DOCUMENTS) from None


def _shown_log(row: LogRow, chosen: LogFormat) -> str:
    """The result as `summarize` prints it; a result an earlier version wrote, which the
    current models no longer read, only as the JSON stored."""
    outcome = row.outcome
    if chosen == "json":
        value = json.loads(row.outcome_json) if outcome is None else outcome.model_dump(mode="json")
        return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    if outcome is None:
        typer.echo(
            f"summarizer: error: {row.cache_key[:12]} was written by an earlier version and "
            "no longer reads as a result; -f json prints it as stored",
            err=True,
        )
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)
    text = render_markdown(outcome)
    return text if text.endswith("\n") else text + "\n"
