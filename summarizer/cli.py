"""Command line: typer commands that parse options into Settings and call the library."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer

from summarizer.config import RetryPolicy, Settings, StructuredMode
from summarizer.documents import read_paths
from summarizer.llm import model_store
from summarizer.llm.providers import ConfigurationError
from summarizer.pipeline import Summarizer, summarize_all
from summarizer.prompting import PromptError
from summarizer.schemas import FailedDocument
from summarizer.writers import OutputFormat, open_writer

app = typer.Typer(
    help="Summaries and facts from articles, each fact's evidence located in the source.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
logger = logging.getLogger("summarizer")

EXIT_FAILED_DOCUMENTS = 1
EXIT_USAGE = 2


def _setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("summarizer: %(message)s"))
    root = logging.getLogger("summarizer")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _usage_error(message: str) -> typer.Exit:
    typer.echo(f"summarizer: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


@app.command()
def summarize(
    paths: Annotated[list[str], typer.Argument(help="Files to summarize; '-' reads stdin.")],
    output_format: Annotated[
        OutputFormat | None,
        typer.Option("--format", "-f", help="markdown (default on a terminal), json or jsonl."),
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")] = None,
    model: Annotated[str | None, typer.Option(help="Model name [env: SUMMARIZER_MODEL].")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible endpoint [env: OPENAI_BASE_URL].")
    ] = None,
    api_key: Annotated[
        str | None, typer.Option(help="API key [env: OPENAI_API_KEY].", show_default=False)
    ] = None,
    model_path: Annotated[
        Path | None, typer.Option(help="Run this GGUF on the embedded engine.")
    ] = None,
    structured_mode: Annotated[
        StructuredMode | None,
        typer.Option("--mode", help="Structured output: json_schema (default), tools or json."),
    ] = None,
    prompt: Annotated[str | None, typer.Option(help="Prompt template set.")] = None,
    prompts_dir: Annotated[
        Path | None, typer.Option(help="Folder of your own prompt sets.")
    ] = None,
    temperature: Annotated[float | None, typer.Option(help="Sampling temperature.")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds per request.")] = None,
    retries: Annotated[
        int | None,
        typer.Option(
            min=0, help="Transport retries per request (429, 5xx, timeouts). [default: 4]"
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Drop facts whose evidence is not in the source.")
    ] = False,
    grounding_reasks: Annotated[
        int | None,
        typer.Option(min=0, help="Re-asks for quotes not found in the source. [default: 1]"),
    ] = None,
    record: Annotated[
        Path | None, typer.Option(help="Record the model calls into this cassette.")
    ] = None,
    replay: Annotated[
        Path | None, typer.Option(help="Replay model calls from this cassette (offline).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Summarize articles and extract facts with located evidence quotes."""
    _setup_logging(verbose, quiet)
    if record and replay:
        raise _usage_error("--record and --replay cannot be used together")
    settings = Settings.from_env(
        model=model,
        base_url=base_url,
        api_key=api_key,
        model_path=model_path,
        structured_mode=structured_mode,
        prompt_name=prompt,
        prompts_dir=prompts_dir,
        temperature=temperature,
        request_timeout_s=timeout,
        retry=RetryPolicy(attempts=retries + 1) if retries is not None else None,
        record_cassette=record,
        replay_cassette=replay,
        strict=strict or None,
        grounding_reasks=grounding_reasks,
    )
    try:
        summarizer = Summarizer(settings)
    except (ConfigurationError, PromptError) as exc:
        raise _usage_error(str(exc)) from None
    stream = output.open("w", encoding="utf-8") if output else sys.stdout
    chosen_format = output_format or ("markdown" if stream.isatty() else "jsonl")
    failures = _run(paths, summarizer, chosen_format, stream)
    if output:
        stream.close()
    if failures:
        raise typer.Exit(EXIT_FAILED_DOCUMENTS)


def _run(
    paths: list[str], summarizer: Summarizer, output_format: OutputFormat, stream: TextIO
) -> int:
    writer = open_writer(output_format, stream)
    failures = 0
    with summarizer:
        try:
            for outcome in summarize_all(read_paths(paths), summarizer):
                if isinstance(outcome, FailedDocument):
                    failures += 1
                    typer.echo(f"summarizer: error: {outcome.source}: {outcome.error}", err=True)
                writer.write(outcome)
        finally:
            writer.close()
    return failures


@app.command("model")
def model_command(
    prepare: Annotated[
        bool, typer.Option("--prepare", help="Assemble and verify the model now.")
    ] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Re-hash the model file.")] = False,
) -> None:
    """Show where the embedded model is and whether it is verified; prepare it ahead of time."""
    _setup_logging(verbose=False, quiet=False)
    try:
        if prepare:
            model_store.ensure_default_model()
        if verify:
            model_store.verify(model_store.default_model_path())
    except (model_store.ModelError, FileNotFoundError) as exc:
        typer.echo(f"summarizer: error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED_DOCUMENTS) from None
    status = model_store.model_status()
    typer.echo(f"model:    {model_store.MODEL_NAME}")
    typer.echo(f"path:     {status.path}")
    typer.echo(f"present:  {'yes' if status.exists else 'no'} ({status.size:,} bytes)")
    typer.echo(
        f"verified: {'yes' if status.verified else 'no'} (SHA-256 {model_store.MODEL_SHA256})"
    )
    typer.echo(f"packages: {'installed' if status.parts_installed else 'missing'}")
    if not status.verified:
        typer.echo("run `summarizer model --prepare` to assemble it now")


def main() -> None:
    app()
