"""`--dry-run` and `--max-cost`, shared by summarize, batch, digest and eval: the run's
estimate (summarizer.runs.estimate) printed, or held to the limit, before any model call."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence

import typer
from rich.console import Console
from rich.table import Table

from summarizer.cli.common import fatal_errors, usage_errors
from summarizer.errors import ReadError
from summarizer.inputs.documents import Document
from summarizer.runs.estimate import RunEstimate, check_max_cost, estimate_run
from summarizer.settings import Settings

Documents = Iterable[Document | ReadError]


def estimate_first(
    settings: Settings,
    documents: Callable[[], Documents],
    *,
    command: str,
    dry_run: bool,
    as_json: bool = False,
    notes: Sequence[str] = (),
) -> bool:
    """With --dry-run or --max-cost, the run's estimate from `documents` (read as the run
    reads them): printed under --dry-run, refused (one line, status 2) when over
    --max-cost. True when the command stops there (--dry-run)."""
    if not dry_run and settings.max_cost_usd is None:
        return False
    with fatal_errors(), usage_errors():
        estimate = estimate_run(settings, documents(), command=command, notes=notes)
    if dry_run:
        print_estimate(estimate, as_json or not sys.stdout.isatty())
    with usage_errors():
        check_max_cost(estimate, settings.max_cost_usd)
    return dry_run


def print_estimate(estimate: RunEstimate, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(estimate.to_dict(), indent=2, ensure_ascii=False))
        return
    Console().print(estimate_table(estimate))


def estimate_table(estimate: RunEstimate) -> Table:
    """The estimate as a terminal shows it: what the run will read, write, cost and take."""
    summary = estimate.to_dict()
    table = Table(
        "",
        "estimate",
        "how",
        title=f"dry run: {estimate.command} on {estimate.model} ({estimate.provider}); "
        "no model call made",
        caption="; ".join(estimate.notes) or None,
    )
    skipped = f"{summary['cached']} cached, {summary['failed']} cannot be read or planned"
    table.add_row("documents", f"{summary['documents']:,}", skipped)
    table.add_row("windows", f"{summary['windows']:,}", "of the documents to run")
    table.add_row("requests", f"{summary['requests']:,}", "one a window, and a long one's summary")
    prompt_how = estimate.tokenizer + ("" if estimate.prompt_tokens_exact else " (an estimate)")
    table.add_row("prompt tokens", f"{estimate.prompt_tokens:,}", prompt_how)
    table.add_row(
        "completion tokens", f"{estimate.completion_tokens:,}", estimate.completion_source
    )
    table.add_row("cost, live", _dollars(estimate.cost_usd), "the price table")
    table.add_row("cost, --batch-api", _dollars(estimate.batch_cost_usd), "the price table")
    seconds = estimate.engine_seconds
    if estimate.engine is not None and seconds is not None:
        rates = (
            f"{estimate.engine.prompt_tokens_per_s:.0f} prompt and "
            f"{estimate.engine.generation_tokens_per_s:.1f} generated tokens/s, one slot "
            f"({estimate.engine.source})"
        )
        table.add_row("engine time", _duration(seconds), rates)
    return table


def _dollars(cost: float | None) -> str:
    return "no price" if cost is None else f"${cost:.4f}"


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"
