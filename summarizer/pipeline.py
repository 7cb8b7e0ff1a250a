"""One document end to end: prompt -> model -> grounding -> DocumentResult (or FailedDocument)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack
from dataclasses import replace
from types import TracebackType
from typing import TypeVar

from openai.types.chat import ChatCompletionMessageParam
from pydantic import BaseModel

from summarizer.config import Settings
from summarizer.documents import Document, ReadError
from summarizer.facts import annotate
from summarizer.grounding import GroundingCheck, report
from summarizer.llm.client import Completion, LLMClient, LLMError
from summarizer.llm.engine import EngineError, open_local_engine
from summarizer.llm.limits import RateLimiter
from summarizer.llm.model_store import ModelError
from summarizer.llm.providers import Endpoint, select_endpoint
from summarizer.llm.recording import CassetteError, is_replay_miss, open_cassette
from summarizer.prompting import PromptError, PromptSet, load_prompt_set
from summarizer.schemas import (
    GROUNDING_CHECK,
    MAX_SENTENCE_CHARS,
    SCHEMA_VERSION,
    DocumentResult,
    Extraction,
    Fact,
    FailedDocument,
    GroundingStatus,
    PromptInfo,
    Summary,
    SupportVerdict,
    Usage,
)
from summarizer.store import RequestKey, params_json
from summarizer.text import sentences
from summarizer.writing_systems import in_scripts, language_scripts, scripts_of

logger = logging.getLogger(__name__)

Outcome = DocumentResult | FailedDocument
# Documents in a row that could not reach the endpoint before the others stop trying.
UNREACHABLE_LIMIT = 3
M = TypeVar("M", bound=BaseModel)


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

    def __init__(self, settings: Settings, limiter: RateLimiter | None = None) -> None:
        self.settings = settings
        # Always one: a 429 pauses every request of the run, with or without --rpm/--tpm.
        self.limiter = limiter or RateLimiter()
        self.prompt: PromptSet = load_prompt_set(settings.prompt_name, settings.prompts_dir)
        self.endpoint: Endpoint = select_endpoint(settings)
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

    async def summarize(self, document: Document) -> Outcome:
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
            messages = self.prompt.render(document, self.settings.language)
            client = await self._llm()
            checking = GROUNDING_CHECK.set(check)
            try:
                completion = await client.extract(messages, self.response_model(document))
            finally:
                GROUNDING_CHECK.reset(checking)
        except (LLMError, EngineError, ModelError, PromptError) as exc:
            self.breaker.record(exc)
            return self._failure(document, exc)
        except Exception as exc:  # one document's surprise must not cost the others theirs
            logger.warning(
                "%s: unexpected %s, please report it", document.source, type(exc).__name__
            )
            logger.debug("unexpected error on %s", document.source, exc_info=True)
            return FailedDocument(
                id=document.id,
                source=document.source,
                error=f"unexpected error: {type(exc).__name__}: {exc}",
            )
        self.breaker.record(None)
        return build_result(document, completion, self, check, time.monotonic() - started)

    def response_model(self, document: Document) -> type[Extraction]:
        """What the model fills in for this document: only in the scripts it is written in,
        and those of --language."""
        scripts = scripts_of(document.text)
        if self.settings.language:
            extra = language_scripts(self.settings.language)
            if extra is None:  # a language we cannot place: no restriction rather than a wrong one
                return Extraction
            scripts |= extra
        return in_scripts(Extraction, scripts)

    async def extract(
        self, messages: list[ChatCompletionMessageParam], response_model: type[M]
    ) -> Completion[M]:
        """Any other structured call of the run (a digest's summary), on the same model,
        engine and cassette."""
        client = await self._llm()
        return await client.extract(messages, response_model)

    def _failure(self, document: Document, exc: Exception) -> FailedDocument:
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
                except (EngineError, ModelError) as exc:
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


def build_result(
    document: Document,
    completion: Completion[Extraction],
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
        facts = [f for f in facts if _well_founded(f)]
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
        prompt=PromptInfo(name=run.prompt.name, hash=run.prompt.hash),
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


def _well_founded(fact: Fact) -> bool:
    """Kept by --strict: located, and not contradicted by its evidence."""
    evidence = fact.evidence
    return (
        evidence.status != GroundingStatus.UNGROUNDED
        and evidence.support != SupportVerdict.UNSUPPORTED
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
