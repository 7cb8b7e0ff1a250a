"""`summarizer digest`: several outlets on one story, side by side."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from summarizer.cli.app import EXIT_FAILED_DOCUMENTS
from summarizer.cli.common import (
    check_output_path,
    check_writes,
    command_line,
    fatal_errors,
    read_files,
    report_failure,
    run_async,
    usage_errors,
)
from summarizer.cli.estimate import estimate_first
from summarizer.cli.options import DryRunOpt, MaxCharsOpt, OutputOpt, settings_options
from summarizer.inputs.documents import MAX_CHARS, iter_documents
from summarizer.settings import Settings
from summarizer.writers import render_digest
from summarizer.writers.files import output_stream

DigestFormat = Literal["markdown", "json", "html"]
STORY_SUMMARIES_NOTE = (
    "the stories' summaries (one request a story) are not counted: the stories are known "
    "only once the articles are read"
)


@settings_options("digest")
def digest(
    inputs: Annotated[
        list[str], typer.Argument(help="Articles: files, directories, globs, .jsonl or .csv.")
    ],
    output_format: Annotated[
        DigestFormat | None,
        typer.Option("--format", "-f", help="markdown (default on a terminal), json or html."),
    ] = None,
    output: OutputOpt = None,
    extractive: Annotated[
        bool,
        typer.Option(
            "--extractive", help="Summarize stories from their facts, without a model call."
        ),
    ] = False,
    max_chars: MaxCharsOpt = MAX_CHARS,
    dry_run: DryRunOpt = False,
    *,
    settings: Settings,
) -> None:
    """Across sources: stories, consensus, conflicts, single-source claims, attribution."""
    # Imported here: nltk, scikit-learn and wordfreq take seconds to load, which every
    # other command would pay at start.
    from summarizer.digest.build import make_digest

    check_writes(read_files(settings, inputs), settings, output=output)
    check_output_path(output)
    items = list(iter_documents(inputs, max_chars))
    story_summaries = [] if extractive else [STORY_SUMMARIES_NOTE]
    if estimate_first(
        settings,
        lambda: items,
        command="digest",
        dry_run=dry_run,
        as_json=output_format == "json",
        notes=story_summaries,
    ):
        return
    with fatal_errors(), usage_errors():
        digest = make_digest(settings, items, extractive=extractive, command=command_line())
        result = run_async(digest)
    for failure in result.failed:
        report_failure(failure)
    with fatal_errors(), output_stream(output) as stream:
        chosen = output_format or ("markdown" if stream.isatty() else "json")
        stream.write(render_digest(result, chosen))
    if result.failed:
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)
