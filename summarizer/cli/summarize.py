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
from summarizer.cli.options import MaxCharsOpt, OutputOpt, SaveTextOpt, settings_options
from summarizer.inputs.documents import MAX_CHARS
from summarizer.runs.runner import open_summarize
from summarizer.settings import Settings
from summarizer.writers import OutputFormat
from summarizer.writers.files import output_stream


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
    *,
    settings: Settings,
) -> None:
    """Summarize articles and extract facts with located evidence quotes."""
    read = read_files(settings, paths)
    check_writes(read, settings, output=output, save_text=save_text)
    check_output_path(output)
    with fatal_errors(), usage_errors(), ExitStack() as stack:
        stream = stack.enter_context(output_stream(output))
        chosen_format = output_format or ("markdown" if stream.isatty() else "jsonl")
        writer, documents = writing(
            chosen_format, stream, read_inputs(paths, max_chars, save_text, read)
        )
        runner = stack.enter_context(open_summarize(settings, reporting(writer.write)))
        try:
            totals = run_async(run_job(runner, documents))
        finally:
            writer.close()
    if totals.failed:
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)
