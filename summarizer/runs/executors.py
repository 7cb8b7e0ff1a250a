"""Where a run's documents are summarized: an executor takes one document at a time from the
runner and gives back its outcome (Settled), or Pending while it waits for a provider's
batch. Here: `Local` (this process's event loop). Ray's actors are
summarizer.runs.ray_pool.RayExecutor; the provider's Batch API is
summarizer.runs.provider_batch.ProviderBatch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from summarizer.extraction.models import Outcome, Usage
from summarizer.inputs.documents import Document
from summarizer.pipeline import Pending, Summarizer
from summarizer.runs.pricing import PriceTable


@dataclass(frozen=True)
class Settled:
    """A document's outcome; in a Batch API run, with the tokens batches answered and those
    sent live, which are priced apart."""

    outcome: Outcome
    batch_usage: Usage | None = None
    live_usage: Usage | None = None

    def cost(self, prices: PriceTable, model: str) -> float | None:
        if self.batch_usage is None:
            return prices.cost(model, self.outcome.usage)
        batch = prices.cost(model, self.batch_usage, batch=True)
        live = prices.cost(model, self.live_usage or Usage())
        return None if batch is None or live is None else batch + live


class Executor(Protocol):
    """The runner calls `start` once, `summarize` for every document the store has no
    result for, `settle` between rounds while documents wait, and `close` at the end."""

    # Documents the runner keeps in flight at once.
    in_flight: int

    async def start(self) -> None: ...

    async def summarize(self, document: Document, key: str) -> Settled | Pending: ...

    async def settle(self, run_id: int) -> None: ...

    async def close(self) -> None: ...


class Local:
    """Documents summarized in this process, `in_flight` at once on one event loop."""

    def __init__(self, summarizer: Summarizer, in_flight: int) -> None:
        self.summarizer = summarizer
        self.in_flight = in_flight

    async def start(self) -> None:
        return None

    async def summarize(self, document: Document, key: str) -> Settled | Pending:
        outcome = await self.summarizer.summarize(document)
        return outcome if isinstance(outcome, Pending) else Settled(outcome)

    async def settle(self, run_id: int) -> None:
        return None  # nothing waits here

    async def close(self) -> None:
        return None
