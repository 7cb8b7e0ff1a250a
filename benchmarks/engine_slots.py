"""How many parallel slots should the embedded engine run a batch with? Measured, not guessed.

    python benchmarks/engine_slots.py [--docs 12] [--slots 1,2,3,4] [--dataset PATH]

Summarizes the same documents (the first N of SummEval dev) through the batch machinery on
a fresh engine and a fresh store for each slot count, with as many requests in flight as
slots, and prints for each: the wall time, documents per minute and its ratio to one slot,
the median seconds a document took (latency grows with slots while throughput does too), the
completion tokens decoded per second across slots, and how many prompt tokens the engine
read rather than took from its cache. The fastest count is printed last: it is what
`summarizer.batch.ENGINE_BATCH_SLOTS` should say.

Decoding is bound by memory bandwidth, so several sequences decode in about the time of one;
reading prompts is bound by compute and does not get faster. Each slot reads the shared
system prompt once (about 800 tokens) before its prefix is cached, which a batch of
thousands pays once per slot.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from summarizer.batch import Batch
from summarizer.config import Settings
from summarizer.documents import Document
from summarizer.pipeline import Outcome, Summarizer
from summarizer.pricing import load_prices
from summarizer.schemas import DocumentResult
from summarizer.store import Store

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "eval" / "summeval_dev.jsonl"


def load_documents(path: Path, count: int) -> list[Document]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:count]]
    return [Document(id=row["id"], source=row["id"], text=row["text"]) for row in rows]


async def run(slots: int, documents: list[Document]) -> tuple[float, list[Outcome]]:
    settings = Settings.from_env(parallel_slots=slots)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as scratch, Store(Path(scratch) / "s.sqlite3") as store:
        summarizer = Summarizer(settings)
        job = Batch(summarizer, store, load_prices(free=True), outcomes.append, slots)
        async with summarizer:
            started = time.monotonic()
            await job.run(documents)
            return time.monotonic() - started, outcomes


def report(slots: int, seconds: float, outcomes: list[Outcome], baseline: float | None) -> float:
    results = [o for o in outcomes if isinstance(o, DocumentResult)]
    per_minute = 60 * len(results) / seconds
    completion = sum(r.usage.completion_tokens for r in results)
    latency = statistics.median(r.elapsed_s for r in results) if results else 0.0
    ratio = f"{per_minute / baseline:.2f}x" if baseline else "1.00x"
    print(
        f"{slots} slot(s): {len(results)}/{len(outcomes)} docs in {seconds:.0f} s = "
        f"{per_minute:.2f} docs/min ({ratio} one slot), median {latency:.1f} s per doc, "
        f"{completion / seconds:.1f} completion tokens/s, "
        f"{sum(r.usage.prompt_tokens for r in results):,} prompt tokens sent",
        flush=True,
    )
    return per_minute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=12)
    parser.add_argument("--slots", default="1,2,3,4")
    parser.add_argument("--dataset", type=Path, default=DATASET)
    args = parser.parse_args()
    documents = load_documents(args.dataset, args.docs)
    speeds: dict[int, float] = {}
    for slots in (int(s) for s in args.slots.split(",")):
        seconds, outcomes = asyncio.run(run(slots, documents))
        speeds[slots] = report(slots, seconds, outcomes, speeds.get(1))
    best = max(speeds, key=speeds.__getitem__)
    print(f"fastest: {best} slot(s), {speeds[best]:.2f} docs/min")


if __name__ == "__main__":
    main()
