"""The tool's own errors, in one hierarchy, so that a caller catches a kind, not a list.

- `UsageError`: what the user gave cannot work (settings, prompt set, schema, few-shot
  examples, price table, evaluation dataset). Found before or without a model call; the
  message says what to change.
- `RunError`: the run could not do its work (the model call, the embedded engine or its
  model file, the store, the output). The user's input may be fine; the message says what
  failed.
- `ReadError` and `ConversionError` (one input, or one PDF or Word file, that cannot become
  a document) subclass `SummarizerError` itself: they are neither. They never end a run:
  the input is reported as a failed document in its place and the others go on.

The classes stay where they were defined (summarizer.extraction.prompting.PromptError and so on) and
keep their older base (ValueError, RuntimeError) as a second one, so that code catching
either still works. Left outside on purpose: summarizer.llm.recording.CassetteError, the
test harness's own (a cassette to record or replay; the pipeline turns it into the run's
startup error, which reaches each document as an LLMError), and
summarizer.llm.retry.BadResponseError, which must stay an openai.OpenAIError for the
transport retries and never leaves summarizer.llm.
"""

from __future__ import annotations

import os

# Set to 1 (the tests do), an unexpected exception in one document is raised rather than
# reported as that document's failure: a bug shows as a failing test, not as a row.
RAISE_UNEXPECTED_ENV = "SUMMARIZER_RAISE_UNEXPECTED"


class SummarizerError(Exception):
    """Any error the tool anticipates and explains in one line: not a bug."""


class UsageError(SummarizerError):
    """The user's settings or files cannot work; fix them and run again."""


class RunError(SummarizerError):
    """The run failed at something outside the user's input: model, engine, store, output."""


def raise_unexpected() -> bool:
    """Whether a surprise should propagate (SUMMARIZER_RAISE_UNEXPECTED=1) rather than be
    logged and turned into one document's failure, as it is for users."""
    return os.environ.get(RAISE_UNEXPECTED_ENV) == "1"
