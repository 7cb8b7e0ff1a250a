"""One document end to end: prompt -> model -> grounding -> DocumentResult (or FailedDocument)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AsyncExitStack
from dataclasses import replace
from functools import cached_property
from types import TracebackType
from typing import Protocol, TypeVar

from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel

from summarizer.errors import (
    CassetteError,
    Deferred,
    LLMError,
    ReadError,
    RunError,
    SummarizerError,
    raise_unexpected,
)
from summarizer.evidence.facts import annotate
from summarizer.evidence.grounding import GroundingCheck, report
from summarizer.evidence.merging import merge_entities, merge_facts
from summarizer.extraction.examples import examples_hash, load_examples
from summarizer.extraction.models import (
    GROUNDING_CHECK,
    MAX_SENTENCE_CHARS,
    MAX_SUMMARY_SENTENCES,
    SCHEMA_VERSION,
    DocumentResult,
    Fact,
    FailedDocument,
    GroundedAnswer,
    PromptInfo,
    Summary,
    SupportVerdict,
    Synopsis,
    TextWindow,
    Usage,
)

# Imported from here by the CLI, the batch and the digest: one alias, defined in schemas.
from summarizer.extraction.models import Outcome as Outcome
from summarizer.extraction.prompting import PromptSet, fence, load_prompt_set
from summarizer.extraction.schemas import MAX_ITEMS, ExtractionSchema, load_schema
from summarizer.inputs.documents import Document
from summarizer.inputs.text import sentences
from summarizer.inputs.windows import Window, estimate_tokens, plan_windows, window_document
from summarizer.inputs.writing_systems import in_scripts, language_scripts, scripts_of
from summarizer.llm.client import Completion, LLMClient
from summarizer.llm.engine import open_local_engine
from summarizer.llm.limits import RateLimiter
from summarizer.llm.providers import Endpoint, context_tokens, select_endpoint
from summarizer.llm.recording import is_replay_miss, open_cassette
from summarizer.runs.store import RequestKey, params_json
from summarizer.settings import Settings

logger = logging.getLogger(__name__)

# Documents in a row that could not reach the endpoint before the others stop trying.
UNREACHABLE_LIMIT = 3
M = TypeVar("M", bound=BaseModel)
SYNOPSIS_PROMPT = "synopsis"
# Tokens kept free beyond the estimates: the chat template's own tokens.
CONTEXT_MARGIN = 64
# Windows of one document in flight on a remote endpoint (the embedded engine: its slots).
REMOTE_WINDOWS_IN_FLIGHT = 4


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
    """Holds the prompt, the endpoint and (lazily) the model client for a run.

    Use as an async context manager: the embedded engine, when needed, starts on the first
    document that reaches the model and stops on exit; a cassette being recorded is saved.
    Documents may be summarized concurrently.
    """

    def __init__(
        self,
        settings: Settings,
        limiter: RateLimiter | None = None,
        window_cache: WindowCache | None = None,
    ) -> None:
        self.settings = settings
        # Always one: a 429 pauses every request of the run, with or without --rpm/--tpm.
        self.limiter = limiter or RateLimiter()
        self.schema: ExtractionSchema = load_schema(
            settings.extraction_schema, settings.prompts_dir
        )
        self.prompt: PromptSet = _extraction_prompt(settings, self.schema)
        self.synopsis_prompt: PromptSet = _synopsis_prompt(settings)
        self.endpoint: Endpoint = select_endpoint(settings)
        self.window_cache = window_cache
        self._windows_in_flight: asyncio.Semaphore | None = None
        self._stack = AsyncExitStack()
        self._client: LLMClient | None = None
        self._connecting = asyncio.Lock()
        self._startup_error: str | None = None
        self.breaker = CircuitBreaker(self.endpoint.describe())

    async def __aenter__(self) -> Summarizer:
        # Open now: documents fetched from the web are read inside the run, and a cassette
        # records (or replays) those fetches with the model calls.
        try:
            if self.settings.replay_cassette:
                self._stack.enter_context(open_cassette(self.settings.replay_cassette, "none"))
            elif self.settings.record_cassette:
                self._stack.enter_context(open_cassette(self.settings.record_cassette, "all"))
        except CassetteError as exc:
            self._startup_error = str(exc)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.aclose()

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
    def window_tokens(self) -> int:
        """Tokens of article text one request can read: the context, less the prompt's own
        text, the answer's tokens and a margin. Fixed for the run, and asked for every
        document (its cache key)."""
        empty = Document(id="", source="", text="")
        prompt = "".join(
            str(m["content"]) for m in self.prompt.render(empty, self.settings.language)
        )
        spare = self.settings.max_output_tokens + estimate_tokens(prompt) + CONTEXT_MARGIN
        return max(context_tokens(self.settings, self.endpoint) - spare, 1)

    def windows(self, document: Document) -> list[Window]:
        """The parts the document is read in: itself alone if it fits the context (as it
        always was), else windows of what the model reads well, within the context."""
        return list(plan_windows(document.text, self.window_tokens))

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

    async def summarize(self, document: Document) -> Outcome:
        windows = self.windows(document)
        if len(windows) > 1:
            return await self._summarize_windows(document, windows)
        return await self._summarize_whole(document)

    async def _summarize_whole(self, document: Document) -> Outcome:
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
            completion = await self._extract_checked(document, check)
        except SummarizerError as exc:  # the model, the engine or this document's prompt
            self.breaker.record(exc)
            return self._failure(document, exc)
        except Exception as exc:  # one document's surprise must not cost the others theirs
            if raise_unexpected():
                raise
            return unexpected_failure(document, exc)
        self.breaker.record(None)
        return build_result(document, completion, self, check, time.monotonic() - started)

    async def _extract_checked(
        self, document: Document, check: GroundingCheck
    ) -> Completion[GroundedAnswer]:
        """The model's answer for one document, its quotes checked (and re-asked for)
        against this document's text while validation runs."""
        messages = self.prompt.render(document, self.settings.language)
        client = await self._llm()
        checking = GROUNDING_CHECK.set(check)
        try:
            return await client.extract(messages, self.response_model(document))
        finally:
            GROUNDING_CHECK.reset(checking)

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

    # ---- documents longer than the context ---------------------------------------------

    async def _summarize_windows(self, document: Document, windows: list[Window]) -> Outcome:
        """Each window read like a short document (and kept, so that a re-run resumes at
        the window), the facts put together with offsets into the whole text, and the
        headline and summary written from the windows' summaries or the facts."""
        started = time.monotonic()
        count = len(windows)
        logger.info(
            "%s: %d characters, over the model's context: reading it in %d windows",
            document.source,
            len(document.text),
            count,
        )
        in_flight = self._window_slots()
        progress = _WindowProgress(document.source, count)

        async def read(number: int, window: Window) -> Outcome:
            async with in_flight:
                outcome = await self._window(window_document(document, window, number, count))
            progress.done(number, outcome)
            return outcome

        outcomes = await asyncio.gather(*(read(n, w) for n, w in enumerate(windows, 1)))
        results = [o for o in outcomes if isinstance(o, DocumentResult)]
        usage = sum((o.usage for o in outcomes), Usage())
        failed = next((o for o in outcomes if isinstance(o, FailedDocument)), None)
        if failed is not None:
            number = outcomes.index(failed) + 1
            return FailedDocument(
                id=document.id,
                source=document.source,
                error=f"window {number} of {count}: {failed.error}",
                usage=usage,
            )
        return await self._merged(document, windows, results, usage, started)

    async def _window(self, window: Document) -> Outcome:
        key = self.request_key(window).key
        if self.window_cache is not None and (hit := self.window_cache.cached_window(key)):
            return hit
        outcome = await self._summarize_whole(window)
        if self.window_cache is not None and isinstance(outcome, DocumentResult):
            self.window_cache.save_window(key, outcome)
        return outcome

    def _window_slots(self) -> asyncio.Semaphore:
        """Windows in flight across the run (every long document of a batch shares them):
        on the embedded engine as many as it has slots, so that none waits out its
        timeout in the engine's queue."""
        if self._windows_in_flight is None:
            local = self.endpoint.provider == "local"
            slots = max(self.settings.parallel_slots, 1) if local else REMOTE_WINDOWS_IN_FLIGHT
            self._windows_in_flight = asyncio.Semaphore(slots)
        return self._windows_in_flight

    async def _merged(
        self,
        document: Document,
        windows: list[Window],
        results: list[DocumentResult],
        usage: Usage,
        started: float,
    ) -> DocumentResult:
        facts = merge_facts(
            [(w, r.facts) for w, r in zip(windows, results, strict=True)], document.layout
        )
        summary, synopsis_usage, seconds = await self._synopsis(document, results, facts)
        usage += synopsis_usage
        first = results[0]
        evidence = [f.evidence for f in facts]
        return first.model_copy(
            update={
                "id": document.id,
                "source": document.source,
                "sha256": document.sha256,
                "url": document.url,
                "fetched_at": document.fetched_at,
                "summary": summary,
                "facts": facts,
                "entities": merge_entities([r.entities for r in results], document.text),
                "grounding": report(
                    evidence,
                    reasks=sum(r.grounding.reasks for r in results),
                    dropped=sum(r.grounding.dropped for r in results),
                ),
                "usage": usage,
                "elapsed_s": round(time.monotonic() - started, 2),
                "model_seconds": _seconds([*(r.model_seconds for r in results), seconds]),
                "windows": [
                    TextWindow(start=w.start, end=w.end, facts=len(r.facts))
                    for w, r in zip(windows, results, strict=True)
                ],
            }
        )

    async def _synopsis(
        self, document: Document, results: list[DocumentResult], facts: Sequence[Fact]
    ) -> tuple[Summary, Usage, float | None]:
        """The whole document's headline and summary: the first window's, or written in
        one more request. If that fails, the first window's stand, with a warning: the
        facts are the larger part of the work, and every window is kept."""
        key_points = [f.statement for f in facts if f.evidence.support == SUPPORTED]
        first = results[0].summary
        first_window = first.model_copy(update={"key_points": key_points}), Usage(), None
        if self.settings.long_summary == "first":
            return first_window
        notes = self._notes(results, facts)
        messages = self.synopsis_prompt.render_with(
            {
                "notes": notes,
                "title": document.title,
                "language": self.settings.language,
                "fence": fence(document),
                "max_summary_sentences": MAX_SUMMARY_SENTENCES,
            }
        )
        try:
            completion = await self.extract(messages, self.in_document_scripts(document, Synopsis))
        except Deferred:  # waiting for a provider's batch: the document is tried again
            return first_window
        except RunError as exc:
            logger.warning(
                "%s: the summary of the whole could not be written (%s); the first window's stands",
                document.source,
                exc,
            )
            return first_window
        synopsis = completion.value
        summary = Summary(
            headline=synopsis.headline.strip(),
            text=summary_text(synopsis.summary),
            key_points=key_points,
        )
        return summary, completion.usage, completion.model_seconds

    def _notes(self, results: list[DocumentResult], facts: Sequence[Fact]) -> list[str]:
        if self.settings.long_summary == "facts":
            notes = [f.evidence.quote for f in facts if f.evidence.start is not None]
        else:
            notes = [f"{r.summary.headline}: {r.summary.text}" for r in results]
        return fit_notes(notes, self.window_tokens)

    async def extract(
        self, messages: list[ChatCompletionMessageParam], response_model: type[M]
    ) -> Completion[M]:
        """Any other structured call of the run (a digest's summary), on the same model,
        engine and cassette."""
        client = await self._llm()
        return await client.extract(messages, response_model)

    def _failure(self, document: Document, exc: SummarizerError) -> FailedDocument:
        reason = str(exc)
        if is_replay_miss(exc) and self.settings.replay_cassette:
            reason = (
                f"request not recorded in {self.settings.replay_cassette} (prompt, model or "
                "options changed since it was recorded; re-record with --record)"
            )
        usage = exc.usage if isinstance(exc, LLMError) else Usage()
        return FailedDocument(id=document.id, source=document.source, error=reason, usage=usage)

    async def _llm(self) -> LLMClient:
        async with self._connecting:  # concurrent first documents start one engine, not many
            if self._startup_error:
                raise LLMError(self._startup_error)
            if self._client is None:
                try:
                    self._client = await self._connect()
                except RunError as exc:  # the engine or its model file
                    self._startup_error = str(exc)
                    raise LLMError(str(exc)) from exc
            return self._client

    async def _connect(self) -> LLMClient:
        endpoint = self.endpoint
        if endpoint.needs_engine:
            engine = await asyncio.to_thread(open_local_engine, self.settings)
            self._stack.callback(engine.stop)
            endpoint = replace(endpoint, base_url=engine.base_url)
        client = LLMClient(endpoint, self.settings, self.limiter)
        self._stack.push_async_callback(client.close)
        return client


class _WindowProgress:
    """Progress through a long document's windows, on the log (stderr)."""

    def __init__(self, source: str, count: int) -> None:
        self.source = source
        self.count = count
        self.finished = 0

    def done(self, number: int, outcome: Outcome) -> None:
        self.finished += 1
        if isinstance(outcome, FailedDocument):
            what = f"failed: {outcome.error}"
        else:
            what = f"{len(outcome.facts)} facts"
        logger.info(
            "%s: window %d of %d read (%s); %d of %d done",
            self.source,
            number,
            self.count,
            what,
            self.finished,
            self.count,
        )


def fit_notes(notes: list[str], max_tokens: int) -> list[str]:
    """As many notes as fit, spread evenly over the document when not all do."""
    kept = notes
    while len(kept) > 1 and estimate_tokens("\n".join(kept)) > max_tokens:
        kept = kept[::2]
    return kept


def _extraction_prompt(settings: Settings, schema: ExtractionSchema) -> PromptSet:
    """The schema's prompt set (or the one named), given the schema's fields and the
    few-shot examples; the news prompt without examples is what it always was."""
    own = settings.prompts_dir
    name = settings.prompt_name or schema.prompt
    has_own = own is not None and (own / name).is_dir()
    prompt = load_prompt_set(name, own if has_own or settings.prompt_name else None)
    examples = load_examples(settings.examples, schema) if settings.examples else []
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


def _seconds(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known), 2) if known else None


def build_result(
    document: Document,
    completion: Completion[GroundedAnswer],
    run: Summarizer,
    check: GroundingCheck,
    elapsed_s: float,
) -> DocumentResult:
    extraction = completion.value
    evidence = check.locate_all(f.quote for f in extraction.facts)
    annotated = annotate(extraction, evidence, document.text, layout=document.layout)
    facts = annotated.facts
    dropped = 0
    if run.settings.strict:
        facts = [f for f in facts if f.well_founded]
        dropped = len(annotated.facts) - len(facts)
        if dropped:
            logger.warning(
                "%s: dropped %d fact(s) whose evidence is not in the source or does not "
                "support them (--strict)",
                document.source,
                dropped,
            )
    return DocumentResult(
        id=document.id,
        source=document.source,
        sha256=document.sha256,
        url=document.url,
        fetched_at=document.fetched_at,
        summary=Summary(
            headline=extraction.headline.strip(),
            text=summary_text(extraction.summary),
            key_points=[
                f.statement for f in facts if f.evidence.support == SupportVerdict.SUPPORTED
            ],
        ),
        facts=facts,
        entities=annotated.entities,
        grounding=report(
            [f.evidence for f in annotated.facts], reasks=check.reasks_used, dropped=dropped
        ),
        model=completion.model,
        provider=run.endpoint.provider,
        prompt=PromptInfo(
            name=run.prompt.name,
            hash=run.prompt.hash,
            schema_name=run.schema.name,
            schema_hash=run.schema.hash,
        ),
        usage=completion.usage,
        elapsed_s=round(elapsed_s, 2),
        model_seconds=completion.model_seconds,
    )


SUPPORTED = SupportVerdict.SUPPORTED
_SENTENCE_FINAL = (".", "!", "?", "”", '"', "’", "'", ")")


def summary_text(parts: list[str]) -> str:
    """The summary's sentences as one text. A part the grammar cut at its length bound (it
    does not end like a sentence) keeps its complete sentences, or, having none, ends at
    its last clause with an ellipsis: never a sentence cut mid-word."""
    kept: list[str] = []
    for part in (p.strip() for p in parts):
        if len(part) >= MAX_SENTENCE_CHARS - 1 and not part.endswith(_SENTENCE_FINAL):
            complete = sentences(part)[:-1]
            if complete:
                part = " ".join(s.text for s in complete)
            else:
                part = re.split(r"[,;:—–]\s[^,;:—–]*$", part)[0].rstrip() + "…"
        if part:
            kept.append(part)
    return " ".join(kept)


def unexpected_failure(document: Document, exc: Exception) -> FailedDocument:
    """A surprise (a bug) as this document's failure, its traceback logged once at warning
    level: what a user can paste into a report."""
    logger.warning(
        "%s: unexpected %s, please report it", document.source, type(exc).__name__, exc_info=exc
    )
    return FailedDocument(
        id=document.id,
        source=document.source,
        error=f"unexpected error: {type(exc).__name__}: {exc}",
    )


def read_failure(error: ReadError) -> FailedDocument:
    return FailedDocument(id=error.source, source=error.source, error=error.cause)


async def summarize_all(
    inputs: Iterable[Document | ReadError], summarizer: Summarizer
) -> AsyncIterator[Outcome]:
    """Every input yields one outcome, in order; a failure never stops the others."""
    for item in inputs:
        if isinstance(item, ReadError):
            yield read_failure(item)
            continue
        logger.info("summarizing %s (%d characters)", item.source, len(item.text))
        yield await summarizer.summarize(item)
