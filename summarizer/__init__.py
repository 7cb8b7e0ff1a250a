"""summarizer: LLM-assisted summaries and facts, each fact's evidence located in the source."""

from summarizer.batch import open_batch, run
from summarizer.config import Settings
from summarizer.documents import Document
from summarizer.pipeline import Summarizer
from summarizer.schemas import DocumentResult, FailedDocument

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
