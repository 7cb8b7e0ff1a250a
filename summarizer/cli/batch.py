"""`summarizer batch`: a corpus, concurrent, cached and resumable."""

from __future__ import annotations

from contextlib import ExitStack
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
    run_async,
    run_job,
    usage_errors,
    writing,
)
from summarizer.cli.estimate import estimate_first
from summarizer.cli.options import DryRunOpt, MaxCharsOpt, SaveTextOpt, settings_options
from summarizer.inputs.documents import MAX_CHARS, iter_documents
from summarizer.runs.progress import open_progress
from summarizer.runs.runner import open_batch
from summarizer.settings import Settings
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


@settings_options("batch")
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Directories (recursive), globs, files, .jsonl or .csv tables."),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Results (default: stdout).")
    ] = None,
    output_format: BatchFormatOpt = "jsonl",
    max_chars: MaxCharsOpt = MAX_CHARS,
    save_text: SaveTextOpt = None,
    dry_run: DryRunOpt = False,
    *,
    settings: Settings,
    quiet: bool = False,
) -> None:
    """Summarize a corpus: concurrent, cached and resumable; JSONL lines or a review page."""
    read = read_files(settings, inputs, {"price table": settings.prices_path})
    check_writes(read, settings, output=output, save_text=save_text)
    check_output_path(output)
    if estimate_first(
        settings, lambda: iter_documents(inputs, max_chars), command="batch", dry_run=dry_run
    ):
        return
    with fatal_errors(), ExitStack() as stack:
        stream = stack.enter_context(output_stream(output))
        writer, documents = writing(
            output_format, stream, read_inputs(inputs, max_chars, save_text, read)
        )
        progress = stack.enter_context(open_progress(inputs, enabled=not quiet))
        with usage_errors():
            job = stack.enter_context(
                open_batch(
                    settings, reporting(writer.write), command=command_line(), progress=progress
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
