"""What every command shares: settings from flags, the log, the writer, and errors as one
line with an exit status."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, TypeVar

import typer

from summarizer.cli.app import EXIT_FAILED_DOCUMENTS, EXIT_USAGE
from summarizer.errors import (
    BatchApiError,
    OutputError,
    ReadError,
    StoreError,
    UsageError,
)
from summarizer.extraction.models import FailedDocument
from summarizer.extraction.schemas import schema_file
from summarizer.inputs.documents import Document, iter_documents
from summarizer.pipeline import Outcome
from summarizer.redaction import redact_argv
from summarizer.runs.runner import (
    BatchTotals,
    Runner,
    store_path_for,
)
from summarizer.settings import Settings
from summarizer.writers import OutputFormat, Writer, open_writer
from summarizer.writers.files import ReadFiles, check_output, check_overwrites, saving_texts
from summarizer.writers.review_html import remember_texts

T = TypeVar("T")


def resolve_settings(given: Mapping[str, object]) -> Settings:
    """The settings for what a command line's flags gave (by setting name), over the
    environment and the config file; a bad value from any of them: one line, status 2."""
    try:
        return Settings.from_cli(given)
    except UsageError as exc:
        raise usage_error(str(exc)) from None


def setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("summarizer: %(message)s"))
    root = logging.getLogger("summarizer")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # instructor logs each failed call as an error and counts one attempt where the transport
    # retries made five: the tool reports failures itself. Its messages show with -v only.
    helper = logging.getLogger("instructor")
    helper.handlers[:] = [handler]
    helper.setLevel(logging.DEBUG if verbose else logging.CRITICAL + 1)
    helper.propagate = False


def usage_error(message: str) -> typer.Exit:
    typer.echo(f"summarizer: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


@contextmanager
def usage_errors() -> Iterator[None]:
    """Settings, a prompt, a schema, examples or prices that cannot be used: one line,
    exit status 2, before any model call."""
    try:
        yield
    except UsageError as exc:
        raise usage_error(str(exc)) from None


@contextmanager
def fatal_errors() -> Iterator[None]:
    """A store, an output or a provider's Batch API that cannot be used ends the command
    with one line, status 1: no traceback, and no half-written output
    (summarizer.writers.files). Batches already submitted stay in the store: the same
    command re-attaches to them."""
    try:
        yield
    except (StoreError, OutputError, BatchApiError) as exc:
        typer.echo(f"summarizer: error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED_DOCUMENTS) from None


def check_output_path(path: Path | None) -> None:
    if path is not None:
        with fatal_errors():
            check_output(path)


def read_files(
    settings: Settings, inputs: Iterable[str], named: Mapping[str, Path | None] | None = None
) -> ReadFiles:
    """What a command reads, which nothing it writes may replace: the documents of `inputs`,
    the files its settings name, and those `named` (a price table, a dataset)."""
    files = {
        "examples file": settings.examples,
        "cassette": settings.replay_cassette,
        "schema": schema_file(settings.extraction_schema, settings.prompts_dir),
        "model file": settings.model_path,
        **(named or {}),
    }
    return ReadFiles(inputs, files)


def check_writes(
    read: ReadFiles,
    settings: Settings | None,
    *,
    output: Path | None = None,
    save_text: Path | None = None,
) -> None:
    """An output, store (the one `settings` name), cassette to record or --save-text folder
    that would destroy what the command reads: one line, exit status 2, before anything is
    read or written."""
    targets = {"output": output}
    if settings is not None:
        targets |= {"store": store_path_for(settings), "cassette": settings.record_cassette}
    with usage_errors():
        check_overwrites(read, targets, save_text)


def read_inputs(
    inputs: list[str], max_chars: int, save_text: Path | None, read: ReadFiles | None = None
) -> Iterable[Document | ReadError]:
    documents = iter_documents(inputs, max_chars)
    return saving_texts(documents, save_text, read) if save_text else documents


def command_line() -> str:
    """The command line as the store records it: keys masked."""
    return " ".join(redact_argv(sys.argv))


def report_failure(outcome: FailedDocument) -> None:
    typer.echo(f"summarizer: error: {outcome.source}: {outcome.error}", err=True)


def reporting(sink: Callable[[Outcome], None]) -> Callable[[Outcome], None]:
    """`sink`, after a failed document's one line on stderr."""

    def reporting(outcome: Outcome) -> None:
        if isinstance(outcome, FailedDocument):
            report_failure(outcome)
        sink(outcome)

    return reporting


async def run_job(runner: Runner, documents: Iterable[Document | ReadError]) -> BatchTotals:
    async with runner.summarizer:
        return await runner.run(documents)


def run_async(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, where SIGTERM stops the run as Ctrl-C does: the main task is cancelled
    and its cleanup awaited (the run's record closed, the engine stopped, the partial output
    removed), then KeyboardInterrupt ends the command quietly with status 130. Raised by a
    signal handler inside the loop instead, KeyboardInterrupt lands in whichever task runs,
    and asyncio logs it with all its frames: "Task exception was never retrieved"."""
    if threading.current_thread() is not threading.main_thread():
        return asyncio.run(main)  # signals reach the main thread only
    termination = _Termination()
    previous = signal.getsignal(signal.SIGTERM)
    try:
        result = asyncio.run(termination.cancelling(main))
    except asyncio.CancelledError:
        if termination.requested:
            raise KeyboardInterrupt from None
        raise
    finally:
        if previous is not None:  # closing the loop reset it to the default, which kills
            signal.signal(signal.SIGTERM, previous)
    if termination.requested:  # it came as the run finished: still a stop, not a success
        raise KeyboardInterrupt
    return result


class _Termination:
    """SIGTERM, as the event loop sees it: the main task cancelled once; a second SIGTERM
    leaves its cleanup to finish (SIGKILL does not wait)."""

    def __init__(self) -> None:
        self.requested = False

    async def cancelling(self, main: Coroutine[Any, Any, T]) -> T:
        task = asyncio.current_task()
        assert task is not None

        def stop() -> None:
            if not self.requested:
                self.requested = True
                task.cancel()

        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop)
        return await main


def writing(
    output_format: OutputFormat, stream: TextIO, documents: Iterable[Document | ReadError]
) -> tuple[Writer, Iterable[Document | ReadError]]:
    """The writer of `output_format`, and the documents; for the review page, each
    document's text is kept on the way, to be highlighted."""
    texts: dict[str, str] = {}
    writer = open_writer(output_format, stream, texts)
    if output_format == "html":
        documents = remember_texts(documents, texts)
    return writer, documents
