"""The options commands share: each setting's flag made from the table in
summarizer.settings, and the per-command I/O options that are not settings."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from summarizer.cli.common import resolve_settings, setup_logging
from summarizer.settings import Setting, command_settings

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


DryRunOpt = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Read the inputs and print what the run would cost: documents, windows, requests, "
        "prompt tokens, estimated completion tokens, the price (live and --batch-api) and the "
        "embedded engine's time; a table on a terminal, else JSON. No model call, no output.",
    ),
]


OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write here.")]


def _parameter(name: str, kind: Any, default: object, option: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[kind, option]
    )


def setting_option(entry: Setting) -> inspect.Parameter:
    """The flag of one setting: not given is None (False for a switch), so that the
    environment, the config file or the built-in default decides."""
    option = typer.Option(
        entry.flag,
        help=entry.cli_help,
        min=entry.minimum,
        metavar=entry.metavar,
        show_default=False,
    )
    if entry.is_switch:
        return _parameter(entry.name, bool, False, option)
    return _parameter(entry.name, entry.value_type | None, None, option)


LOG_OPTIONS = [
    _parameter("verbose", bool, False, typer.Option("--verbose", "-v")),
    _parameter("quiet", bool, False, typer.Option("--quiet", "-q")),
]


def settings_options(
    command_name: str, *, log: bool = True
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The flags of the settings `command_name` takes (the table says which) added to the
    command, which gets them resolved as `settings: Settings` (and `quiet` if it asks for
    it): a bad value ends it with one line, status 2. With `log`, -v and -q set up the log
    before the command runs."""
    shared = [setting_option(entry) for entry in command_settings(command_name)]
    logging_options = LOG_OPTIONS if log else []

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(command, eval_str=True)
        added = {"settings", *(p.name for p in logging_options)}  # the command's `quiet` too
        own = [p for p in signature.parameters.values() if p.name not in added]
        wants_quiet = "quiet" in signature.parameters

        @functools.wraps(command)
        def with_settings(*args: Any, **kwargs: Any) -> None:
            given = {p.name: kwargs.pop(p.name) for p in shared}
            if log:
                quiet = kwargs.pop("quiet")
                setup_logging(kwargs.pop("verbose"), quiet)
                if wants_quiet:
                    kwargs["quiet"] = quiet
            command(*args, settings=resolve_settings(given), **kwargs)

        with_settings.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*own, *shared, *logging_options]
        )
        return with_settings

    return decorate
