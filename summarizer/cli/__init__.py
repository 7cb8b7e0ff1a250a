"""The command line: one module per command group, each parsing its options and calling
the library (summarizer.runs, summarizer.digest, summarizer.eval). Nothing here is policy:
what a command does is decided in the library, so that Python callers get the same."""

from __future__ import annotations

import signal

from summarizer.cli import batch, digest, eval, info, logs, runs, summarize
from summarizer.cli.app import app

# In the order --help lists them.
app.command()(summarize.summarize)
app.command()(batch.batch)
app.command("eval")(eval.eval_command)
app.command()(digest.digest)
app.command()(runs.runs)
app.command()(logs.logs)
app.command("schemas")(info.schemas_command)
app.command("config")(info.config_command)
app.command("model")(info.model_command)

__all__ = ["app", "main"]


def main() -> None:
    # SIGTERM unwinds like Ctrl-C: the embedded engine is stopped and the store's run closed.
    # While a run's event loop turns, summarizer.cli.common.run_async cancels it instead.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    app()
