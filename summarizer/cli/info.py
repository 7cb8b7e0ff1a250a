"""`summarizer schemas`, `config` and `model`: what the tool would use, and from where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from summarizer.cli.app import EXIT_FAILED_DOCUMENTS
from summarizer.cli.common import setup_logging, usage_error, usage_errors
from summarizer.cli.options import settings_options
from summarizer.errors import (
    ModelError,
    SchemaError,
)
from summarizer.extraction.schemas import ExtractionSchema, load_schema, named_schemas
from summarizer.llm import model_store
from summarizer.runs.store import default_store_path
from summarizer.settings import SETTINGS, Settings, config_path, resolve


@settings_options("schemas", log=False)
def schemas_command(
    schema: Annotated[
        str | None,
        typer.Argument(
            help="A schema in any --schema form: print what one item holds, as a JSON Schema "
            "to copy and change. Without it: the named schemas."
        ),
    ] = None,
    *,
    settings: Settings,
) -> None:
    """What can be extracted: the named schemas, or one schema's fields as a JSON Schema."""
    own = settings.prompts_dir
    if schema is None:
        table = Table("schema", "prompt set", "fields", "where")
        for name, folder in named_schemas(own).items():
            loaded = _load_schema(name, own)
            fields = ", ".join(f.name for f in loaded.item_fields())
            table.add_row(name, loaded.prompt, fields, str(folder) if folder else "built in")
        Console().print(table)
        return
    typer.echo(json.dumps(_load_schema(schema, own).item_json_schema(), indent=2))


def _load_schema(spec: str, prompts_dir: Path | None) -> ExtractionSchema:
    try:
        return load_schema(spec, prompts_dir)
    except SchemaError as exc:
        raise usage_error(str(exc)) from None


def config_command() -> None:
    """The settings in effect, and where each comes from: a flag, the environment, the
    config file or the built-in default (keys masked)."""
    with usage_errors():
        resolved = resolve()
    path = config_path()
    typer.echo(f"config file: {path}{'' if path.is_file() else ' (none)'}")
    table = Table("setting")
    # A path or URL is folded onto more lines, never cut with "…": all of it is the answer.
    table.add_column("value", overflow="fold")
    table.add_column("from", overflow="fold")
    for entry in SETTINGS:
        value = getattr(resolved.settings, entry.name)
        if entry.name == "store_path" and value is None:
            value = default_store_path()
        shown = entry.mask(str(value)) if entry.mask and value else str(value)
        table.add_row(entry.name, shown, resolved.sources.get(entry.name, "default"))
    Console().print(table)


def model_command(
    prepare: Annotated[
        bool, typer.Option("--prepare", help="Assemble and verify the model now.")
    ] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Re-hash the model file.")] = False,
) -> None:
    """Show where the embedded model is and whether it is verified; prepare it ahead of time."""
    setup_logging(verbose=False, quiet=False)
    try:
        if prepare:
            model_store.ensure_default_model()
        if verify:
            model_store.verify(model_store.default_model_path())
    except (ModelError, FileNotFoundError) as exc:
        typer.echo(f"summarizer: error: {exc}", err=True)
        raise typer.Exit(EXIT_FAILED_DOCUMENTS) from None
    status = model_store.model_status()
    typer.echo(f"model:    {model_store.MODEL_NAME}")
    typer.echo(f"path:     {status.path}")
    typer.echo(f"present:  {'yes' if status.exists else 'no'} ({status.size:,} bytes)")
    verified = "yes" if status.verified else "no"
    typer.echo(f"verified: {verified} (SHA-256 {model_store.MODEL_SHA256})")
    typer.echo(f"packages: {'installed' if status.parts_installed else 'missing'}")
    if not status.verified:
        typer.echo("run `summarizer model --prepare` to assemble it now")
