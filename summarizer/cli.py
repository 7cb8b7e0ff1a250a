"""Command line: typer commands that parse options into Settings and call the library."""

from __future__ import annotations

import asyncio
import datetime
import functools
import inspect
import json
import logging
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TextIO

import typer
from rich.console import Console
from rich.table import Table

from summarizer.errors import UsageError
from summarizer.extraction.models import FailedDocument
from summarizer.extraction.schemas import (
    ExtractionSchema,
    SchemaError,
    load_schema,
    named_schemas,
)
from summarizer.inputs.documents import MAX_CHARS, Document, ReadError, iter_documents
from summarizer.llm import model_store
from summarizer.llm.batch_api import BatchApiError
from summarizer.llm.limits import RateLimiter
from summarizer.pipeline import Outcome, Summarizer, summarize_all
from summarizer.redaction import mask_key, redact_argv
from summarizer.runs.logs import (
    DEFAULT_LIMIT,
    LogQuery,
    LogQueryError,
    LogReader,
    LogRow,
    NoSuchResult,
    parse_when,
    write_csv,
    write_jsonl,
)
from summarizer.runs.progress import open_progress
from summarizer.runs.provider_batch import POLL_S, BatchApiOptions, Fallback
from summarizer.runs.ray_pool import RayOptions
from summarizer.runs.runner import (
    ENGINE_BATCH_SLOTS,
    REMOTE_CONCURRENCY,
    Batch,
    BatchTotals,
    open_batch,
    window_store,
)
from summarizer.runs.store import BatchJob, Store, StoreError, default_store_path
from summarizer.settings import (
    SECRET_SETTINGS,
    Flags,
    LongSummary,
    Settings,
    StructuredMode,
    config_path,
    resolve,
)
from summarizer.writers import OutputFormat, Writer, open_writer, render_digest
from summarizer.writers.files import OutputError, check_output, output_stream, saving_texts
from summarizer.writers.markdown import render_markdown
from summarizer.writers.review_html import remember_texts

if TYPE_CHECKING:
    from summarizer.eval.summaries import EvalSummary

app = typer.Typer(
    help="Summaries and facts from articles, each fact's evidence located in the source.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
logger = logging.getLogger("summarizer")

EXIT_FAILED_DOCUMENTS = 1
EXIT_USAGE = 2
BatchFormat = Literal["jsonl", "html"]
DigestFormat = Literal["markdown", "json", "html"]

# ---- options shared by the commands that call a model, declared once -----------------------

PromptsDirOpt = Annotated[
    Path | None,
    typer.Option(help="Folder of your own prompt sets and named schemas.", show_default=False),
]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option(
        min=1,
        help=f"Requests in flight \\[default: {REMOTE_CONCURRENCY} remote; on the embedded "
        f"engine, {ENGINE_BATCH_SLOTS} slots].",
        show_default=False,
    ),
]
MaxCharsOpt = Annotated[
    int,
    typer.Option(
        min=1, help="Refuse a document longer than this many characters (memory stays bounded)."
    ),
]
SaveTextOpt = Annotated[
    Path | None,
    typer.Option(
        help="Write each document's text as read (what evidence offsets index: the text of a "
        "PDF, a Word file or a web page) to DIR/<id>.txt.",
        metavar="DIR",
    ),
]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")]


def _option(name: str, kind: Any, default: object, option: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[kind, option]
    )


# Every command that calls a model takes these (summarizer.settings.Flags), in this order.
MODEL_OPTIONS = [
    _option(
        "model",
        str | None,
        None,
        typer.Option(help="Model name, or provider/model \\[env: SUMMARIZER_MODEL]."),
    ),
    _option(
        "base_url",
        str | None,
        None,
        typer.Option(help="OpenAI-compatible endpoint \\[env: OPENAI_BASE_URL]."),
    ),
    _option(
        "api_key",
        str | None,
        None,
        typer.Option(help="API key \\[env: OPENAI_API_KEY].", show_default=False),
    ),
    _option(
        "model_path", Path | None, None, typer.Option(help="Run this GGUF on the embedded engine.")
    ),
    _option(
        "structured_mode",
        StructuredMode | None,
        None,
        typer.Option("--mode", help="Structured output: json_schema (default), tools or json."),
    ),
    _option(
        "prompt",
        str | None,
        None,
        typer.Option(help="Prompt template set. \\[default: the schema's]", show_default=False),
    ),
    _option(
        "extraction_schema",
        str | None,
        None,
        typer.Option(
            "--schema",
            help="What to extract: 'news' (the default), a named schema, a pydantic "
            "model (module:Class or file.py:Class), a JSON Schema file, or fields "
            "inline ('drug, dose, route, days int').",
            show_default=False,
        ),
    ),
    _option(
        "examples",
        Path | None,
        None,
        typer.Option(
            help="Few-shot examples, JSONL: text and the extractions expected from it.",
            metavar="FILE",
        ),
    ),
    _option(
        "prompts_dir",
        Path | None,
        None,
        typer.Option(help="Folder of your own prompt sets and named schemas.", show_default=False),
    ),
    _option(
        "temperature",
        float | None,
        None,
        typer.Option(help="Sampling temperature. \\[default: 0]", show_default=False),
    ),
    _option(
        "timeout",
        float | None,
        None,
        typer.Option(help="Seconds per request. \\[default: 600]", show_default=False),
    ),
    _option(
        "retries",
        int | None,
        None,
        typer.Option(
            min=0,
            help="Transport retries per request (429, 5xx, timeouts). \\[default: 4]",
            show_default=False,
        ),
    ),
    _option(
        "strict",
        bool,
        False,
        typer.Option(
            "--strict",
            help="Drop facts whose evidence is not in the source or does not support them.",
        ),
    ),
    _option(
        "grounding_reasks",
        int | None,
        None,
        typer.Option(
            min=0,
            help="Re-asks for quotes not found in the source. \\[default: 1]",
            show_default=False,
        ),
    ),
    _option(
        "reask_unsupported",
        bool,
        False,
        typer.Option(
            "--reask-unsupported",
            help="Also re-ask for statements their quotes do not support (costs a full answer).",
        ),
    ),
    _option(
        "free_quotes",
        bool,
        False,
        typer.Option(
            "--free-quotes",
            help="Let the model write quotes freely instead of choosing the article's "
            "sentences (for servers that refuse long enums).",
        ),
    ),
    _option(
        "language",
        str | None,
        None,
        typer.Option(
            help='Write the headline and summary in this language ("English"); facts '
            "stay in the article's, to be checked against it. \\[default: the "
            "article's]",
            show_default=False,
        ),
    ),
    _option(
        "context_tokens",
        int | None,
        None,
        typer.Option(
            min=512,
            help="Tokens the model reads and writes per request; a longer document is "
            "read in overlapping windows. \\[default: the embedded engine's 8192, a"
            " known OpenAI model's context, else 8192]",
            show_default=False,
        ),
    ),
    _option(
        "long_summary",
        LongSummary | None,
        None,
        typer.Option(
            help="A long document's headline and summary: written from its windows' "
            "summaries or its facts' evidence, or the first window's. \\[default: "
            "windows]",
            show_default=False,
        ),
    ),
    _option(
        "store",
        Path | None,
        None,
        typer.Option(
            help="SQLite store: the cache, the resume log and long documents' windows "
            "\\[env: SUMMARIZER_STORE; default: the user data dir's].",
            show_default=False,
        ),
    ),
    _option(
        "record",
        Path | None,
        None,
        typer.Option(help="Record the model calls (and web fetches) into this cassette."),
    ),
    _option(
        "replay",
        Path | None,
        None,
        typer.Option(help="Replay model calls from this cassette (offline)."),
    ),
]
LOG_OPTIONS = [
    _option("verbose", bool, False, typer.Option("--verbose", "-v")),
    _option("quiet", bool, False, typer.Option("--quiet", "-q")),
]


def model_options(command: Callable[..., None]) -> Callable[..., None]:
    """The shared options added to `command`, which gets them as `flags: Flags` (and
    `quiet` if it asks for it), so that each is declared, documented and parsed once; the
    log is set up by -v and -q before the command runs."""
    signature = inspect.signature(command, eval_str=True)
    added = {"flags", *(p.name for p in LOG_OPTIONS)}  # the command's own `quiet` included
    own = [p for p in signature.parameters.values() if p.name not in added]
    shared = [p.name for p in MODEL_OPTIONS]

    wants_quiet = "quiet" in signature.parameters

    @functools.wraps(command)
    def with_flags(*args: Any, **kwargs: Any) -> None:
        flags = Flags(**{name: kwargs.pop(name) for name in shared})
        verbose, quiet = kwargs.pop("verbose"), kwargs.pop("quiet")
        _setup_logging(verbose, quiet)
        command(*args, flags=flags, **({"quiet": quiet} if wants_quiet else {}), **kwargs)

    with_flags.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*own, *MODEL_OPTIONS, *LOG_OPTIONS]
    )
    return with_flags


# ---- what every command shares ---------------------------------------------------------------


def _settings(flags: Flags) -> Settings:
    try:
        return Settings.from_cli(flags)
    except UsageError as exc:
        raise _usage_error(str(exc)) from None


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("summarizer: %(message)s"))
    root = logging.getLogger("summarizer")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # instructor logs each failed call as an error and counts one attempt where the transport
    # retries made five: the tool reports failures itself. Its messages show with -v only.
    helper = logging.getLogger("instructor")
    helper.handlers[:] = [handler]
    helper.setLevel(logging.DEBUG if verbose else logging.CRITICAL + 1)
    helper.propagate = False


def _usage_error(message: str) -> typer.Exit:
    typer.echo(f"summarizer: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


@contextmanager
def _usage_errors() -> Iterator[None]:
    """Settings, a prompt, a schema, examples or prices that cannot be used: one line,
    exit status 2, before any model call."""
    try:
        yield
    except UsageError as exc:
        raise _usage_error(str(exc)) from None


@contextmanager
def _fatal_errors() -> Iterator[None]:
    """A store, an output or a provider's Batch API that cannot be used ends the command
    with one line, status 1: no traceback, and no half-written output
    (summarizer.writers.files). Batches already submitted stay in the store: the same
    command re-attaches to them."""
    try:
        yield
    except (StoreError, OutputError, BatchApiError) as exc:
        typer.echo(f"summarizer: error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED_DOCUMENTS) from None


def _check_output(path: Path | None) -> None:
    if path is not None:
        with _fatal_errors():
            check_output(path)


def _read(
    inputs: list[str], max_chars: int, save_text: Path | None
) -> Iterable[Document | ReadError]:
    documents = iter_documents(inputs, max_chars)
    return saving_texts(documents, save_text) if save_text else documents


def _command() -> str:
    """The command line as the store records it: keys masked."""
    return " ".join(redact_argv(sys.argv))


def _report_failure(outcome: FailedDocument) -> None:
    typer.echo(f"summarizer: error: {outcome.source}: {outcome.error}", err=True)


def _report(sink: Callable[[Outcome], None]) -> Callable[[Outcome], None]:
    """`sink`, after a failed document's one line on stderr."""

    def reporting(outcome: Outcome) -> None:
        if isinstance(outcome, FailedDocument):
            _report_failure(outcome)
        sink(outcome)

    return reporting


async def _run_job(job: Batch, documents: Iterable[Document | ReadError]) -> BatchTotals:
    async with job.summarizer:
        return await job.run(documents)


# ---- summarize ----------------------------------------------------------------------------


@app.command()
@model_options
def summarize(
    paths: Annotated[list[str], typer.Argument(help="Files to summarize; '-' reads stdin.")],
    output_format: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="markdown (default on a terminal), json, jsonl, or html: a review page of "
            "each text with its evidence highlighted.",
        ),
    ] = None,
    output: OutputOpt = None,
    max_chars: MaxCharsOpt = MAX_CHARS,
    save_text: SaveTextOpt = None,
    *,
    flags: Flags,
) -> None:
    """Summarize articles and extract facts with located evidence quotes."""
    settings = _settings(flags)
    with _usage_errors():
        summarizer = Summarizer(settings)
    _check_output(output)
    with _fatal_errors(), ExitStack() as stack:
        if (windows := window_store(settings)) is not None:
            summarizer.window_cache = stack.enter_context(closing(windows))
        stream = stack.enter_context(output_stream(output))
        chosen_format = output_format or ("markdown" if stream.isatty() else "jsonl")
        documents = _read(paths, max_chars, save_text)
        failures = asyncio.run(_summarize(documents, summarizer, chosen_format, stream))
    if failures:
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)


async def _summarize(
    documents: Iterable[Document | ReadError],
    summarizer: Summarizer,
    output_format: OutputFormat,
    stream: TextIO,
) -> int:
    writer, documents = _writing(output_format, stream, documents)
    failures = 0
    async with summarizer:
        try:
            async for outcome in summarize_all(documents, summarizer):
                if isinstance(outcome, FailedDocument):
                    failures += 1
                    _report_failure(outcome)
                writer.write(outcome)
        finally:
            writer.close()
    return failures


def _writing(
    output_format: OutputFormat, stream: TextIO, documents: Iterable[Document | ReadError]
) -> tuple[Writer, Iterable[Document | ReadError]]:
    """The writer of `output_format`, and the documents; for the review page, each
    document's text is kept on the way, to be highlighted."""
    texts: dict[str, str] = {}
    writer = open_writer(output_format, stream, texts)
    if output_format == "html":
        documents = remember_texts(documents, texts)
    return writer, documents


# ---- batch --------------------------------------------------------------------------------


BatchFormatOpt = Annotated[
    BatchFormat,
    typer.Option(
        "--format",
        "-f",
        help="jsonl: one line per document as it is done; html: a review page of each "
        "text with its evidence highlighted.",
    ),
]
RpmOpt = Annotated[float | None, typer.Option(min=0.001, help="Requests per minute.")]
TpmOpt = Annotated[float | None, typer.Option(min=1, help="Tokens per minute.")]
PricesOpt = Annotated[Path | None, typer.Option(help="Price table (JSON, USD per million tokens).")]
BatchApiOpt = Annotated[
    bool,
    typer.Option(
        "--batch-api",
        help="Send the requests through the provider's Batch API (OpenAI's /v1/batches: "
        "half the price, answers within 24 h). Re-run the same command after a stop: it "
        "re-attaches to the batches in flight.",
    ),
]
BatchFallbackOpt = Annotated[
    Fallback,
    typer.Option(
        help="With --batch-api, where re-asks and requests a batch failed go: a follow-up "
        "batch, or live calls.",
    ),
]
BatchPollOpt = Annotated[
    float, typer.Option(min=0.0, help="With --batch-api, seconds between polls.")
]
RayOpt = Annotated[
    bool,
    typer.Option(
        "--ray",
        help="Spread the documents over a Ray cluster's actors: a local cluster of this "
        "machine's cores, or the one --ray-address (or RAY_ADDRESS) names. Needs "
        "summarizer\\[ray].",
    ),
]
RayAddressOpt = Annotated[
    str | None,
    typer.Option(
        help="With --ray, the cluster to join: ray start's address (host:6379) or "
        "ray://host:10001.",
        show_default=False,
    ),
]
RayActorsOpt = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="With --ray, actors to start \\[default: one per CPU of the cluster; on the "
        "embedded engine one per node].",
        show_default=False,
    ),
]


@app.command()
@model_options
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Directories (recursive), globs, files, .jsonl or .csv tables."),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Results (default: stdout).")
    ] = None,
    output_format: BatchFormatOpt = "jsonl",
    concurrency: ConcurrencyOpt = None,
    rpm: RpmOpt = None,
    tpm: TpmOpt = None,
    prices: PricesOpt = None,
    max_chars: MaxCharsOpt = MAX_CHARS,
    save_text: SaveTextOpt = None,
    batch_api: BatchApiOpt = False,
    batch_fallback: BatchFallbackOpt = "batch",
    batch_poll: BatchPollOpt = POLL_S,
    ray: RayOpt = False,
    ray_address: RayAddressOpt = None,
    ray_actors: RayActorsOpt = None,
    *,
    flags: Flags,
    quiet: bool = False,
) -> None:
    """Summarize a corpus: concurrent, cached and resumable; JSONL lines or a review page."""
    settings = _settings(replace(flags, concurrency=concurrency))
    provider_batch = BatchApiOptions(batch_fallback, batch_poll) if batch_api else None
    cluster = RayOptions(ray_address, ray_actors) if ray or ray_address else None
    limiter = RateLimiter(rpm, tpm) if rpm or tpm else None
    _check_output(output)
    with _fatal_errors(), ExitStack() as stack:
        stream = stack.enter_context(output_stream(output))
        writer, documents = _writing(output_format, stream, _read(inputs, max_chars, save_text))
        progress = stack.enter_context(open_progress(inputs, enabled=not quiet))
        with _usage_errors():
            job = stack.enter_context(
                open_batch(
                    settings,
                    _report(writer.write),
                    prices=prices,
                    limiter=limiter,
                    command=_command(),
                    progress=progress,
                    batch_api=provider_batch,
                    ray=cluster,
                )
            )
        try:
            totals = asyncio.run(_run_job(job, documents))
        finally:
            writer.close()
    if not quiet:
        typer.echo(f"summarizer: batch: {totals.describe()} · store {job.store.path}", err=True)
    if totals.failed:
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)


def _ignore(outcome: Outcome) -> None:
    """The digest's sink: it reads its outcomes from its own run of the job."""


# ---- eval ---------------------------------------------------------------------------------


@app.command("eval")
@model_options
def eval_command(
    dataset: Annotated[Path, typer.Argument(help="JSONL: id, text, references, \\[systems].")],
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N documents.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON report here.")
    ] = None,
    concurrency: ConcurrencyOpt = None,
    *,
    flags: Flags,
) -> None:
    """Score our summaries (ROUGE) against references and rank them among published systems."""
    from summarizer.eval.summaries import EvalReport, load_dataset  # rouge-score loads nltk: slow

    try:
        items = load_dataset(dataset, limit)
    except (OSError, ValueError) as exc:
        raise _usage_error(f"{dataset}: {exc}" if isinstance(exc, OSError) else str(exc)) from None
    settings = _settings(replace(flags, concurrency=concurrency))
    outcomes: dict[str, Outcome] = {}
    _check_output(output)
    with _fatal_errors(), ExitStack() as stack:
        with _usage_errors():
            keep = lambda outcome: outcomes.__setitem__(outcome.id, outcome)  # noqa: E731
            job = stack.enter_context(open_batch(settings, keep, command=_command()))
        totals = asyncio.run(_run_job(job, [item.document() for item in items]))
    run = job.summarizer
    summary = EvalReport(
        dataset=str(dataset),
        model=run.endpoint.model,
        prompt={
            "name": run.prompt.name,
            "hash": run.prompt.hash,
            "schema": run.schema.name,
            "schema_hash": run.schema.hash,
        },
        items=items,
        outcomes=outcomes,
    ).summary(cost_usd=None if totals.unpriced else round(totals.cost_usd, 6))
    if output is not None:
        with _fatal_errors(), output_stream(output) as stream:
            stream.write(json.dumps(summary.report, indent=2, ensure_ascii=False) + "\n")
    Console().print(eval_table(summary))
    for document_id, error in summary.failed:
        typer.echo(f"summarizer: error: {document_id}: {error}", err=True)
    if summary.failed:
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)


def eval_table(summary: EvalSummary) -> Table:
    from summarizer.eval.summaries import METRICS, OURS

    table = Table(
        "system",
        "ROUGE-1",
        "ROUGE-2",
        "ROUGE-Lsum",
        "words",
        title=f"{summary.summarized} documents of {summary.dataset}",
        caption=_rank_caption(summary),
    )
    for system in summary.systems:
        style = "bold green" if system.name == OURS else None
        cells = [f"{system.mean[m]:.2f}" for m in METRICS]
        table.add_row(system.name, *cells, f"{system.words:.0f}", style=style)
    return table


def _rank_caption(summary: EvalSummary) -> str:
    from summarizer.eval.summaries import METRICS, OURS

    places = ", ".join(f"{m} {summary.rank[m]}" for m in METRICS)
    model_time = (
        f" ({summary.median_model_seconds:.1f} s in the model, as recorded)"
        if summary.median_model_seconds is not None
        else ""
    )
    return (
        f"{OURS} ({summary.model}) ranks {places} of {summary.ranked_among}; "
        f"{summary.facts_per_document} facts/doc, {summary.located_rate:.0%} located, "
        f"{summary.support_rate:.0%} supported; median "
        f"{summary.median_completion_tokens:.0f} completion tokens and "
        f"{summary.median_seconds:.1f} s per document{model_time}"
    )


# ---- digest -------------------------------------------------------------------------------


@app.command()
@model_options
def digest(
    inputs: Annotated[
        list[str], typer.Argument(help="Articles: files, directories, globs, .jsonl or .csv.")
    ],
    output_format: Annotated[
        DigestFormat | None,
        typer.Option("--format", "-f", help="markdown (default on a terminal), json or html."),
    ] = None,
    output: OutputOpt = None,
    concurrency: ConcurrencyOpt = None,
    extractive: Annotated[
        bool,
        typer.Option(
            "--extractive", help="Summarize stories from their facts, without a model call."
        ),
    ] = False,
    max_chars: MaxCharsOpt = MAX_CHARS,
    *,
    flags: Flags,
) -> None:
    """Across sources: stories, consensus, conflicts, single-source claims, attribution."""
    # Imported here: nltk, scikit-learn and wordfreq take seconds to load, which every
    # other command would pay at start.
    from summarizer.digest.build import DigestBuilder, run_digest

    settings = _settings(replace(flags, concurrency=concurrency))
    _check_output(output)
    with _fatal_errors(), ExitStack() as stack:
        # The job's summarizer: its settings give the engine a slot per request in flight.
        with _usage_errors():
            job = stack.enter_context(open_batch(settings, _ignore, command=_command()))
            builder = DigestBuilder(None if extractive else job.summarizer)
        items = list(iter_documents(inputs, max_chars))
        result = asyncio.run(run_digest(job, items, builder))
    for failure in result.failed:
        _report_failure(failure)
    with _fatal_errors(), output_stream(output) as stream:
        chosen = output_format or ("markdown" if stream.isatty() else "json")
        stream.write(render_digest(result, chosen))
    if result.failed:
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)


# ---- runs and model -----------------------------------------------------------------------


@app.command()
def runs(
    store_path: Annotated[Path | None, typer.Option("--store", show_default=False)] = None,
    limit: Annotated[int, typer.Option(min=1)] = 20,
) -> None:
    """Past batch runs recorded in the store: counts, tokens and cost; and the provider
    batches (--batch-api) they submitted, with their state."""
    path = store_path or Settings.from_env().store_path or default_store_path()
    if not path.is_file():
        raise _usage_error(f"{path}: no such store (run `summarizer batch` first)")
    table = Table("run", "started", "status", "done", "cached", "failed", "tokens", "cost", "model")
    with _fatal_errors(), Store(path) as store:
        for run in store.runs(limit):
            t = run.totals
            status = "finished" if run.finished_at else "interrupted or running"
            cost = "unpriced" if t.cost_usd is None else f"${t.cost_usd:.4f}"
            tokens = f"{t.prompt_tokens + t.completion_tokens:,}"
            row = (str(run.id), _when(run.started_at), status, str(t.done), str(t.cached))
            table.add_row(*row, str(t.failed), tokens, cost, run.model)
        jobs = store.batch_jobs(limit=limit)
    Console().print(table)
    if jobs:
        Console().print(_batch_jobs_table(jobs))


def _batch_jobs_table(jobs: list[BatchJob]) -> Table:
    table = Table("batch", "run", "submitted", "state", "requests", "done", "failed", "endpoint")
    table.title = "Provider batches (--batch-api)"
    for job in jobs:
        state = job.status if job.finished_at else f"{job.status} (in flight)"
        table.add_row(
            job.batch_id or f"(not created: {job.submission[:8]})",
            str(job.run_id or ""),
            _when(job.created_at),
            state,
            str(job.requests),
            str(job.completed),
            str(job.failed),
            job.endpoint,
        )
    return table


def _when(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


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


@app.command()
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
        raise _usage_error(str(exc)) from None
    if show is not None and query.filtered:
        raise _usage_error("--show prints one result: it takes no TEXT and no filters")
    _check_output(output)
    path = store_path or Settings.from_env().store_path or default_store_path()
    if show is not None:
        _show_log(path, show, chosen, output)
    else:
        _list_logs(path, query, chosen, output)


def _log_format(chosen: LogFormat | None, show: bool) -> LogFormat:
    """The format asked for, checked against what it applies to: the list or --show."""
    if show:
        if chosen in ("table", "jsonl", "csv"):
            raise _usage_error(f"--show prints markdown or json, not {chosen}")
        return chosen or "markdown"
    if chosen in ("markdown", "json"):
        raise _usage_error(f"-f {chosen} is for --show; the list is table, jsonl or csv")
    return chosen or "table"


def _log_time(option: str, value: str | None) -> datetime.date | None:
    try:
        return None if value is None else parse_when(value)
    except LogQueryError as exc:
        raise _usage_error(f"{option}: {exc}") from None


def _log_limit(limit: int | None, chosen: LogFormat) -> int | None:
    """An export is whole unless limited; a table, read on screen, shows the newest 20."""
    if limit is None:
        return DEFAULT_LIMIT if chosen == "table" else None
    return limit or None


def _list_logs(path: Path, query: LogQuery, chosen: LogFormat, output: Path | None) -> None:
    with _fatal_errors(), LogReader(path) as reader, output_stream(output) as stream:
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
    with _fatal_errors():
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


@app.command("schemas")
def schemas_command(
    schema: Annotated[
        str | None,
        typer.Argument(
            help="A schema in any --schema form: print what one item holds, as a JSON Schema "
            "to copy and change. Without it: the named schemas."
        ),
    ] = None,
    prompts_dir: PromptsDirOpt = None,
) -> None:
    """What can be extracted: the named schemas, or one schema's fields as a JSON Schema."""
    own = prompts_dir or Settings.from_env().prompts_dir
    if schema is None:
        table = Table("schema", "prompt set", "fields", "where")
        for name, folder in named_schemas(own).items():
            loaded = _load_schema(name, own)
            fields = ", ".join(f.name for f in loaded.item_fields())
            table.add_row(name, loaded.prompt, fields, str(folder) if folder else "built in")
        Console().print(table)
        return
    typer.echo(json.dumps(_load_schema(schema, own).item_json_schema(), indent=2))


def _load_schema(spec: str, prompts_dir: Path | None) -> ExtractionSchema:
    try:
        return load_schema(spec, prompts_dir)
    except SchemaError as exc:
        raise _usage_error(str(exc)) from None


@app.command("config")
def config_command() -> None:
    """The settings in effect, and where each comes from: a flag, the environment, the
    config file or the built-in default (keys masked)."""
    with _usage_errors():
        resolved = resolve()
    path = config_path()
    typer.echo(f"config file: {path}{'' if path.is_file() else ' (none)'}")
    table = Table("setting", "value", "from")
    for name, value in resolved.settings.__dict__.items():
        if name == "store_path" and value is None:
            value = default_store_path()
        shown = mask_key(str(value)) if name in SECRET_SETTINGS and value else str(value)
        table.add_row(name, shown, resolved.sources.get(name, "default"))
    Console().print(table)


@app.command("model")
def model_command(
    prepare: Annotated[
        bool, typer.Option("--prepare", help="Assemble and verify the model now.")
    ] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Re-hash the model file.")] = False,
) -> None:
    """Show where the embedded model is and whether it is verified; prepare it ahead of time."""
    _setup_logging(verbose=False, quiet=False)
    try:
        if prepare:
            model_store.ensure_default_model()
        if verify:
            model_store.verify(model_store.default_model_path())
    except (model_store.ModelError, FileNotFoundError) as exc:
        typer.echo(f"summarizer: error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED_DOCUMENTS) from None
    status = model_store.model_status()
    typer.echo(f"model:    {model_store.MODEL_NAME}")
    typer.echo(f"path:     {status.path}")
    typer.echo(f"present:  {'yes' if status.exists else 'no'} ({status.size:,} bytes)")
    verified = "yes" if status.verified else "no"
    typer.echo(f"verified: {verified} (SHA-256 {model_store.MODEL_SHA256})")
    typer.echo(f"packages: {'installed' if status.parts_installed else 'missing'}")
    if not status.verified:
        typer.echo("run `summarizer model --prepare` to assemble it now")


def main() -> None:
    # SIGTERM unwinds like Ctrl-C: the embedded engine is stopped and the store's run closed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    app()
