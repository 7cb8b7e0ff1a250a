"""One document end to end: prompt -> model -> evidence -> a DocumentResult, a FailedDocument,
or Pending (a Batch API run's document, waiting for its batch).

It owns what one document needs: its cache key, its windows when it is longer than the
model's context, the grounding check of its answer, and its result. Many documents are the
runner's (summarizer.runs); the model's client and engine are the session's
(summarizer.llm.session). It may import inputs, extraction, llm and evidence; never runs,
digest, eval, writers or cli.
"""

from summarizer.extraction.models import Outcome
from summarizer.llm.client import Pending
from summarizer.pipeline.keys import RequestKey, params_json
from summarizer.pipeline.results import read_failure
from summarizer.pipeline.summarizer import PlannedRequest, Summarizer, WindowCache

__all__ = [
    "Outcome",
    "Pending",
    "PlannedRequest",
    "RequestKey",
    "Summarizer",
    "WindowCache",
    "params_json",
    "read_failure",
]
