"""Every exception the tool defines, in one tree, so that a caller catches a kind, not a list.

```
Exception
├── SummarizerError                anticipated, explained in one line: not a bug
│   ├── UsageError                 what the user gave cannot work; found before any model call
│   │   ├── SettingsError          a flag, variable or config key (also ValueError)
│   │   │   └── MissingExtraError  a provider's SDK is not installed: names the extra
│   │   ├── PromptError            a prompt set missing, incomplete or failing to render
│   │   ├── SchemaError            a --schema that cannot be used
│   │   ├── ExampleError           a --examples file that cannot be used
│   │   ├── PriceError             a price table that cannot be read
│   │   ├── DatasetError           an evaluation dataset line that cannot be used
│   │   ├── LogQueryError          a `logs` filter that cannot be applied
│   │   ├── RayUnavailable         --ray without Ray, or a cluster out of reach
│   │   ├── BatchApiUnavailable    --batch-api on an endpoint that has no Batch API
│   │   ├── CostLimitError         a run whose estimated cost is over --max-cost
│   │   └── OverwriteError         an output, store or --save-text that is one of the inputs
│   ├── RunError                   the run failed outside the user's input
│   │   ├── LLMError               a model call that failed for good (with its usage)
│   │   ├── ModelError             the embedded model missing or not the file expected
│   │   ├── EngineError            the embedded engine could not start or stop
│   │   ├── BatchApiError          a provider Batch API call that failed for good
│   │   ├── StoreError             a store that cannot be used
│   │   ├── NoSuchResult           `logs --show` found no such result
│   │   └── OutputError            an output that cannot be written
│   ├── ReadError                  one input that cannot become a document
│   ├── RequestLimitError          one document whose plan needs too many requests
│   └── ConversionError            one PDF or Word file that cannot become text
├── openai.OpenAIError
│   └── BadResponseError           a 200 answer that is not a completion (stays in summarizer.llm)
├── RuntimeError
│   └── CassetteError              a cassette to record or replay that cannot be used
│       └── ReplayMissError        a cassette to replay that does not exist
└── AwaitingBatch                  inside summarizer.llm only: becomes a Pending value
```

`ReadError`, `ConversionError` and `RequestLimitError` never end a run: the input is
reported as a failed document in its place and the others go on. Usage errors keep
ValueError (and run errors RuntimeError) as a second base, so that code catching either
still works.
`BadResponseError` must stay an openai.OpenAIError for the transport retries.
`CassetteError` is the test harness's own; the pipeline turns it into the run's startup
error, which reaches each document as an LLMError.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import openai

if TYPE_CHECKING:  # for the annotation only: errors.py imports nothing of the tool's
    from summarizer.extraction.models import Usage

# Set to 1 (the tests do), an unexpected exception in one document is raised rather than
# reported as that document's failure: a bug shows as a failing test, not as a row.
RAISE_UNEXPECTED_ENV = "SUMMARIZER_RAISE_UNEXPECTED"


def raise_unexpected() -> bool:
    """Whether a surprise should propagate (SUMMARIZER_RAISE_UNEXPECTED=1) rather than be
    logged and turned into one document's failure, as it is for users."""
    return os.environ.get(RAISE_UNEXPECTED_ENV) == "1"


class SummarizerError(Exception):
    """Any error the tool anticipates and explains in one line: not a bug."""


class UsageError(SummarizerError):
    """The user's settings or files cannot work; fix them and run again."""


class RunError(SummarizerError):
    """The run failed at something outside the user's input: model, engine, store, output."""


class ReadError(SummarizerError):
    """An input that cannot become a document; the message names the source and the cause."""

    def __init__(self, source: str, cause: str) -> None:
        super().__init__(f"{source}: {cause}")
        self.source = source
        self.cause = cause


class RequestLimitError(SummarizerError):
    """A document whose plan (its windows, the summary of the whole) needs more requests than
    one document may make; refused before any call, the message gives the figures."""


class ConversionError(SummarizerError, ValueError):
    """A file that cannot be turned into text; the message is the cause, for one line."""


class SettingsError(UsageError, ValueError):
    """Settings that cannot be used, alone or together: a flag, an environment variable or
    a config file's key; the message names where it was set and why."""


class PromptError(UsageError):
    """A prompt set that is missing, incomplete or fails to render."""


class SchemaError(UsageError, ValueError):
    """A schema that cannot be used; the message names the schema and the problem."""


class ExampleError(UsageError, ValueError):
    """An examples file that cannot be used; the message names the file and the line."""


class MissingExtraError(SettingsError):
    """The provider's SDK is not installed; the message names the extra that installs it."""


class ModelError(RunError, RuntimeError):
    """The embedded model is missing, incomplete or not the file we expect."""


class EngineError(RunError, RuntimeError):
    """The embedded engine could not be started or stopped."""


class LLMError(RunError, RuntimeError):
    """A model call that failed for good; the message is one line for the user. `usage`
    counts the tokens its attempts spent, so a failed document's cost is not lost."""

    def __init__(self, message: str, usage: Usage | None = None, unreachable: bool = False) -> None:
        super().__init__(message)
        self.usage = usage  # None: no completion came back
        self.unreachable = unreachable  # no connection could be made, after every retry


class AwaitingBatch(Exception):
    """Inside summarizer.llm only: unwinds instructor's call when a request must wait for a
    provider's batch. LLMClient.extract turns it into a `Pending` value at once; nothing
    outside the client ever sees it."""


class BatchApiError(RunError, RuntimeError):
    """A Batch API call that failed for good; one line naming the endpoint."""


class BadResponseError(openai.OpenAIError):
    """A 200 answer that is not a chat completion: not an OpenAI-compatible endpoint (a
    proxy's HTML page, a login form), not a model's invalid output. A JSON body cut short
    is a transfer that broke: `transient`, retried like a dropped connection."""

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class CassetteError(RuntimeError):
    """A cassette that cannot be used; the message names the file and the cause."""


class ReplayMissError(CassetteError):
    """A cassette to replay that does not exist."""


class StoreError(RunError, RuntimeError):
    """A store that cannot be used: the message names the file and the cause."""


class LogQueryError(UsageError, ValueError):
    """A filter that cannot be applied (a rate outside 0-1, since after until): the message
    says which, for a one-line usage error."""


class NoSuchResult(RunError, LookupError):
    """No stored result has this id or key (or a key prefix matches several)."""


class PriceError(UsageError, ValueError):
    """A price table that cannot be read."""


class RayUnavailable(UsageError, RuntimeError):
    """--ray without Ray installed, or a cluster that cannot be reached."""


class BatchApiUnavailable(UsageError, ValueError):
    """--batch-api with an endpoint that has no Batch API."""


class CostLimitError(UsageError, ValueError):
    """A run whose estimated cost is over --max-cost, or cannot be priced to be held to it:
    refused before any model call."""


class DatasetError(UsageError, ValueError):
    """A dataset line that cannot be used; the message names the file and line."""


class OutputError(RunError, RuntimeError):
    """An output that cannot be written; the message names the path and the cause."""


class OverwriteError(UsageError, ValueError):
    """An output, a store or a --save-text folder that is one of the command's own inputs
    (by its path, a symlink or a hard link), or the output and the store as one file:
    writing it would destroy what the command reads. The message names both."""
