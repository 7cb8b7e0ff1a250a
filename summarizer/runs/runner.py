"""The one runner of many documents: bounded concurrency, cache and resume through the store,
outcomes streamed to a sink; and the runners that `summarize`, `batch`, `digest` and `eval`
open, with their executor (summarizer.runs.executors) and store chosen from the settings."""

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

from summarizer.errors import BatchApiUnavailable, PromptError, ReadError, RequestLimitError
from summarizer.extraction.models import DocumentResult, FailedDocument
from summarizer.inputs.documents import Document, iter_documents
from summarizer.llm.limits import RateLimiter
from summarizer.llm.providers import Endpoint, select_endpoint
from summarizer.pipeline import Outcome, Pending, RequestKey, Summarizer, read_failure
from summarizer.runs.executors import Executor, Local
from summarizer.runs.pricing import PriceTable, load_prices
from summarizer.runs.provider_batch import BatchApiOptions, ProviderBatch
from summarizer.runs.ray_pool import RayOptions, RayPool, check_ray_settings
from summarizer.runs.store import LazyStore, RunTotals, Store, default_store_path
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


class Runner:
    """Many documents through one executor, with the store as cache, resume log and run
    record; each outcome goes to `sink` as soon as it is done.

    Documents flow through a bounded queue to as many workers as the executor keeps in
    flight, so memory stays flat however large the corpus. Each worker asks the store first
    (a cached result is never paid twice), else the executor, then records the outcome (one
    transaction) and hands it to the sink at once. Documents the executor leaves Pending
    (waiting for a provider's batch) go round again once it has settled.

    Without a store (`summarizer summarize`) nothing is cached or recorded: every document
    is summarized and handed on, in order when one is in flight.
    """

    def __init__(
        self,
        summarizer: Summarizer,
        executor: Executor,
        store: Store | None,
        prices: PriceTable,
        sink: Sink,
        *,
        command: str = "batch",
        progress: ProgressView | None = None,
    ) -> None:
        self.summarizer = summarizer
        self.executor = executor
        self.store = store
        self.prices = prices
        self.sink = sink
        self.command = command
        self.progress = progress
        self.totals = BatchTotals()

    @property
    def concurrency(self) -> int:
        return self.executor.in_flight

    async def run(self, documents: Iterable[Document | ReadError]) -> BatchTotals:
        """Every document's outcome to the sink; the totals. Enter the summarizer (`async
        with runner.summarizer`) around it: its engine and cassette serve the run."""
        run_id = self._start_run()
        finished = False
        try:
            await self.executor.start()
            waiting = await self._round(documents, run_id, first=True)
            while waiting:  # documents waiting for the provider's batches
                await self.executor.settle(run_id)
                waiting = await self._round(waiting, run_id, first=False)
            finished = True
        finally:
            if self.store is not None:
                self.store.update_run(run_id, self.totals.snapshot(), finished=finished)
            await self.executor.close()
        return self.totals

    def _start_run(self) -> int:
        if self.store is None:
            return 0
        run = self.summarizer
        return self.store.start_run(self.command, run.endpoint.model, run.prompt.hash)

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
                if self.store is not None and time.monotonic() - last_update > _RUN_UPDATE_EVERY_S:
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
        except (PromptError, RequestLimitError) as exc:  # this document's, before any call
            return FailedDocument(id=item.id, source=item.source, error=str(exc)), False, None
        hit = self.store.cached(key.key) if self.store is not None else None
        if hit is not None:
            # Same text under another name or path: the result, relabelled.
            return hit.model_copy(update={"id": item.id, "source": item.source}), True, 0.0
        level = logging.INFO if self.concurrency == 1 else logging.DEBUG
        logger.log(level, "summarizing %s (%d characters)", item.source, len(item.text))
        settled = await self.executor.summarize(item, key.key)
        if isinstance(settled, Pending):
            return None
        outcome = settled.outcome
        cost = settled.cost(self.prices, _model(outcome, key))
        if self.store is not None:
            self.store.save(key, outcome, cost, run_id)
        return outcome, False, cost


def _model(outcome: Outcome, key: RequestKey) -> str:
    return outcome.model if isinstance(outcome, DocumentResult) else key.model


# ---- the main job, for the CLI and for Python ---------------------------------------------


def store_path_for(settings: Settings) -> Path | None:
    """The store a run keeps: the one named, or the default one; None when recording a
    cassette with none named, so that every call is made and recorded rather than answered
    from an earlier run's cache (a batch then keeps a scratch store, removed after)."""
    if settings.store_path is None and settings.record_cassette is not None:
        return None
    return settings.store_path or default_store_path()


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    """The run's store (store_path_for), or a fresh one removed after."""
    with ExitStack() as stack:
        path = store_path_for(settings)
        if path is None:
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="summarizer-"))
            path = Path(scratch) / "store.sqlite3"
        yield stack.enter_context(Store(path))


def window_store(settings: Settings) -> LazyStore | None:
    """Where `summarize` keeps a long document's windows as they are read, so that a re-run
    resumes: the store, opened only if a document is long; None for no store."""
    path = store_path_for(settings)
    return None if path is None else LazyStore(path)


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
) -> Iterator[Runner]:
    """A runner as `summarizer batch` makes one: requests in flight and engine slots for
    the endpoint (settings.concurrency to choose), the store (settings.store_path), the
    price table (free on the embedded engine), outcomes handed to `sink` as they are done;
    with `batch_api`, the requests go through the provider's Batch API; with `ray`,
    documents are summarized by a Ray cluster's actors (this process still the store's only
    writer). Each of `prices`, `limiter`, `batch_api` and `ray`, when not given, comes from
    the settings (prices_path; rpm and tpm; batch_api, batch_fallback and batch_poll_s; ray,
    ray_address and ray_actors). Enter the runner's summarizer (`async with
    runner.summarizer`) around `runner.run`.

    >>> import asyncio
    >>> from pathlib import Path
    >>> from summarizer import Settings
    >>> settings = Settings.from_env(
    ...     replay_cassette=Path("cassettes/examples/002_f8c6bddbe5b99dbe.yaml"))
    >>> headlines = []
    >>> articles = iter_documents(["examples/articles/002_f8c6bddbe5b99dbe.txt"])
    >>> async def main(runner: Runner) -> BatchTotals:
    ...     async with runner.summarizer:
    ...         return await runner.run(articles)
    >>> with open_batch(settings, lambda outcome: headlines.append(outcome.status)) as runner:
    ...     totals = asyncio.run(main(runner))
    >>> totals.finished, headlines
    (1, ['ok'])
    """
    settings, in_flight = concurrency_for(settings, settings.concurrency)
    endpoint = select_endpoint(settings)
    batch_api = batch_api or batch_api_options(settings)
    ray = ray or ray_options(settings)
    limiter = limiter or rate_limiter(settings)
    prices = prices or settings.prices_path
    if batch_api is not None:
        check_batch_api(endpoint)
        if ray is not None:
            raise BatchApiUnavailable("--batch-api and --ray cannot be used together")
    if ray is not None:
        check_ray_settings(settings)
    price_table = load_prices(prices, free=endpoint.provider == "local")
    with ExitStack() as stack:
        store = stack.enter_context(open_store(settings))
        # Long documents resume at the window.
        summarizer = Summarizer(settings, limiter, window_cache=store)
        executor: Executor
        if batch_api is not None:
            executor = ProviderBatch(summarizer, store, settings, batch_api, in_flight)
        elif ray is not None:
            executor = RayPool(settings, ray, in_flight)
            stack.callback(executor.shutdown)  # also when the run never starts
        else:
            executor = Local(summarizer, in_flight)
        yield Runner(
            summarizer, executor, store, price_table, sink, command=command, progress=progress
        )


@contextmanager
def open_summarize(settings: Settings, sink: Sink) -> Iterator[Runner]:
    """A runner as `summarizer summarize` makes one: one document at a time, in order, and
    nothing cached or recorded but long documents' windows (so that a re-run resumes). The
    store is checked now, as `batch` checks it, though only a long document opens it."""
    with ExitStack() as stack:
        windows = window_store(settings)
        if windows is not None:
            windows.check()
            stack.callback(windows.close)
        summarizer = Summarizer(settings, window_cache=windows)
        prices = load_prices(None, free=summarizer.endpoint.provider == "local")
        yield Runner(summarizer, Local(summarizer, 1), None, prices, sink, command="summarize")


def rate_limiter(settings: Settings) -> RateLimiter | None:
    """--rpm and --tpm: a client-side limit on requests and tokens a minute."""
    if settings.rpm or settings.tpm:
        return RateLimiter(settings.rpm, settings.tpm)
    return None


def batch_api_options(settings: Settings) -> BatchApiOptions | None:
    if settings.batch_api:
        return BatchApiOptions(settings.batch_fallback, settings.batch_poll_s)
    return None


def ray_options(settings: Settings) -> RayOptions | None:
    """--ray-address alone implies --ray."""
    if settings.ray or settings.ray_address:
        return RayOptions(settings.ray_address, settings.ray_actors)
    return None


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
    or Documents) with the store's cache and resume log; each outcome goes to `sink`.

    >>> import asyncio
    >>> from pathlib import Path
    >>> from summarizer import Document, Settings
    >>> text = Path("examples/articles/002_f8c6bddbe5b99dbe.txt").read_text(encoding="utf-8")
    >>> settings = Settings.from_env(
    ...     replay_cassette=Path("cassettes/examples/002_f8c6bddbe5b99dbe.yaml"))
    >>> document = Document(id="gaza", source="gaza.txt", text=text)
    >>> totals = asyncio.run(run([document], settings))
    >>> totals.done
    1

    A second run of the same text is answered by the store, with no model call:

    >>> asyncio.run(run([document], settings)).cached
    1
    """
    settings = settings or Settings.from_env()
    documents = _documents(inputs)
    with open_batch(settings, sink or (lambda outcome: None)) as runner:
        async with runner.summarizer:
            return await runner.run(documents)


async def summarize(
    inputs: Iterable[str | Document | ReadError], settings: Settings | None = None
) -> list[Outcome]:
    """What `summarizer summarize` does, for Python: every input's outcome, in order, with
    nothing cached but long documents' windows (in settings.store_path's store, or the
    default one), so that a re-run of a long document resumes at the window."""
    settings = settings or Settings.from_env()
    outcomes: list[Outcome] = []
    with open_summarize(settings, outcomes.append) as runner:
        async with runner.summarizer:
            await runner.run(_documents(inputs))
    return outcomes


def _documents(inputs: Iterable[str | Document | ReadError]) -> Iterator[Document | ReadError]:
    for item in inputs:
        if isinstance(item, str):
            yield from iter_documents([item])
        else:
            yield item
