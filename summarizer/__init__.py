"""summarizer: LLM-assisted summaries and facts, each fact's evidence located in the source.

The library is what the CLI runs. `run` summarizes paths, URLs or Documents with the store's
cache and resume log, and hands each outcome to a sink as it is done:

>>> import asyncio
>>> from pathlib import Path
>>> import summarizer
>>> settings = summarizer.Settings.from_env(
...     replay_cassette=Path("cassettes/examples/002_f8c6bddbe5b99dbe.yaml"))
>>> results = []
>>> totals = asyncio.run(summarizer.run(
...     ["examples/articles/002_f8c6bddbe5b99dbe.txt"], settings, sink=results.append))
>>> totals.done, totals.failed
(1, 0)
>>> result = results[0]
>>> result.status, len(result.facts) > 0
('ok', True)
>>> fact = result.facts[0]
>>> text = Path("examples/articles/002_f8c6bddbe5b99dbe.txt").read_text(encoding="utf-8")
>>> text[fact.evidence.start : fact.evidence.end] == fact.evidence.quote
True

(`replay_cassette` replays recorded model calls offline; without it, the settings' endpoint,
or the embedded engine, answers.) `open_batch` gives the runner itself, to run documents
through it yourself; `summarize` is the `summarize` command's run (in order, nothing cached);
`Summarizer` is one document end to end.
"""

from summarizer.extraction.models import DocumentResult, FailedDocument
from summarizer.inputs.documents import Document
from summarizer.pipeline import Pending, Summarizer
from summarizer.runs.runner import Runner, open_batch, run, summarize
from summarizer.settings import Settings

__all__ = [
    "Document",
    "DocumentResult",
    "FailedDocument",
    "Pending",
    "Runner",
    "Settings",
    "Summarizer",
    "open_batch",
    "run",
    "summarize",
]
__version__ = "0.1.0"
