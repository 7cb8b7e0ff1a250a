"""A rich progress bar on stderr for batch runs; nothing when stderr is not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from summarizer.inputs.documents import TABLE_SUFFIXES, directory_files
from summarizer.runs.runner import BatchTotals


class RichProgress:
    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress = progress
        self.task = task

    def update(self, totals: BatchTotals) -> None:
        cost = f"${totals.cost_usd:.4f}" + ("+?" if totals.unpriced else "")
        stats = (
            f"done {totals.done} · cached {totals.cached} · failed {totals.failed} · "
            f"{totals.prompt_tokens + totals.completion_tokens:,} tokens · {cost}"
        )
        self.progress.update(self.task, completed=totals.finished, stats=stats)


@contextmanager
def open_progress(inputs: list[str], enabled: bool) -> Iterator[RichProgress | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    progress = Progress(
        TextColumn("[bold]batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[stats]}"),
        console=Console(stderr=True),
    )
    with progress:
        task = progress.add_task("batch", total=estimate_count(inputs), stats="")
        yield RichProgress(progress, task)


def estimate_count(inputs: list[str]) -> int | None:
    """Documents to expect, from file names and line counts, without reading texts."""
    total = 0
    for spec in inputs:
        path = Path(spec)
        if path.is_dir():
            files, _unreadable = directory_files(path)
        elif path.is_file():
            files = [path]
        else:
            return None  # a glob or stdin: unknown
        total += sum(_documents_in(f) for f in files)
    return total


def _documents_in(file: Path) -> int:
    suffix = file.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        return 1
    with file.open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    return lines - 1 if suffix == ".csv" else lines
