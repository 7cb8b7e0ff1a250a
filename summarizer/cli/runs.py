"""`summarizer runs`: the runs and provider batches a store recorded."""

from __future__ import annotations

import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from summarizer.cli.common import fatal_errors, usage_error
from summarizer.cli.options import settings_options
from summarizer.runs.store import BatchJob, Store, default_store_path
from summarizer.settings import Settings


@settings_options("runs", log=False)
def runs(
    limit: Annotated[int, typer.Option(min=1)] = 20,
    *,
    settings: Settings,
) -> None:
    """Past batch runs recorded in the store: counts, tokens and cost; and the provider
    batches (--batch-api) they submitted, with their state."""
    path = settings.store_path or default_store_path()
    if not path.is_file():
        raise usage_error(f"{path}: no such store (run `summarizer batch` first)")
    table = Table("run", "started", "status", "done", "cached", "failed", "tokens", "cost", "model")
    with fatal_errors(), Store(path) as store:
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
