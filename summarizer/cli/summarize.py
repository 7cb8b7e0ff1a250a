"""`summarizer summarize`: files, URLs or stdin to summaries and facts."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Annotated

import typer

from summarizer.cli.app import EXIT_FAILED_DOCUMENTS
from summarizer.cli.common import (
    check_output_path,
    check_writes,
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
from summarizer.cli.options import (
    DryRunOpt,
    MaxCharsOpt,
    OutputOpt,
    SaveTextOpt,
    settings_options,
)
from summarizer.inputs.documents import MAX_CHARS, STDIN, iter_documents
from summarizer.runs.runner import open_summarize
from summarizer.settings import Settings
from summarizer.writers import OutputFormat
from summarizer.writers.files import output_stream, saving_texts


@settings_options("summarize")
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
    dry_run: DryRunOpt = False,
    *,
    settings: Settings,
) -> None:
    """Summarize articles and extract facts with located evidence quotes."""
    read = read_files(settings, paths)
    check_writes(read, settings, output=output, save_text=save_text)
    check_output_path(output)
    # stdin can be read once: what the estimate read is what the run reads.
    estimating = dry_run or settings.max_cost_usd is not None
    stdin_read = list(iter_documents(paths, max_chars)) if estimating and STDIN in paths else None
    estimated = lambda: stdin_read or iter_documents(paths, max_chars)  # noqa: E731
    as_json = output_format == "json"
    if estimate_first(settings, estimated, command="summarize", dry_run=dry_run, as_json=as_json):
        return
    documents = (
        read_inputs(paths, max_chars, save_text, read)
        if stdin_read is None
        else saving_texts(stdin_read, save_text, read)
        if save_text
        else stdin_read
    )
    with fatal_errors(), usage_errors(), ExitStack() as stack:
        stream = stack.enter_context(output_stream(output))
        chosen_format = output_format or ("markdown" if stream.isatty() else "jsonl")
        writer, documents = writing(chosen_format, stream, documents)
        runner = stack.enter_context(open_summarize(settings, reporting(writer.write)))
        try:
            totals = run_async(run_job(runner, documents))
        finally:
            writer.close()
    if totals.failed:
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)
