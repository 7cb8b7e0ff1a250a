"""summarizer: LLM-assisted summaries and facts, each fact's evidence located in the source."""

from summarizer.extraction.models import DocumentResult, FailedDocument
from summarizer.inputs.documents import Document
from summarizer.pipeline import Summarizer
from summarizer.runs.runner import open_batch, run
from summarizer.settings import Settings

__all__ = [
    "Document",
    "DocumentResult",
    "FailedDocument",
    "Settings",
    "Summarizer",
    "open_batch",
    "run",
]
__version__ = "0.1.0"
