"""Batch a corpus: bounded concurrency, cache and resume through the store, streamed output.

Documents flow through a bounded queue to N workers, so memory stays flat however large the
corpus. Each worker asks the store first (a cached result is never paid twice), else the
model, then records the outcome (one transaction) and hands it to the sink at once.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Protocol

from summarizer.errors import BatchApiUnavailable, PromptError, ReadError
from summarizer.extraction.models import DocumentResult, FailedDocument
from summarizer.inputs.documents import Document, iter_documents
from summarizer.llm.limits import RateLimiter
from summarizer.llm.providers import Endpoint, select_endpoint
from summarizer.pipeline import Outcome, Summarizer, read_failure
from summarizer.runs.pricing import PriceTable, load_prices
from summarizer.runs.provider_batch import BatchApiOptions, ProviderBatch
from summarizer.runs.ray_pool import RayOptions, RayPool, check_ray_settings
from summarizer.runs.store import LazyStore, RequestKey, RunTotals, Store, default_store_path
from summarizer.settings import Settings

logger = logging.getLogger(__name__)

_RUN_UPDATE_EVERY_S = 2.0
# Requests in flight on a remote endpoint: its rate limits, not the client, are the bound.
REMOTE_CONCURRENCY = 16
# Parallel slots of the embedded engine for a batch: decoding several answers at once costs
# little more than one. `python benchmarks/engine_slots.py` on 2 cores, 12 SummEval articles:
# 4 slots 3.23 documents a minute, 1 slot 2.71 (n-gram speculation off; 2.77 and 2.47 on).
ENGINE_BATCH_SLOTS = 4


def concurrency_for(settings: Settings, concurrency: int | None) -> tuple[Settings, int]:
    """Requests in flight for a batch, and the settings that serve them: on the embedded
    engine one slot per request, so that none waits in the engine's queue."""
    if select_endpoint(settings).provider != "local":
        return settings, concurrency or REMOTE_CONCURRENCY
    in_flight = concurrency or ENGINE_BATCH_SLOTS
    return replace(settings, parallel_slots=in_flight), in_flight


@dataclass
class BatchTotals:
    total: int | None = None
    done: int = 0
    failed: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    unpriced: int = 0  # documents whose model has no price
    started: float = field(default_factory=time.monotonic)

    @property
    def finished(self) -> int:
        return self.done + self.failed

    def add(self, outcome: Outcome, cached: bool, cost: float | None) -> None:
        if isinstance(outcome, FailedDocument):
            self.failed += 1
        else:
            self.done += 1
        if cached:
            self.cached += 1
            return  # paid for in an earlier run
        # A failed document's attempts were paid for too.
        self.prompt_tokens += outcome.usage.prompt_tokens
        self.completion_tokens += outcome.usage.completion_tokens
        if not outcome.usage.prompt_tokens + outcome.usage.completion_tokens:
            return  # nothing spent (an unreadable input): nothing to price
        if cost is None:
            self.unpriced += 1
        else:
            self.cost_usd += cost

    def snapshot(self) -> RunTotals:
        """The totals as the store keeps them: a cost only when every document was priced."""
        counts = {f.name: getattr(self, f.name) for f in fields(RunTotals) if f.name != "cost_usd"}
        return RunTotals(**counts, cost_usd=None if self.unpriced else round(self.cost_usd, 6))

    def describe(self) -> str:
        seconds = time.monotonic() - self.started
        cost = f"${self.cost_usd:.4f}" + (f" (+{self.unpriced} unpriced)" if self.unpriced else "")
        return (
            f"{self.finished} documents: {self.done} done ({self.cached} cached), "
            f"{self.failed} failed · {self.prompt_tokens:,} + {self.completion_tokens:,} tokens · "
            f"{cost} · {seconds:.1f} s"
        )


class ProgressView(Protocol):
    def update(self, totals: BatchTotals) -> None: ...


Sink = Callable[[Outcome], None]


@dataclass
class Batch:
    summarizer: Summarizer
    store: Store
    prices: PriceTable
    sink: Sink
    concurrency: int
    command: str = "batch"
    progress: ProgressView | None = None
    totals: BatchTotals = field(default_factory=BatchTotals)
    # The provider's Batch API instead of live calls (summarizer.runs.provider_batch).
    provider_batch: ProviderBatch | None = None
    # Documents summarized by a Ray cluster's actors, not in this process (summarizer.runs.ray_pool)
    remote: RayPool | None = None

    async def run(self, documents: Iterable[Document | ReadError]) -> BatchTotals:
        if self.summarizer.window_cache is None:  # long documents resume at the window
            self.summarizer.window_cache = self.store
        run_id = self.store.start_run(
            self.command, self.summarizer.endpoint.model, self.summarizer.prompt.hash
        )
        finished = False
        try:
            if self.provider_batch is not None:
                await self.provider_batch.recover()
            waiting = await self._round(documents, run_id, first=True)
            while waiting:  # documents waiting for the provider's batches
                assert self.provider_batch is not None
                await self.provider_batch.settle(run_id)
                waiting = await self._round(waiting, run_id, first=False)
            finished = True
        finally:
            self.store.update_run(run_id, self.totals.snapshot(), finished=finished)
            if self.provider_batch is not None:
                await self.provider_batch.close()
        return self.totals

    async def _round(
        self, documents: Iterable[Document | ReadError], run_id: int, first: bool
    ) -> list[Document]:
        """Every document through the workers; those left waiting for a batch, returned."""
        queue: asyncio.Queue[Document | ReadError | None] = asyncio.Queue(self.concurrency * 2)
        last_update = time.monotonic()
        waiting: list[Document] = []

        async def work() -> None:
            nonlocal last_update
            while (item := await queue.get()) is not None:
                done = await self._process(item, run_id)
                if done is None:
                    assert isinstance(item, Document)
                    waiting.append(item)
                    continue
                outcome, cached, cost = done
                self.sink(outcome)
                self.totals.add(outcome, cached, cost)
                if self.progress is not None:
                    self.progress.update(self.totals)
                if time.monotonic() - last_update > _RUN_UPDATE_EVERY_S:
                    last_update = time.monotonic()
                    self.store.update_run(run_id, self.totals.snapshot(), finished=False)

        async def feed() -> None:
            # Files are read in a thread: a slow disk or a large file must not stall the
            # requests in flight, which all share this event loop.
            items = iter(documents)
            count = 0
            while (item := await asyncio.to_thread(next, items, None)) is not None:
                count += 1
                await queue.put(item)
            if first:
                self.totals.total = count
            for _ in range(self.concurrency):
                await queue.put(None)

        tasks = [asyncio.create_task(feed())]
        tasks += [asyncio.create_task(work()) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:  # one failed or we were cancelled: stop the others too
                task.cancel()
        return waiting

    async def _process(
        self, item: Document | ReadError, run_id: int
    ) -> tuple[Outcome, bool, float | None] | None:
        """The document's outcome, whether the store had it, and its cost; None while it
        waits for a provider's batch."""
        if isinstance(item, ReadError):
            return read_failure(item), False, None
        try:
            key = self.summarizer.request_key(item)
        except PromptError as exc:
            return FailedDocument(id=item.id, source=item.source, error=str(exc)), False, None
        hit = self.store.cached(key.key)
        if hit is not None:
            # Same text under another name or path: the result, relabelled.
            return hit.model_copy(update={"id": item.id, "source": item.source}), True, 0.0
        if self.provider_batch is not None:
            settled = await self.provider_batch.summarize(self.summarizer, item, key.key)
            if settled is None:
                return None
            outcome = settled.outcome
            cost = settled.cost(self.prices, _model(outcome, key))
        else:
            summarize = self.summarizer.summarize if self.remote is None else self.remote.summarize
            outcome = await summarize(item)
            cost = self.prices.cost(_model(outcome, key), outcome.usage)
        self.store.save(key, outcome, cost, run_id)
        return outcome, False, cost


def _model(outcome: Outcome, key: RequestKey) -> str:
    return outcome.model if isinstance(outcome, DocumentResult) else key.model


# ---- the main job, for the CLI and for Python ---------------------------------------------


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    """The run's store: the one named, or the default one. Recording a cassette with none
    named, a fresh one, removed after, so that every call is made and recorded rather than
    answered from an earlier run's cache."""
    with ExitStack() as stack:
        path = settings.store_path
        if path is None and settings.record_cassette is not None:
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="summarizer-"))
            path = Path(scratch) / "store.sqlite3"
        yield stack.enter_context(Store(path or default_store_path()))


def window_store(settings: Settings) -> LazyStore | None:
    """Where `summarize` keeps a long document's windows as they are read, so that a re-run
    resumes: the store, opened only if a document is long. None when recording a cassette
    with no store named: then every call is made and recorded."""
    if settings.store_path is None and settings.record_cassette is not None:
        return None
    return LazyStore(settings.store_path or default_store_path())


@contextmanager
def open_batch(
    settings: Settings,
    sink: Sink,
    *,
    prices: Path | None = None,
    limiter: RateLimiter | None = None,
    command: str = "batch",
    progress: ProgressView | None = None,
    batch_api: BatchApiOptions | None = None,
    ray: RayOptions | None = None,
) -> Iterator[Batch]:
    """A batch job as the tool runs one: requests in flight and engine slots for the
    endpoint (settings.concurrency to choose), the store (settings.store_path), the price
    table (free on the embedded engine), outcomes handed to `sink` as they are done; with
    `batch_api`, the requests go through the provider's Batch API; with `ray`, documents
    are summarized by a Ray cluster's actors (this process still the store's only writer).
    Enter the job's summarizer (`async with job.summarizer`) around `job.run`."""
    settings, in_flight = concurrency_for(settings, settings.concurrency)
    summarizer = Summarizer(settings, limiter)
    if batch_api is not None:
        check_batch_api(summarizer.endpoint)
        if ray is not None:
            raise BatchApiUnavailable("--batch-api and --ray cannot be used together")
    if ray is not None:
        check_ray_settings(settings)
    price_table = load_prices(prices, free=summarizer.endpoint.provider == "local")
    with ExitStack() as stack:
        store = stack.enter_context(open_store(settings))
        job = Batch(summarizer, store, price_table, sink, in_flight, command, progress)
        if batch_api is not None:
            job.provider_batch = ProviderBatch(store, summarizer.endpoint, settings, batch_api)
        if ray is not None:
            job.remote = RayPool(settings, ray, in_flight)
            stack.callback(job.remote.close)
            job.concurrency = job.remote.in_flight
        yield job


def check_batch_api(endpoint: Endpoint) -> None:
    """The Batch API is OpenAI's (and its copies'): the embedded engine has none."""
    if endpoint.provider == "local":
        raise BatchApiUnavailable(
            "--batch-api needs a server with the Batch API (/v1/files and /v1/batches): "
            "OpenAI (an API key) or --base-url; the embedded engine has none"
        )
    if endpoint.api != "openai":
        raise BatchApiUnavailable(
            f"--batch-api speaks OpenAI's Batch API; {endpoint.provider} is not supported"
        )


async def run(
    inputs: Iterable[str | Document | ReadError],
    settings: Settings | None = None,
    sink: Sink | None = None,
) -> BatchTotals:
    """Summarize `inputs` (paths, globs, directories, tables or URLs as the CLI reads them,
    or Documents) with the store's cache and resume log; each outcome goes to `sink`."""
    settings = settings or Settings.from_env()
    documents = _documents(inputs)
    with open_batch(settings, sink or (lambda outcome: None)) as job:
        async with job.summarizer:
            return await job.run(documents)


def _documents(inputs: Iterable[str | Document | ReadError]) -> Iterator[Document | ReadError]:
    for item in inputs:
        if isinstance(item, str):
            yield from iter_documents([item])
        else:
            yield item
