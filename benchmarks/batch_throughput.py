"""Batch throughput, cache speed and memory, against a local server with fixed latency.

    python benchmarks/batch_throughput.py            # all figures (a few minutes)
    python benchmarks/batch_throughput.py --quick    # smaller corpora

Prints, measured in one run:
1. our throughput for 500 documents at concurrency 64 against a server answering every
   request after 200 ms, as a ratio to the ideal (64 / 0.2 s = 320 docs/s);
2. the same requests sent by a baseline written the way openai-cookbook's
   api_request_parallel_processor works (asyncio + aiohttp, a task per request, capacity
   tracking by requests per minute; its limit set to the same ideal), and our ratio to it;
3. a cached re-run of the same corpus (docs/s, no request made);
4. peak RSS of a batch of 1,000 and of 100,000 small documents (each in a fresh process).
The server returns a completion the embedded engine really produced (from cassettes/).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.batch import Batch  # noqa: E402
from summarizer.config import Settings  # noqa: E402
from summarizer.documents import Document, iter_documents  # noqa: E402
from summarizer.pipeline import Summarizer  # noqa: E402
from summarizer.pricing import load_prices  # noqa: E402
from summarizer.store import Store  # noqa: E402
from tests.conftest import ARTICLES, fully_grounded_example, recorded_completion  # noqa: E402
from tests.faultserver import FaultServer  # noqa: E402

LATENCY_S = 0.2
CONCURRENCY = 64


def corpus(count: int, text: str) -> Iterator[Document]:
    for i in range(count):
        yield Document(id=f"d{i}", source=f"d{i}", text=f"{text}\nRef {i}.")


async def run_ours(url: str, store: Store, docs: Iterator[Document], concurrency: int) -> float:
    settings = Settings.from_env({}, base_url=url, model="m", api_key="k", grounding_reasks=0)
    summarizer = Summarizer(settings)
    job = Batch(summarizer, store, load_prices(), lambda _o: None, concurrency)
    started = time.perf_counter()
    async with summarizer:
        totals = await job.run(docs)
    assert totals.failed == 0, totals.describe()
    return time.perf_counter() - started


async def run_cookbook_style(url: str, requests: list[dict[str, Any]], max_rpm: float) -> float:
    """The structure of api_request_parallel_processor.py, trimmed to what runs here."""
    available = max_rpm
    last_update = time.time()
    pending: list[asyncio.Task[None]] = []
    queue = list(requests)
    started = time.perf_counter()

    async with aiohttp.ClientSession() as session:

        async def call(body: dict[str, Any]) -> None:
            async with session.post(f"{url}/chat/completions", json=body) as response:
                payload = await response.json()
                json.loads(payload["choices"][0]["message"]["content"])

        while queue or any(not t.done() for t in pending):
            now = time.time()
            available = min(available + max_rpm * (now - last_update) / 60.0, max_rpm)
            last_update = now
            if queue and available >= 1:
                available -= 1
                pending.append(asyncio.create_task(call(queue.pop(0))))
            await asyncio.sleep(0.001)  # the script's seconds_to_sleep_each_loop
        await asyncio.gather(*pending)
    return time.perf_counter() - started


def rss_child(count: int) -> None:
    """In a fresh process: batch `count` small documents from a JSONL file, print peak RSS."""
    completion = recorded_completion(fully_grounded_example())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "corpus.jsonl"
        with path.open("w") as handle:
            for i in range(count):
                handle.write(
                    json.dumps({"id": f"d{i}", "text": f"Short item number {i} of the corpus."})
                    + "\n"
                )
        with FaultServer(completion) as server, Store(Path(tmp) / "s.db") as store:
            out = (Path(tmp) / "out.jsonl").open("w")

            async def go() -> None:
                settings = Settings.from_env(
                    {}, base_url=server.url, model="m", api_key="k", grounding_reasks=0
                )
                summarizer = Summarizer(settings)
                job = Batch(
                    summarizer,
                    store,
                    load_prices(),
                    lambda o: out.write(o.model_dump_json() + "\n"),
                    CONCURRENCY,
                )
                async with summarizer:
                    await job.run(iter_documents([str(path)]))

            started = time.perf_counter()
            asyncio.run(go())
            out.close()
            seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"count": count, "peak_rss_mb": round(peak_mb, 1), "seconds": round(seconds, 1)})
    )


def peak_rss(count: int) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--rss-child", str(count)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rss-child", type=int)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child)
        return
    stem = fully_grounded_example()
    text = (ARTICLES / f"{stem}.txt").read_text(encoding="utf-8")
    completion = recorded_completion(stem)
    count = 200 if args.quick else 500
    ideal = CONCURRENCY / LATENCY_S
    with (
        tempfile.TemporaryDirectory() as tmp,
        FaultServer(completion, latency_s=LATENCY_S) as server,
        Store(Path(tmp) / "s.db") as store,
    ):
        ours = asyncio.run(run_ours(server.url, store, corpus(count, text), CONCURRENCY))
        ours_rate = count / ours
        print(
            f"ours: {count} docs at concurrency {CONCURRENCY}, {LATENCY_S * 1000:.0f} ms latency: "
            f"{ours:.2f} s = {ours_rate:.1f} docs/s; ideal {ideal:.0f} docs/s; "
            f"ratio {ours_rate / ideal:.3f}"
        )
        bodies = [server_request_body(text, i) for i in range(count)]
        base = asyncio.run(run_cookbook_style(server.url, bodies, max_rpm=ideal * 60))
        base_rate = count / base
        print(
            f"cookbook-style baseline (limit {ideal * 60:,.0f} requests/min): {base:.2f} s = "
            f"{base_rate:.1f} docs/s; ratio to ideal {base_rate / ideal:.3f}; "
            f"ours / baseline {ours_rate / base_rate:.3f}"
        )
        # Fill the cache with a larger corpus (the first `count` are cached already), then time
        # a re-run that must make no request at all.
        cached_count = 2000 if args.quick else 5000
        asyncio.run(run_ours(server.url, store, corpus(cached_count, text), CONCURRENCY))
        server.reset_counts()
        cached = asyncio.run(run_ours(server.url, store, corpus(cached_count, text), CONCURRENCY))
        print(
            f"cached re-run: {cached_count} docs in {cached:.2f} s = "
            f"{cached_count / cached:,.0f} docs/s (goal >= 1,000), {server.requests} requests"
        )
    small, large = (1_000, 20_000) if args.quick else (1_000, 100_000)
    a, b = peak_rss(small), peak_rss(large)
    print(
        f"peak RSS: {small:,} docs {a['peak_rss_mb']} MB ({a['seconds']} s); {large:,} docs "
        f"{b['peak_rss_mb']} MB ({b['seconds']} s); growth {b['peak_rss_mb'] - a['peak_rss_mb']:.1f} MB (goal < 50 MB)"
    )


def server_request_body(text: str, i: int) -> dict[str, Any]:
    return {
        "model": "m",
        "messages": [{"role": "user", "content": f"{text}\nRef {i}."}],
        "temperature": 0,
    }


if __name__ == "__main__":
    main()
