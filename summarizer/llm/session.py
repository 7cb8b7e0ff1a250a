"""The model for one run: its client, made on first use (starting the embedded engine when the
endpoint needs it), the cassette being recorded or replayed around every call and web fetch,
and all of it closed on exit."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import replace
from types import TracebackType

from openai.types.chat import ChatCompletionMessageParam

from summarizer.errors import CassetteError, LLMError, RunError
from summarizer.llm.client import Call, Completion, LLMClient, M, Pending
from summarizer.llm.engine import open_local_engine
from summarizer.llm.limits import RateLimiter
from summarizer.llm.providers import Endpoint
from summarizer.llm.recording import open_cassette
from summarizer.settings import Settings


class ModelSession:
    """Use as an async context manager. Concurrent first calls start one engine, not many;
    an engine or cassette that cannot be used fails every call with the same one line."""

    def __init__(
        self, endpoint: Endpoint, settings: Settings, limiter: RateLimiter | None = None
    ) -> None:
        self.endpoint = endpoint
        self.settings = settings
        # Always one: a 429 pauses every request of the run, with or without --rpm/--tpm.
        self.limiter = limiter or RateLimiter()
        self._stack = AsyncExitStack()
        self._client: LLMClient | None = None
        self._connecting = asyncio.Lock()
        self._startup_error: str | None = None

    async def __aenter__(self) -> ModelSession:
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

    async def extract(
        self,
        messages: list[ChatCompletionMessageParam],
        response_model: type[M],
        call: Call | None = None,
    ) -> Completion[M] | Pending:
        client = await self.client()
        return await client.extract(messages, response_model, call)

    async def client(self) -> LLMClient:
        async with self._connecting:
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
