"""One document end to end: prompt -> model -> grounding -> DocumentResult (or FailedDocument)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
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
from summarizer.grounding import GroundingCheck, report
from summarizer.llm.client import Completion, LLMClient, LLMError
from summarizer.llm.engine import EngineError, open_local_engine
from summarizer.llm.limits import RateLimiter
from summarizer.llm.model_store import ModelError
from summarizer.llm.providers import Endpoint, select_endpoint
from summarizer.llm.recording import cassette, is_replay_miss
from summarizer.prompting import PromptError, PromptSet, load_prompt_set
from summarizer.schemas import (
    GROUNDING_CHECK,
    SCHEMA_VERSION,
    Attribution,
    DocumentResult,
    Entity,
    Evidence,
    Extraction,
    Fact,
    FailedDocument,
    GroundingStatus,
    PromptInfo,
    Summary,
)
from summarizer.store import RequestKey, params_json

logger = logging.getLogger(__name__)

Outcome = DocumentResult | FailedDocument
M = TypeVar("M", bound=BaseModel)


class Summarizer:
    """Holds the prompt, the endpoint and (lazily) the model client for a run.

    Use as an async context manager: the embedded engine, when needed, starts on the first
    document that reaches the model and stops on exit; a cassette being recorded is saved.
    Documents may be summarized concurrently.
    """

    def __init__(self, settings: Settings, limiter: RateLimiter | None = None) -> None:
        self.settings = settings
        self.limiter = limiter
        self.prompt: PromptSet = load_prompt_set(settings.prompt_name, settings.prompts_dir)
        self.endpoint: Endpoint = select_endpoint(settings)
        self._stack = AsyncExitStack()
        self._client: LLMClient | None = None
        self._connecting = asyncio.Lock()
        self._startup_error: str | None = None

    async def __aenter__(self) -> Summarizer:
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
        messages = json.dumps(self.prompt.render(document), sort_keys=True)
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
                "strict": s.strict,
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
        check = GroundingCheck(document.text, reasks_left=self.settings.grounding_reasks)
        try:
            messages = self.prompt.render(document)
            client = await self._llm()
            checking = GROUNDING_CHECK.set(check)
            try:
                completion = await client.extract(messages, Extraction)
            finally:
                GROUNDING_CHECK.reset(checking)
        except (LLMError, EngineError, ModelError, PromptError) as exc:
            return self._failure(document, exc)
        except Exception as exc:  # one document's surprise must not cost the others theirs
            logger.debug("unexpected error on %s", document.source, exc_info=True)
            return FailedDocument(
                id=document.id,
                source=document.source,
                error=f"unexpected error: {type(exc).__name__}: {exc}",
            )
        return build_result(document, completion, self, check, time.monotonic() - started)

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
        return FailedDocument(id=document.id, source=document.source, error=reason)

    async def _llm(self) -> LLMClient:
        async with self._connecting:  # concurrent first documents start one engine, not many
            if self._startup_error:
                raise LLMError(self._startup_error)
            if self._client is None:
                try:
                    self._client = await self._connect()
                except (EngineError, ModelError) as exc:
                    self._startup_error = str(exc)
                    raise
            return self._client

    async def _connect(self) -> LLMClient:
        endpoint = self.endpoint
        if endpoint.needs_engine:
            engine = await asyncio.to_thread(open_local_engine, self.settings)
            self._stack.callback(engine.stop)
            endpoint = replace(endpoint, base_url=engine.base_url)
        # The cassette opens after the engine so that its health checks are not recorded.
        if self.settings.replay_cassette:
            self._stack.enter_context(cassette(self.settings.replay_cassette, "none"))
        elif self.settings.record_cassette:
            self._stack.enter_context(cassette(self.settings.record_cassette, "all"))
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
    evidence = check.locate_all(f.verbatim_quote for f in extraction.facts)
    facts = _facts(extraction, evidence)
    dropped = 0
    if run.settings.strict:
        kept = [f for f in facts if f.evidence.status != GroundingStatus.UNGROUNDED]
        dropped = len(facts) - len(kept)
        if dropped:
            logger.warning("%s: dropped %d ungrounded fact(s) (--strict)", document.source, dropped)
        facts = kept
    return DocumentResult(
        id=document.id,
        source=document.source,
        sha256=document.sha256,
        summary=Summary(
            headline=extraction.headline,
            text=extraction.summary,
            key_points=extraction.key_points,
        ),
        facts=facts,
        entities=[Entity(**e.model_dump()) for e in extraction.entities],
        grounding=report((f.evidence for f in facts), reasks=check.reasks_used, dropped=dropped),
        model=completion.model,
        provider=run.endpoint.provider,
        prompt=PromptInfo(name=run.prompt.name, hash=run.prompt.hash),
        usage=completion.usage,
        elapsed_s=round(elapsed_s, 2),
    )


def _facts(extraction: Extraction, evidence: list[Evidence]) -> list[Fact]:
    return [
        Fact(
            id=f"f{number}",
            type=fact.type,
            statement=fact.statement,
            who=fact.who,
            what=fact.what,
            when=fact.when,
            where=fact.where,
            attribution=Attribution(kind=fact.attribution, source=fact.attributed_to),
            evidence=found,
        )
        for number, (fact, found) in enumerate(zip(extraction.facts, evidence, strict=True), 1)
    ]


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
