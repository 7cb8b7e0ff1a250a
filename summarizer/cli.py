"""Command line: typer commands that parse options into Settings and call the library."""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, closing, contextmanager, nullcontext
from pathlib import Path
from typing import Annotated, Literal, TextIO

import typer
from rich.console import Console
from rich.table import Table

from summarizer.batch import (
    ENGINE_BATCH_SLOTS,
    REMOTE_CONCURRENCY,
    Batch,
    BatchTotals,
    concurrency_for,
)
from summarizer.config import LongSummary, RetryPolicy, Settings, StructuredMode
from summarizer.documents import MAX_CHARS, Document, ReadError, iter_documents
from summarizer.extraction_schema import (
    ExtractionSchema,
    SchemaError,
    load_schema,
    named_schemas,
)
from summarizer.few_shot import ExampleError
from summarizer.llm import model_store
from summarizer.llm.limits import RateLimiter
from summarizer.llm.providers import ConfigurationError, select_endpoint
from summarizer.pipeline import Outcome, Summarizer, summarize_all
from summarizer.pricing import PriceError, load_prices
from summarizer.progress import open_progress
from summarizer.prompting import PromptError
from summarizer.redaction import redact_argv
from summarizer.schemas import FailedDocument
from summarizer.store import LazyStore, Store, StoreError, default_store_path
from summarizer.writers import OutputFormat, open_writer, render_digest
from summarizer.writers.files import OutputError, check_output, output_stream, saving_texts
from summarizer.writers.review_html import remember_texts

app = typer.Typer(
    help="Summaries and facts from articles, each fact's evidence located in the source.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
logger = logging.getLogger("summarizer")

EXIT_FAILED_DOCUMENTS = 1
EXIT_USAGE = 2
BatchFormat = Literal["jsonl", "html"]
CONCURRENCY_DEFAULTS = (
    f"{REMOTE_CONCURRENCY} remote; on the embedded engine, {ENGINE_BATCH_SLOTS} slots"
)

# ---- options shared by the commands that call a model -------------------------------------

ModelOpt = Annotated[str | None, typer.Option(help="Model name \\[env: SUMMARIZER_MODEL].")]
BaseUrlOpt = Annotated[
    str | None, typer.Option(help="OpenAI-compatible endpoint \\[env: OPENAI_BASE_URL].")
]
ApiKeyOpt = Annotated[
    str | None, typer.Option(help="API key \\[env: OPENAI_API_KEY].", show_default=False)
]
ModelPathOpt = Annotated[Path | None, typer.Option(help="Run this GGUF on the embedded engine.")]
ModeOpt = Annotated[
    StructuredMode | None,
    typer.Option("--mode", help="Structured output: json_schema (default), tools or json."),
]
PromptOpt = Annotated[str | None, typer.Option(help="Prompt template set.")]
SchemaOpt = Annotated[
    str | None,
    typer.Option(
        "--schema",
        help="What to extract: 'news' (the default), a pydantic model (module:Class or "
        "file.py:Class), a JSON Schema file, or fields inline ('drug, dose, route, days int').",
        show_default=False,
    ),
]
ExamplesOpt = Annotated[
    Path | None,
    typer.Option(
        help="Few-shot examples, JSONL: text and the extractions expected from it.",
        metavar="FILE",
    ),
]
PromptsDirOpt = Annotated[Path | None, typer.Option(help="Folder of your own prompt sets.")]
TemperatureOpt = Annotated[float | None, typer.Option(help="Sampling temperature.")]
TimeoutOpt = Annotated[float | None, typer.Option(help="Seconds per request.")]
RetriesOpt = Annotated[
    int | None,
    typer.Option(min=0, help="Transport retries per request (429, 5xx, timeouts). \\[default: 4]"),
]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Drop facts whose evidence is not in the source or does not support them.",
    ),
]
ReasksOpt = Annotated[
    int | None,
    typer.Option(min=0, help="Re-asks for quotes not found in the source. \\[default: 1]"),
]
LanguageOpt = Annotated[
    str | None,
    typer.Option(
        help='Write the headline and summary in this language ("English"); facts stay in '
        "the article's, to be checked against it. \\[default: the article's]"
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
MaxCharsOpt = Annotated[
    int,
    typer.Option(
        min=1, help="Refuse a document longer than this many characters (memory stays bounded)."
    ),
]
ReaskUnsupportedOpt = Annotated[
    bool,
    typer.Option(
        "--reask-unsupported",
        help="Also re-ask for statements their quotes do not support (costs a full answer).",
    ),
]
FreeQuotesOpt = Annotated[
    bool,
    typer.Option(
        "--free-quotes",
        help="Let the model write quotes freely instead of choosing the article's sentences "
        "(for servers that refuse long enums).",
    ),
]
ContextTokensOpt = Annotated[
    int | None,
    typer.Option(
        min=512,
        help="Tokens the model reads and writes per request; a longer document is read in "
        "overlapping windows. \\[default: the embedded engine's 8192, a known OpenAI model's "
        "context, else 8192]",
    ),
]
LongSummaryOpt = Annotated[
    LongSummary | None,
    typer.Option(
        help="A long document's headline and summary: written from its windows' summaries "
        "or its facts' evidence, or the first window's. \\[default: windows]"
    ),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q")]


def _settings(**values: object) -> Settings:
    if values.get("record_cassette") and values.get("replay_cassette"):
        raise _usage_error("--record and --replay cannot be used together")
    retries = values.pop("retries", None)
    if isinstance(retries, int):
        values["retry"] = RetryPolicy(attempts=retries + 1)
    if values.get("strict") is False:
        values["strict"] = None  # not given: keep the default
    return Settings.from_env(None, **values)


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


def _summarizer(settings: Settings, limiter: RateLimiter | None = None) -> Summarizer:
    try:
        return Summarizer(settings, limiter)
    except (ConfigurationError, PromptError, SchemaError, ExampleError) as exc:
        raise _usage_error(str(exc)) from None


@contextmanager
def _store(path: Path | None, record: Path | None) -> Iterator[Store]:
    """The store; when recording a cassette and none is named, a fresh one, removed after,
    so that every call is made and recorded rather than answered from an earlier run's
    cache."""
    with ExitStack() as stack:
        if path is None and record is not None:
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="summarizer-"))
            path = Path(scratch) / "store.sqlite3"
        yield stack.enter_context(Store(path or default_store_path()))


@contextmanager
def _fatal_errors() -> Iterator[None]:
    """A store or an output that cannot be used ends the command with one line, status 1:
    no traceback, and no half-written output (summarizer.writers.files)."""
    try:
        yield
    except (StoreError, OutputError) as exc:
        typer.echo(f"summarizer: error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED_DOCUMENTS) from None


def _check_output(path: Path | None) -> None:
    if path is not None:
        with _fatal_errors():
            check_output(path)


def _batch_settings(settings: Settings, concurrency: int | None) -> tuple[Settings, int]:
    try:
        return concurrency_for(settings, concurrency)
    except ConfigurationError as exc:
        raise _usage_error(str(exc)) from None


@contextmanager
def _store_job(
    summarizer: Summarizer,
    in_flight: int,
    store_path: Path | None,
    record: Path | None,
    sink: Callable[[Outcome], None],
) -> Iterator[Batch]:
    """A batch job on the store, for the commands that summarize on the way (eval, digest)."""
    local = summarizer.endpoint.provider == "local"
    with _store(store_path, record) as store:
        yield Batch(summarizer, store, load_prices(free=local), sink, in_flight, _command())


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


# ---- summarize ----------------------------------------------------------------------------


@app.command()
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
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    model_path: ModelPathOpt = None,
    structured_mode: ModeOpt = None,
    prompt: PromptOpt = None,
    extraction_schema: SchemaOpt = None,
    examples: ExamplesOpt = None,
    prompts_dir: PromptsDirOpt = None,
    temperature: TemperatureOpt = None,
    timeout: TimeoutOpt = None,
    retries: RetriesOpt = None,
    strict: StrictOpt = False,
    grounding_reasks: ReasksOpt = None,
    reask_unsupported: ReaskUnsupportedOpt = False,
    free_quotes: FreeQuotesOpt = False,
    language: LanguageOpt = None,
    context_tokens: ContextTokensOpt = None,
    long_summary: LongSummaryOpt = None,
    max_chars: MaxCharsOpt = MAX_CHARS,
    save_text: SaveTextOpt = None,
    store_path: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="SQLite store keeping a long document's windows as they are read, so that a "
            "re-run resumes.",
            show_default=False,
        ),
    ] = None,
    record: Annotated[
        Path | None, typer.Option(help="Record the model calls into this cassette.")
    ] = None,
    replay: Annotated[
        Path | None, typer.Option(help="Replay model calls from this cassette (offline).")
    ] = None,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Summarize articles and extract facts with located evidence quotes."""
    _setup_logging(verbose, quiet)
    summarizer = _summarizer(
        _settings(
            model=model,
            base_url=base_url,
            api_key=api_key,
            model_path=model_path,
            structured_mode=structured_mode,
            prompt_name=prompt,
            extraction_schema=extraction_schema,
            examples=examples,
            prompts_dir=prompts_dir,
            temperature=temperature,
            request_timeout_s=timeout,
            retries=retries,
            strict=strict,
            grounding_reasks=grounding_reasks,
            reask_unsupported=reask_unsupported or None,
            sentence_quotes=False if free_quotes else None,
            language=language,
            context_tokens=context_tokens,
            long_summary=long_summary,
            record_cassette=record,
            replay_cassette=replay,
        )
    )
    _check_output(output)
    with _fatal_errors(), ExitStack() as stack:
        # Recording, every call is made (none answered from a store) unless one is named.
        if store_path is not None or record is None:
            windows = LazyStore(store_path or default_store_path())
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
    texts: dict[str, str] = {}
    writer = open_writer(output_format, stream, texts)
    if output_format == "html":
        documents = remember_texts(documents, texts)
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


# ---- batch --------------------------------------------------------------------------------


@app.command()
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Directories (recursive), globs, files, .jsonl or .csv tables."),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Results (default: stdout).")
    ] = None,
    output_format: Annotated[
        BatchFormat,
        typer.Option(
            "--format",
            "-f",
            help="jsonl: one line per document as it is done; html: a review page of each "
            "text with its evidence highlighted.",
        ),
    ] = "jsonl",
    store_path: Annotated[
        Path | None,
        typer.Option("--store", help="SQLite store: cache and resume log.", show_default=False),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, help=f"Requests in flight \\[default: {CONCURRENCY_DEFAULTS}]."),
    ] = None,
    rpm: Annotated[float | None, typer.Option(min=0.001, help="Requests per minute.")] = None,
    tpm: Annotated[float | None, typer.Option(min=1, help="Tokens per minute.")] = None,
    prices: Annotated[
        Path | None, typer.Option(help="Price table (JSON, USD per million tokens).")
    ] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    model_path: ModelPathOpt = None,
    structured_mode: ModeOpt = None,
    prompt: PromptOpt = None,
    extraction_schema: SchemaOpt = None,
    examples: ExamplesOpt = None,
    prompts_dir: PromptsDirOpt = None,
    temperature: TemperatureOpt = None,
    timeout: TimeoutOpt = None,
    retries: RetriesOpt = None,
    strict: StrictOpt = False,
    grounding_reasks: ReasksOpt = None,
    reask_unsupported: ReaskUnsupportedOpt = False,
    free_quotes: FreeQuotesOpt = False,
    language: LanguageOpt = None,
    context_tokens: ContextTokensOpt = None,
    long_summary: LongSummaryOpt = None,
    max_chars: MaxCharsOpt = MAX_CHARS,
    save_text: SaveTextOpt = None,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Summarize a corpus: concurrent, cached and resumable; one JSONL line per document."""
    _setup_logging(verbose, quiet)
    settings = _settings(
        model=model,
        base_url=base_url,
        api_key=api_key,
        model_path=model_path,
        structured_mode=structured_mode,
        prompt_name=prompt,
        extraction_schema=extraction_schema,
        examples=examples,
        prompts_dir=prompts_dir,
        temperature=temperature,
        request_timeout_s=timeout,
        retries=retries,
        strict=strict,
        grounding_reasks=grounding_reasks,
        reask_unsupported=reask_unsupported or None,
        sentence_quotes=False if free_quotes else None,
        language=language,
        context_tokens=context_tokens,
        long_summary=long_summary,
    )
    settings, in_flight = _batch_settings(settings, concurrency)
    local = select_endpoint(settings).provider == "local"
    summarizer = _summarizer(settings, RateLimiter(rpm, tpm) if rpm or tpm else None)
    try:
        price_table = load_prices(prices, free=local)
    except PriceError as exc:
        raise _usage_error(str(exc)) from None
    _check_output(output)
    with _fatal_errors(), ExitStack() as stack:
        store = stack.enter_context(Store(store_path or default_store_path()))
        stream = stack.enter_context(output_stream(output))
        texts: dict[str, str] = {}
        writer = open_writer(output_format, stream, texts)
        documents = _read(inputs, max_chars, save_text)
        if output_format == "html":
            documents = remember_texts(documents, texts)

        def sink(outcome: Outcome) -> None:
            if isinstance(outcome, FailedDocument):
                _report_failure(outcome)
            writer.write(outcome)

        progress = stack.enter_context(open_progress(inputs, enabled=not quiet))
        job = Batch(summarizer, store, price_table, sink, in_flight, _command(), progress)
        try:
            totals = asyncio.run(_batch(job, documents))
        finally:
            writer.close()
    if not quiet:
        typer.echo(f"summarizer: batch: {totals.describe()} · store {store.path}", err=True)
    if totals.failed:
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)


async def _batch(job: Batch, documents: Iterable[Document | ReadError]) -> BatchTotals:
    async with job.summarizer:
        return await job.run(documents)


# ---- eval ---------------------------------------------------------------------------------


@app.command("eval")
def eval_command(
    dataset: Annotated[Path, typer.Argument(help="JSONL: id, text, references, \\[systems].")],
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N documents.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON report here.")
    ] = None,
    store_path: Annotated[
        Path | None,
        typer.Option(
            "--store", help="SQLite store: an unchanged re-run is free.", show_default=False
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, help=f"Requests in flight \\[default: {CONCURRENCY_DEFAULTS}]."),
    ] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    model_path: ModelPathOpt = None,
    structured_mode: ModeOpt = None,
    prompt: PromptOpt = None,
    extraction_schema: SchemaOpt = None,
    examples: ExamplesOpt = None,
    prompts_dir: PromptsDirOpt = None,
    timeout: TimeoutOpt = None,
    retries: RetriesOpt = None,
    context_tokens: ContextTokensOpt = None,
    long_summary: LongSummaryOpt = None,
    record: Annotated[Path | None, typer.Option(help="Record the model calls.")] = None,
    replay: Annotated[Path | None, typer.Option(help="Replay model calls (offline).")] = None,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score our summaries (ROUGE) against references and rank them among published systems."""
    from summarizer.evaluation import EvalReport, load_dataset  # rouge-score loads nltk: slow

    _setup_logging(verbose, quiet)
    try:
        items = load_dataset(dataset, limit)
    except (OSError, ValueError) as exc:
        raise _usage_error(f"{dataset}: {exc}" if isinstance(exc, OSError) else str(exc)) from None
    settings = _settings(
        model=model,
        base_url=base_url,
        api_key=api_key,
        model_path=model_path,
        structured_mode=structured_mode,
        prompt_name=prompt,
        extraction_schema=extraction_schema,
        examples=examples,
        prompts_dir=prompts_dir,
        request_timeout_s=timeout,
        retries=retries,
        context_tokens=context_tokens,
        long_summary=long_summary,
        record_cassette=record,
        replay_cassette=replay,
    )
    settings, in_flight = _batch_settings(settings, concurrency)
    summarizer = _summarizer(settings)
    outcomes: dict[str, Outcome] = {}
    keep = lambda outcome: outcomes.__setitem__(outcome.id, outcome)  # noqa: E731
    _check_output(output)
    with _fatal_errors(), _store_job(summarizer, in_flight, store_path, record, keep) as job:
        totals = asyncio.run(_batch(job, [item.document() for item in items]))
    report = EvalReport(
        dataset=str(dataset),
        model=summarizer.endpoint.model,
        prompt={
            "name": summarizer.prompt.name,
            "hash": summarizer.prompt.hash,
            "schema": summarizer.schema.name,
            "schema_hash": summarizer.schema.hash,
        },
        items=items,
        outcomes=outcomes,
    ).to_dict(cost_usd=None if totals.unpriced else round(totals.cost_usd, 6))
    with _fatal_errors(), output_stream(output) if output else nullcontext() as stream:
        if stream is not None:
            stream.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    Console().print(eval_table(report))
    for row in report["per_document"]:
        if row["status"] == "failed":
            typer.echo(f"summarizer: error: {row['id']}: {row['error']}", err=True)
    if report["failed"]:
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)


def eval_table(report: dict[str, object]) -> Table:
    from summarizer.evaluation import METRICS, OURS

    systems = report["systems"]
    assert isinstance(systems, list)
    ordered = sorted(systems, key=lambda s: s["rouge1"], reverse=True)
    table = Table(
        "system",
        "ROUGE-1",
        "ROUGE-2",
        "ROUGE-Lsum",
        "words",
        title=f"{report['summarized']} documents of {report['dataset']}",
        caption=_rank_caption(report),
    )
    for system in ordered:
        style = "bold green" if system["name"] == OURS else None
        cells = [f"{system[m]:.2f}" for m in METRICS]
        table.add_row(system["name"], *cells, f"{system['words']:.0f}", style=style)
    return table


def _rank_caption(report: dict[str, object]) -> str:
    from summarizer.evaluation import METRICS, OURS

    rank = report["rank"]
    grounding = report["grounding"]
    usage = report["usage"]
    assert isinstance(rank, dict) and isinstance(grounding, dict) and isinstance(usage, dict)
    places = ", ".join(f"{m} {rank[m]}" for m in METRICS)
    return (
        f"{OURS} ({report['model']}) ranks {places} of {report['ranked_among']}; "
        f"{grounding['facts_per_document']} facts/doc, {grounding['located_rate']:.0%} located, "
        f"{grounding['support_rate']:.0%} supported; median "
        f"{usage['median_completion_tokens']:.0f} completion tokens and "
        f"{usage['median_seconds_per_document']:.1f} s per document{_model_time(usage)}"
    )


def _model_time(usage: dict[str, object]) -> str:
    seconds = usage.get("median_model_seconds_per_document")
    return f" ({seconds:.1f} s in the model, as recorded)" if isinstance(seconds, float) else ""


# ---- digest -------------------------------------------------------------------------------

DigestFormat = Literal["markdown", "json", "html"]


@app.command()
def digest(
    inputs: Annotated[
        list[str], typer.Argument(help="Articles: files, directories, globs, .jsonl or .csv.")
    ],
    output_format: Annotated[
        DigestFormat | None,
        typer.Option("--format", "-f", help="markdown (default on a terminal), json or html."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    store_path: Annotated[
        Path | None,
        typer.Option("--store", help="SQLite store of per-article results.", show_default=False),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, help=f"Requests in flight \\[default: {CONCURRENCY_DEFAULTS}]."),
    ] = None,
    extractive: Annotated[
        bool,
        typer.Option(
            "--extractive", help="Summarize stories from their facts, without a model call."
        ),
    ] = False,
    max_chars: MaxCharsOpt = MAX_CHARS,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    model_path: ModelPathOpt = None,
    structured_mode: ModeOpt = None,
    prompt: PromptOpt = None,
    extraction_schema: SchemaOpt = None,
    examples: ExamplesOpt = None,
    prompts_dir: PromptsDirOpt = None,
    timeout: TimeoutOpt = None,
    retries: RetriesOpt = None,
    record: Annotated[Path | None, typer.Option(help="Record the model calls.")] = None,
    replay: Annotated[Path | None, typer.Option(help="Replay model calls (offline).")] = None,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Across sources: stories, consensus, conflicts, single-source claims, attribution."""
    # Imported here: nltk, scikit-learn and wordfreq take seconds to load, which every
    # other command would pay at start.
    from summarizer.digest.build import DigestBuilder, run_digest

    _setup_logging(verbose, quiet)
    settings = _settings(
        model=model,
        base_url=base_url,
        api_key=api_key,
        model_path=model_path,
        structured_mode=structured_mode,
        prompt_name=prompt,
        extraction_schema=extraction_schema,
        examples=examples,
        prompts_dir=prompts_dir,
        request_timeout_s=timeout,
        retries=retries,
        record_cassette=record,
        replay_cassette=replay,
    )
    settings, in_flight = _batch_settings(settings, concurrency)
    summarizer = _summarizer(settings)
    try:
        builder = DigestBuilder(None if extractive else summarizer)
    except PromptError as exc:
        raise _usage_error(str(exc)) from None
    items = list(iter_documents(inputs, max_chars))
    _check_output(output)
    with (
        _fatal_errors(),
        _store_job(summarizer, in_flight, store_path, record, lambda outcome: None) as job,
    ):
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
    """Past batch runs recorded in the store: counts, tokens and cost."""
    path = store_path or default_store_path()
    if not path.is_file():
        raise _usage_error(f"{path}: no such store (run `summarizer batch` first)")
    table = Table("run", "started", "status", "done", "cached", "failed", "tokens", "cost", "model")
    with _fatal_errors(), Store(path) as store:
        for run in store.runs(limit):
            t = run.totals
            started = datetime.datetime.fromtimestamp(run.started_at).strftime("%Y-%m-%d %H:%M")
            status = "finished" if run.finished_at else "interrupted or running"
            cost = "unpriced" if t.cost_usd is None else f"${t.cost_usd:.4f}"
            tokens = f"{t.prompt_tokens + t.completion_tokens:,}"
            row = (str(run.id), started, status, str(t.done), str(t.cached), str(t.failed))
            table.add_row(*row, tokens, cost, run.model)
    Console().print(table)


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
