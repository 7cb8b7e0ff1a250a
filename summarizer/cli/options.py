"""The options of every command that calls a model, declared once."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from summarizer.cli.common import setup_logging
from summarizer.runs.runner import (
    ENGINE_BATCH_SLOTS,
    REMOTE_CONCURRENCY,
)
from summarizer.settings import (
    Flags,
    LongSummary,
    StructuredMode,
)

PromptsDirOpt = Annotated[
    Path | None,
    typer.Option(help="Folder of your own prompt sets and named schemas.", show_default=False),
]


ConcurrencyOpt = Annotated[
    int | None,
    typer.Option(
        min=1,
        help=f"Requests in flight \\[default: {REMOTE_CONCURRENCY} remote; on the embedded "
        f"engine, {ENGINE_BATCH_SLOTS} slots].",
        show_default=False,
    ),
]


MaxCharsOpt = Annotated[
    int,
    typer.Option(
        min=1, help="Refuse a document longer than this many characters (memory stays bounded)."
    ),
]


SaveTextOpt = Annotated[
    Path | None,
    typer.Option(
        help="Write each document's text as read (what evidence offsets index: the text of a "
        "PDF, a Word file or a web page) to DIR/<id>.txt.",
        metavar="DIR",
    ),
]


OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")]


def _option(name: str, kind: Any, default: object, option: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[kind, option]
    )


# Every command that calls a model takes these (summarizer.settings.Flags), in this order.
MODEL_OPTIONS = [
    _option(
        "model",
        str | None,
        None,
        typer.Option(help="Model name, or provider/model \\[env: SUMMARIZER_MODEL]."),
    ),
    _option(
        "base_url",
        str | None,
        None,
        typer.Option(help="OpenAI-compatible endpoint \\[env: OPENAI_BASE_URL]."),
    ),
    _option(
        "api_key",
        str | None,
        None,
        typer.Option(help="API key \\[env: OPENAI_API_KEY].", show_default=False),
    ),
    _option(
        "model_path", Path | None, None, typer.Option(help="Run this GGUF on the embedded engine.")
    ),
    _option(
        "structured_mode",
        StructuredMode | None,
        None,
        typer.Option("--mode", help="Structured output: json_schema (default), tools or json."),
    ),
    _option(
        "prompt",
        str | None,
        None,
        typer.Option(help="Prompt template set. \\[default: the schema's]", show_default=False),
    ),
    _option(
        "extraction_schema",
        str | None,
        None,
        typer.Option(
            "--schema",
            help="What to extract: 'news' (the default), a named schema, a pydantic "
            "model (module:Class or file.py:Class), a JSON Schema file, or fields "
            "inline ('drug, dose, route, days int').",
            show_default=False,
        ),
    ),
    _option(
        "examples",
        Path | None,
        None,
        typer.Option(
            help="Few-shot examples, JSONL: text and the extractions expected from it.",
            metavar="FILE",
        ),
    ),
    _option(
        "prompts_dir",
        Path | None,
        None,
        typer.Option(help="Folder of your own prompt sets and named schemas.", show_default=False),
    ),
    _option(
        "temperature",
        float | None,
        None,
        typer.Option(help="Sampling temperature. \\[default: 0]", show_default=False),
    ),
    _option(
        "timeout",
        float | None,
        None,
        typer.Option(help="Seconds per request. \\[default: 600]", show_default=False),
    ),
    _option(
        "retries",
        int | None,
        None,
        typer.Option(
            min=0,
            help="Transport retries per request (429, 5xx, timeouts). \\[default: 4]",
            show_default=False,
        ),
    ),
    _option(
        "strict",
        bool,
        False,
        typer.Option(
            "--strict",
            help="Drop facts whose evidence is not in the source or does not support them.",
        ),
    ),
    _option(
        "grounding_reasks",
        int | None,
        None,
        typer.Option(
            min=0,
            help="Re-asks for quotes not found in the source. \\[default: 1]",
            show_default=False,
        ),
    ),
    _option(
        "reask_unsupported",
        bool,
        False,
        typer.Option(
            "--reask-unsupported",
            help="Also re-ask for statements their quotes do not support (costs a full answer).",
        ),
    ),
    _option(
        "free_quotes",
        bool,
        False,
        typer.Option(
            "--free-quotes",
            help="Let the model write quotes freely instead of choosing the article's "
            "sentences (for servers that refuse long enums).",
        ),
    ),
    _option(
        "language",
        str | None,
        None,
        typer.Option(
            help='Write the headline and summary in this language ("English"); facts '
            "stay in the article's, to be checked against it. \\[default: the "
            "article's]",
            show_default=False,
        ),
    ),
    _option(
        "context_tokens",
        int | None,
        None,
        typer.Option(
            min=512,
            help="Tokens the model reads and writes per request; a longer document is "
            "read in overlapping windows. \\[default: the embedded engine's 8192, a"
            " known OpenAI model's context, else 8192]",
            show_default=False,
        ),
    ),
    _option(
        "long_summary",
        LongSummary | None,
        None,
        typer.Option(
            help="A long document's headline and summary: written from its windows' "
            "summaries or its facts' evidence, or the first window's. \\[default: "
            "windows]",
            show_default=False,
        ),
    ),
    _option(
        "store",
        Path | None,
        None,
        typer.Option(
            help="SQLite store: the cache, the resume log and long documents' windows "
            "\\[env: SUMMARIZER_STORE; default: the user data dir's].",
            show_default=False,
        ),
    ),
    _option(
        "record",
        Path | None,
        None,
        typer.Option(help="Record the model calls (and web fetches) into this cassette."),
    ),
    _option(
        "replay",
        Path | None,
        None,
        typer.Option(help="Replay model calls from this cassette (offline)."),
    ),
]


LOG_OPTIONS = [
    _option("verbose", bool, False, typer.Option("--verbose", "-v")),
    _option("quiet", bool, False, typer.Option("--quiet", "-q")),
]


def model_options(command: Callable[..., None]) -> Callable[..., None]:
    """The shared options added to `command`, which gets them as `flags: Flags` (and
    `quiet` if it asks for it), so that each is declared, documented and parsed once; the
    log is set up by -v and -q before the command runs."""
    signature = inspect.signature(command, eval_str=True)
    added = {"flags", *(p.name for p in LOG_OPTIONS)}  # the command's own `quiet` included
    own = [p for p in signature.parameters.values() if p.name not in added]
    shared = [p.name for p in MODEL_OPTIONS]

    wants_quiet = "quiet" in signature.parameters

    @functools.wraps(command)
    def with_flags(*args: Any, **kwargs: Any) -> None:
        flags = Flags(**{name: kwargs.pop(name) for name in shared})
        verbose, quiet = kwargs.pop("verbose"), kwargs.pop("quiet")
        setup_logging(verbose, quiet)
        command(*args, flags=flags, **({"quiet": quiet} if wants_quiet else {}), **kwargs)

    with_flags.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*own, *MODEL_OPTIONS, *LOG_OPTIONS]
    )
    return with_flags
