"""The Summarizer: the prompt, the schema and the endpoint of a run, and one document through
them: its cache key, its windows, the model's answer checked against its text, its result."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from types import TracebackType
from typing import Protocol, TypeVar

from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel

from summarizer.errors import (
    LLMError,
    PromptError,
    RequestLimitError,
    SettingsError,
    SummarizerError,
    raise_unexpected,
)
from summarizer.evidence.grounding import GroundingCheck, stands_in
from summarizer.extraction.examples import examples_hash, load_examples
from summarizer.extraction.models import (
    SCHEMA_VERSION,
    DocumentResult,
    FailedDocument,
    GroundedAnswer,
    Outcome,
    PromptInfo,
    Synopsis,
)
from summarizer.extraction.prompting import PromptSet, load_prompt_set
from summarizer.extraction.schemas import MAX_ITEMS, ExtractionSchema, load_schema
from summarizer.inputs.documents import Document
from summarizer.inputs.windows import (
    MIN_WINDOW_TOKENS,
    WINDOW_READ_TOKENS,
    Window,
    estimate_tokens,
    plan_windows,
    window_document,
)
from summarizer.inputs.writing_systems import in_scripts, language_scripts, scripts_of
from summarizer.llm.client import BatchRoute, Call, Completion, Pending
from summarizer.llm.limits import RateLimiter
from summarizer.llm.providers import Endpoint, context_tokens, select_endpoint
from summarizer.llm.session import ModelSession
from summarizer.pipeline.keys import RequestKey, params_json
from summarizer.pipeline.long_documents import WindowReader
from summarizer.pipeline.results import build_result, model_failure, unexpected_failure
from summarizer.settings import Settings

logger = logging.getLogger(__name__)

# Documents in a row that could not reach the endpoint before the others stop trying.
UNREACHABLE_LIMIT = 3
M = TypeVar("M", bound=BaseModel)
SYNOPSIS_PROMPT = "synopsis"
# Tokens kept free beyond the estimates: the chat template's own tokens.
CONTEXT_MARGIN = 64
# Requests one document may make (its windows and the summary of the whole): a plan past it
# is refused before any call. At the default window every document within --max-chars'
# default (1,000,000 characters) passes: 373 requests in English, 1,206 in Chinese. At the
# smallest (256-token windows), English text goes over it from about a million characters.
# Could become a setting.
MAX_REQUESTS_PER_DOCUMENT = 1_500


@dataclass(frozen=True)
class PlannedRequest:
    """One request a document will make, built as the pipeline builds it, and not sent."""

    document: Document  # what it reads: the document, or one window of it
    messages: list[ChatCompletionMessageParam]
    answer: type[BaseModel]
    # The summary of a long document's whole: its notes are its windows' answers, unknown
    # before they are read, so its messages hold none.
    synopsis: bool = False


class WindowCache(Protocol):
    """Where the windows of long documents are kept as they are read (the store)."""

    def cached_window(self, key: str) -> DocumentResult | None: ...

    def save_window(self, key: str, result: DocumentResult) -> None: ...


class CircuitBreaker:
    """After `limit` documents in a row could not reach the endpoint, the rest fail at once:
    an unreachable endpoint cost 18 s of retries per document, 200 connection attempts for
    40 documents, to learn one thing."""

    def __init__(self, endpoint: str, limit: int = UNREACHABLE_LIMIT) -> None:
        self.endpoint = endpoint
        self.limit = limit
        self.in_a_row = 0
        self.open_reason: str | None = None

    def record(self, error: Exception | None) -> None:
        if not (isinstance(error, LLMError) and error.unreachable):
            self.in_a_row = 0
            return
        self.in_a_row += 1
        if self.in_a_row >= self.limit and self.open_reason is None:
            self.open_reason = (
                f"not tried: {self.endpoint} could not be reached for {self.in_a_row} "
                "documents in a row"
            )
            logger.error(
                "%s is unreachable (%s); the remaining documents fail without trying",
                self.endpoint,
                error,
            )


class Summarizer:
    """Holds the prompt, the schema, the endpoint and the model session of a run.

    Use as an async context manager: the embedded engine, when needed, starts on the first
    document that reaches the model and stops on exit; a cassette being recorded is saved.
    Documents may be summarized concurrently. `window_cache` keeps a long document's windows
    as they are read, so that a re-run resumes at the window.
    """

    def __init__(
        self,
        settings: Settings,
        limiter: RateLimiter | None = None,
        window_cache: WindowCache | None = None,
    ) -> None:
        self.settings = settings
        self.schema: ExtractionSchema = load_schema(
            settings.extraction_schema, settings.prompts_dir
        )
        self.prompt: PromptSet = _extraction_prompt(settings, self.schema)
        self.synopsis_prompt: PromptSet = _synopsis_prompt(settings)
        self.endpoint: Endpoint = select_endpoint(settings)
        self.session = ModelSession(self.endpoint, settings, limiter)
        self.window_cache = window_cache
        self.breaker = CircuitBreaker(self.endpoint.describe())
        self._long_documents = WindowReader(self)
        self._check_context()

    async def __aenter__(self) -> Summarizer:
        await self.session.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.session.__aexit__(exc_type, exc, tb)

    # ---- what determines a document's outcome ----------------------------------------------

    def request_key(self, document: Document) -> RequestKey:
        """Everything that determines this document's outcome, hashed: the cache key."""
        messages = json.dumps(self.prompt.render(document, self.settings.language), sort_keys=True)
        s = self.settings
        params = params_json(
            {
                "provider": self.endpoint.provider,
                "model": self.endpoint.model,
                "mode": self.endpoint.structured_mode,
                "messages_sha256": hashlib.sha256(messages.encode()).hexdigest(),
                "temperature": s.temperature,
                "max_output_tokens": s.max_output_tokens,
                "validation_retries": s.validation_retries,
                "grounding_reasks": s.grounding_reasks,
                "reask_unsupported": s.reask_unsupported,
                "strict": s.strict,
                "sentence_quotes": s.sentence_quotes,
            }
            | self._schema_params()
            | self._window_params(document)
        )
        key = hashlib.sha256(f"{document.sha256}\0{SCHEMA_VERSION}\0{params}".encode())
        return RequestKey(
            content_sha256=document.sha256,
            prompt_hash=self.prompt.hash,
            schema_version=SCHEMA_VERSION,
            model=self.endpoint.model,
            params=params,
            key=key.hexdigest(),
        )

    @cached_property
    def reserved_tokens(self) -> int:
        """Tokens of each request that are not article text: the prompt's own text, the
        answer's tokens and a margin."""
        empty = Document(id="", source="", text="")
        prompt = "".join(
            str(m["content"]) for m in self.prompt.render(empty, self.settings.language)
        )
        return self.settings.max_output_tokens + estimate_tokens(prompt) + CONTEXT_MARGIN

    @cached_property
    def window_tokens(self) -> int:
        """Tokens of article text one request can read: the context, less the reserved
        tokens. Fixed for the run, and asked for every document (its cache key)."""
        context = context_tokens(self.settings, self.endpoint)
        left = context - self.reserved_tokens
        if left < MIN_WINDOW_TOKENS:
            smallest = self.reserved_tokens + MIN_WINDOW_TOKENS
            raise SettingsError(
                f"a context of {context} tokens (--context-tokens) is too small: the prompt "
                f"and the answer (max_output_tokens {self.settings.max_output_tokens}) take "
                f"{self.reserved_tokens} of it, and a request must read at least "
                f"{MIN_WINDOW_TOKENS} of the article; use --context-tokens {smallest} or more"
            )
        return left

    def _check_context(self) -> None:
        """A context too small for the prompt is the run's usage error, before any call."""
        # A prompt that cannot render is each document's failure, as it always was.
        with suppress(PromptError):
            _ = self.window_tokens

    def windows(self, document: Document) -> list[Window]:
        """The parts the document is read in: itself alone if it fits the context (as it
        always was), else windows of what the model reads well, within the context. A
        plan of more than MAX_REQUESTS_PER_DOCUMENT requests is a RequestLimitError."""
        windows = list(plan_windows(document.text, self.window_tokens))
        requests = self.requests_for(len(windows))
        if requests > MAX_REQUESTS_PER_DOCUMENT:
            raise RequestLimitError(self._over_the_limit(document, len(windows), requests))
        return windows

    def requests_for(self, windows: int) -> int:
        """Requests a plan of `windows` makes: one a window, and the summary of the whole."""
        if windows == 1 or self.settings.long_summary == "first":
            return windows
        return windows + 1

    def messages(self, document: Document) -> list[ChatCompletionMessageParam]:
        """What one request sends the model for `document` (or one window of it)."""
        return self.prompt.render(document, self.settings.language)

    def planned_requests(self, document: Document) -> list[PlannedRequest]:
        """The requests `document` will make, as they will be sent, without calling the
        model (the dry run counts them): one a window, and the summary of the whole."""
        windows = self.windows(document)
        if len(windows) == 1:
            return [
                PlannedRequest(document, self.messages(document), self.response_model(document))
            ]
        count = len(windows)
        parts = [window_document(document, w, n, count) for n, w in enumerate(windows, 1)]
        planned = [PlannedRequest(p, self.messages(p), self.response_model(p)) for p in parts]
        if self.requests_for(count) > count:
            messages = self._long_documents.synopsis_messages(document, [])
            answer = self.in_document_scripts(document, Synopsis)
            planned.append(PlannedRequest(document, messages, answer, synopsis=True))
        return planned

    def _over_the_limit(self, document: Document, windows: int, requests: int) -> str:
        more_context = self.window_tokens < WINDOW_READ_TOKENS
        remedy = "split it" + (" or give more context (--context-tokens)" if more_context else "")
        return (
            f"{len(document.text):,} characters: {windows:,} windows of at most "
            f"{min(self.window_tokens, WINDOW_READ_TOKENS):,} tokens, {requests:,} requests, "
            f"over the limit of {MAX_REQUESTS_PER_DOCUMENT:,} a document; {remedy}"
        )

    def _schema_params(self) -> dict[str, object]:
        """A user's schema (what the grammar asks for); nothing for the news schema, which
        SCHEMA_VERSION names, so that its keys are what they always were."""
        return {} if self.schema.is_news else {"schema": self.schema.hash}

    def _window_params(self, document: Document) -> dict[str, object]:
        """What else determines a long document's outcome; nothing for a short one, whose
        key is what it always was."""
        windows = self.windows(document)
        if len(windows) == 1:
            return {}
        return {
            "windows": [[w.start, w.end] for w in windows],
            "long_summary": self.settings.long_summary,
            "synopsis_prompt": self.synopsis_prompt.hash,
        }

    # ---- one document ------------------------------------------------------------------

    async def summarize(
        self, document: Document, route: BatchRoute | None = None
    ) -> Outcome | Pending:
        """The document's result or failure; Pending while a Batch API run's `route` has a
        request of it waiting for a batch."""
        try:
            windows = self.windows(document)
        except RequestLimitError as exc:
            return FailedDocument(id=document.id, source=document.source, error=str(exc))
        if len(windows) > 1:
            return await self._long_documents.read(document, windows, route)
        return await self.summarize_whole(document, route)

    async def summarize_whole(
        self, document: Document, route: BatchRoute | None = None
    ) -> Outcome | Pending:
        """The document (or one window of it) in one request."""
        started = time.monotonic()
        check = GroundingCheck(
            document.text,
            reasks_left=self.settings.grounding_reasks,
            reask_unsupported=self.settings.reask_unsupported,
            shown=document.body if self.settings.sentence_quotes else None,
        )
        if self.breaker.open_reason:
            return FailedDocument(
                id=document.id, source=document.source, error=self.breaker.open_reason
            )
        try:
            messages = self.messages(document)
            model = self.response_model(document)
            completion = await self.session.extract(messages, model, Call(check, route))
        except SummarizerError as exc:  # the model, the engine or this document's prompt
            self.breaker.record(exc)
            return model_failure(document, exc, self.settings.replay_cassette)
        except Exception as exc:  # one document's surprise must not cost the others theirs
            if raise_unexpected():
                raise
            return unexpected_failure(document, exc)
        self.breaker.record(None)
        if isinstance(completion, Pending):
            return completion
        return build_result(
            document,
            completion,
            check,
            strict=self.settings.strict,
            provider=self.endpoint.provider,
            prompt=self.prompt_info,
            elapsed_s=time.monotonic() - started,
        )

    @property
    def prompt_info(self) -> PromptInfo:
        return PromptInfo(
            name=self.prompt.name,
            hash=self.prompt.hash,
            schema_name=self.schema.name,
            schema_hash=self.schema.hash,
        )

    def response_model(self, document: Document) -> type[GroundedAnswer]:
        return self.in_document_scripts(document, self.schema.answer)

    def in_document_scripts(self, document: Document, model: type[M]) -> type[M]:
        """What the model fills in for this document: only in the scripts it is written in,
        and those of --language."""
        scripts = scripts_of(document.text)
        if self.settings.language:
            extra = language_scripts(self.settings.language)
            if extra is None:  # a language we cannot place: no restriction rather than a wrong one
                return model
            scripts |= extra
        return in_scripts(model, scripts)

    async def extract(
        self, messages: list[ChatCompletionMessageParam], response_model: type[M]
    ) -> Completion[M]:
        """Any other structured call of the run (a digest's summary), on the same model,
        engine and cassette; always live."""
        completion = await self.session.extract(messages, response_model)
        assert not isinstance(completion, Pending)  # only a Batch API route waits
        return completion


def _extraction_prompt(settings: Settings, schema: ExtractionSchema) -> PromptSet:
    """The schema's prompt set (or the one named), given the schema's fields and the
    few-shot examples; the news prompt without examples is what it always was."""
    own = settings.prompts_dir
    name = settings.prompt_name or schema.prompt
    has_own = own is not None and (own / name).is_dir()
    prompt = load_prompt_set(name, own if has_own or settings.prompt_name else None)
    examples = load_examples(settings.examples, schema, stands_in) if settings.examples else []
    if schema.is_news and not examples:
        return prompt
    context = {
        "schema_name": (schema.answer.item_kind or "fact").replace("_", " "),
        "fields": schema.item_fields(),
        "max_items": MAX_ITEMS,
        "examples": examples,
    }
    return prompt.with_context(context, f"{schema.hash}\0{examples_hash(examples)}")


def _synopsis_prompt(settings: Settings) -> PromptSet:
    own = settings.prompts_dir  # a user's own synopsis prompt wins
    has_own = own is not None and (own / SYNOPSIS_PROMPT).is_dir()
    return load_prompt_set(SYNOPSIS_PROMPT, own if has_own else None)
