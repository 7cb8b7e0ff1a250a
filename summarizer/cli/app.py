"""The typer application and the exit statuses every command shares."""

from __future__ import annotations

import logging

import typer

app = typer.Typer(
    help="Summaries and facts from articles, each fact's evidence located in the source.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
logger = logging.getLogger("summarizer")
EXIT_FAILED_DOCUMENTS = 1
EXIT_USAGE = 2
