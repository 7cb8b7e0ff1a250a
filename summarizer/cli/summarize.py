"""`summarizer summarize`: files, URLs or stdin to summaries and facts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from contextlib import ExitStack, closing
from typing import Annotated, TextIO

import typer

from summarizer.cli.app import EXIT_FAILED_DOCUMENTS
from summarizer.cli.common import (
    check_output_path,
    fatal_errors,
    read_inputs,
    report_failure,
    usage_errors,
    writing,
)
from summarizer.cli.options import MaxCharsOpt, OutputOpt, SaveTextOpt, settings_options
from summarizer.errors import (
    ReadError,
)
from summarizer.extraction.models import FailedDocument
from summarizer.inputs.documents import MAX_CHARS, Document
from summarizer.pipeline import Summarizer, summarize_all
from summarizer.runs.runner import (
    window_store,
)
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
    with usage_errors():
        summarizer = Summarizer(settings)
    check_output_path(output)
    with fatal_errors(), ExitStack() as stack:
        if (windows := window_store(settings)) is not None:
            summarizer.window_cache = stack.enter_context(closing(windows))
        stream = stack.enter_context(output_stream(output))
        chosen_format = output_format or ("markdown" if stream.isatty() else "jsonl")
        documents = read_inputs(paths, max_chars, save_text)
        failures = asyncio.run(_summarize(documents, summarizer, chosen_format, stream))
    if failures:
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)


async def _summarize(
    documents: Iterable[Document | ReadError],
    summarizer: Summarizer,
    output_format: OutputFormat,
    stream: TextIO,
) -> int:
    writer, documents = writing(output_format, stream, documents)
    failures = 0
    async with summarizer:
        try:
            async for outcome in summarize_all(documents, summarizer):
                if isinstance(outcome, FailedDocument):
                    failures += 1
                    report_failure(outcome)
                writer.write(outcome)
        finally:
            writer.close()
    return failures
