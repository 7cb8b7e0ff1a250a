"""How many parallel slots should the embedded engine run a batch with? Measured, not guessed.

    python benchmarks/engine_slots.py [--docs 12] [--slots 1,4] [--ngram off,on]

Summarizes the same documents (the first N of SummEval dev) through the batch machinery on
a fresh engine and a fresh store for each configuration (slots, and n-gram speculation on
or off), with as many requests in flight as slots, and prints for each: the wall time,
documents per minute and its ratio to the first configuration, the median seconds a
document took (latency grows with slots while throughput may too), and the completion
tokens decoded per second across slots. The fastest configuration is printed last: it is
what `summarizer.runs.runner.ENGINE_BATCH_SLOTS` should say.

Before the clock starts, each slot reads the shared system prompt once (one warm-up
document per slot, not timed): a batch of thousands pays that once per slot, a benchmark of
twelve documents would pay it out of all proportion.

Decoding one sequence is bound by memory bandwidth, so several sequences might decode in
about the time of one; n-gram speculation already verifies several drafted tokens per step
for one sequence, which is the same saving.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from summarizer.extraction.models import DocumentResult
from summarizer.inputs.documents import Document
from summarizer.pipeline import Outcome, Summarizer
from summarizer.runs.executors import Local
from summarizer.runs.pricing import load_prices
from summarizer.runs.runner import Runner
from summarizer.runs.store import Store
from summarizer.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT.parent / "shared" / "eval" / "summeval_dev.jsonl"


def load_documents(path: Path, count: int) -> list[Document]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:count]]
    return [Document(id=row["id"], source=row["id"], text=row["text"]) for row in rows]


async def run(
    slots: int, ngram: bool, warm_up: list[Document], documents: list[Document]
) -> tuple[float, list[Outcome]]:
    settings = Settings.from_env(parallel_slots=slots, ngram_speculation=ngram)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as scratch, Store(Path(scratch) / "s.sqlite3") as store:
        summarizer = Summarizer(settings, window_cache=store)
        prices = load_prices(free=True)
        executor = Local(summarizer, slots)
        async with summarizer:
            await Runner(summarizer, executor, store, prices, lambda _: None).run(warm_up[:slots])
            job = Runner(summarizer, executor, store, prices, outcomes.append)
            started = time.monotonic()
            await job.run(documents)
            return time.monotonic() - started, outcomes


def report(name: str, seconds: float, outcomes: list[Outcome], baseline: float | None) -> float:
    results = [o for o in outcomes if isinstance(o, DocumentResult)]
    per_minute = 60 * len(results) / seconds
    completion = sum(r.usage.completion_tokens for r in results)
    latency = statistics.median(r.elapsed_s for r in results) if results else 0.0
    ratio = f"{per_minute / baseline:.2f}x" if baseline else "1.00x"
    print(
        f"{name}: {len(results)}/{len(outcomes)} docs in {seconds:.0f} s = "
        f"{per_minute:.2f} docs/min ({ratio} the first), median {latency:.1f} s per doc, "
        f"{completion / seconds:.1f} completion tokens/s",
        flush=True,
    )
    return per_minute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=12)
    parser.add_argument("--slots", default="1,4")
    parser.add_argument("--ngram", default="off,on", help="off, on or off,on")
    parser.add_argument("--dataset", type=Path, default=DATASET)
    args = parser.parse_args()
    slot_counts = [int(s) for s in args.slots.split(",")]
    documents = load_documents(args.dataset, args.docs + max(slot_counts))
    warm_up, timed = documents[args.docs :], documents[: args.docs]
    speeds: dict[str, float] = {}
    for ngram in (value == "on" for value in args.ngram.split(",")):
        for slots in slot_counts:
            name = f"{slots} slot(s), n-gram {'on' if ngram else 'off'}"
            seconds, outcomes = asyncio.run(run(slots, ngram, warm_up, timed))
            first = next(iter(speeds.values()), None)
            speeds[name] = report(name, seconds, outcomes, first)
    best = max(speeds, key=speeds.__getitem__)
    print(f"fastest: {best}, {speeds[best]:.2f} docs/min")


if __name__ == "__main__":
    main()
