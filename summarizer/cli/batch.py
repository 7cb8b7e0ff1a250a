"""`summarizer batch`: a corpus, concurrent, cached and resumable."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal

import typer

from summarizer.cli.app import EXIT_FAILED_DOCUMENTS
from summarizer.cli.common import (
    check_output_path,
    check_writes,
    command_line,
    fatal_errors,
    read_files,
    read_inputs,
    reporting,
    resolve_settings,
    run_async,
    run_job,
    usage_errors,
    writing,
)
from summarizer.cli.options import ConcurrencyOpt, MaxCharsOpt, SaveTextOpt, model_options
from summarizer.inputs.documents import MAX_CHARS
from summarizer.llm.limits import RateLimiter
from summarizer.runs.progress import open_progress
from summarizer.runs.provider_batch import POLL_S, BatchApiOptions, Fallback
from summarizer.runs.ray_pool import RayOptions
from summarizer.runs.runner import open_batch
from summarizer.settings import (
    Flags,
)
from summarizer.writers.files import output_stream

BatchFormat = Literal["jsonl", "html"]


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
    settings = resolve_settings(replace(flags, concurrency=concurrency))
    provider_batch = BatchApiOptions(batch_fallback, batch_poll) if batch_api else None
    cluster = RayOptions(ray_address, ray_actors) if ray or ray_address else None
    limiter = RateLimiter(rpm, tpm) if rpm or tpm else None
    read = read_files(settings, inputs, {"price table": prices})
    check_writes(read, settings, output=output, save_text=save_text)
    check_output_path(output)
    with fatal_errors(), ExitStack() as stack:
        stream = stack.enter_context(output_stream(output))
        writer, documents = writing(
            output_format, stream, read_inputs(inputs, max_chars, save_text, read)
        )
        progress = stack.enter_context(open_progress(inputs, enabled=not quiet))
        with usage_errors():
            job = stack.enter_context(
                open_batch(
                    settings,
                    reporting(writer.write),
                    prices=prices,
                    limiter=limiter,
                    command=command_line(),
                    progress=progress,
                    batch_api=provider_batch,
                    ray=cluster,
                )
            )
        try:
            totals = run_async(run_job(job, documents))
        finally:
            writer.close()
    if not quiet:
        where = job.store.path if job.store is not None else "none"
        typer.echo(f"summarizer: batch: {totals.describe()} · store {where}", err=True)
    if totals.failed:
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)
