"""`summarizer eval`: our summaries scored against references."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from summarizer.cli.app import EXIT_FAILED_DOCUMENTS
from summarizer.cli.common import (
    check_output_path,
    check_writes,
    command_line,
    fatal_errors,
    read_files,
    run_async,
    usage_error,
    usage_errors,
)
from summarizer.cli.estimate import estimate_first
from summarizer.cli.options import DryRunOpt, settings_options
from summarizer.settings import Settings
from summarizer.writers.files import output_stream

if TYPE_CHECKING:
    from summarizer.eval.summaries import EvalSummary


@settings_options("eval")
def eval_command(
    dataset: Annotated[Path, typer.Argument(help="JSONL: id, text, references, \\[systems].")],
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N documents.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the JSON report here.")
    ] = None,
    dry_run: DryRunOpt = False,
    *,
    settings: Settings,
) -> None:
    """Score our summaries (ROUGE) against references and rank them among published systems."""
    # rouge-score loads nltk: slow, and only eval needs it.
    from summarizer.eval.summaries import evaluate, load_dataset

    try:
        items = load_dataset(dataset, limit)
    except (OSError, ValueError) as exc:
        raise usage_error(f"{dataset}: {exc}" if isinstance(exc, OSError) else str(exc)) from None
    read = read_files(settings, [], {"dataset": dataset})
    check_writes(read, settings, output=output)
    check_output_path(output)
    documents = lambda: [item.document() for item in items]  # noqa: E731
    if estimate_first(settings, documents, command="eval", dry_run=dry_run):
        return
    with fatal_errors(), usage_errors():
        summary = run_async(evaluate(settings, str(dataset), items, command=command_line()))
    if output is not None:
        with fatal_errors(), output_stream(output) as stream:
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
