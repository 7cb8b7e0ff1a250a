"""Batch throughput, cache speed and memory, against a local server with fixed latency.

    python benchmarks/batch_throughput.py            # all figures (several minutes)
    python benchmarks/batch_throughput.py --quick    # smaller corpora

The server (aiohttp on 127.0.0.1, returning a completion the embedded engine really produced)
runs in this process; every client runs in a process of its own, so neither steals the
other's interpreter. Prints, measured in one run:
1. `summarizer batch` on 500 documents at concurrency 64 against 200 ms latency, as a ratio
   to the ideal (64 / 0.2 s = 320 docs/s), the CPU each document costs the client and the
   server (which bounds the throughput on this machine), and the same run at a longer latency
   (`--slower`), where the CPU is not the bound;
2. the same requests sent by a baseline written the way openai-cookbook's
   api_request_parallel_processor works (asyncio + aiohttp, a task per request, capacity
   tracked in requests per minute, set here to the same ideal; no validation, no grounding),
   and our throughput relative to it;
3. a cached re-run (docs/s; the server counts zero requests);
4. peak RSS of a batch of 1,000 and of a larger corpus of small documents (`--large N`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.testing import (  # noqa: E402
    ARTICLES,
    FakeServer,
    fully_grounded_example,
    recorded_completion,
)

LATENCY_S = 0.2
CONCURRENCY = 64
_SECONDS = re.compile(r"· ([\d.]+) s · store")


def write_corpus(path: Path, count: int, text: str) -> Path:
    with path.open("w") as handle:
        for i in range(count):
            handle.write(json.dumps({"id": f"d{i}", "text": f"{text}\nRef {i}."}) + "\n")
    return path


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(url: str, corpus: Path, store: Path, out: Path) -> float:
    """`summarizer batch` in its own process; the seconds it reports for the batch itself."""
    command = [
        sys.executable,
        "-m",
        "summarizer",
        "batch",
        str(corpus),
        "-o",
        str(out),
        "--store",
        str(store),
        "--base-url",
        url,
        "--model",
        "m",
        "--api-key",
        "k",
        "--concurrency",
        str(CONCURRENCY),
        "--grounding-reasks",
        "0",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    match = _SECONDS.search(done.stderr)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"batch failed ({done.returncode}): {done.stderr[-2000:]}")
    return float(match.group(1))


async def cookbook_style(url: str, bodies: list[dict[str, Any]], max_rpm: float) -> float:
    """The structure of api_request_parallel_processor.py, trimmed to what runs here."""
    available, last_update = max_rpm, time.time()
    pending: list[asyncio.Task[None]] = []
    queue = list(bodies)
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


def run_baseline(url: str, corpus: Path, max_rpm: float) -> float:
    command = [sys.executable, __file__, "--baseline", url, str(corpus), str(max_rpm)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def peak_rss_mb(url: str, count: int, tmp: Path) -> tuple[float, float]:
    """Peak RSS of a batch of `count` small documents, in a fresh process (after the others)."""
    corpus = write_corpus(tmp / f"small{count}.jsonl", count, "A short item of the corpus.")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds = run_batch(url, corpus, tmp / f"rss{count}.db", tmp / f"rss{count}.jsonl")
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(before, after) / 1024, seconds


def print_cpu_ceiling(count: int, client_cpu: float, server_cpu: float, ideal: float) -> None:
    """What one event loop allows: each answer costs the client `per_doc` of CPU, and a
    request goes out again only once its answer is processed. With C requests in flight
    answered after L seconds, the C answers of a round queue for the one core, so a round
    takes L + C * per_doc and the throughput is C / (L + C * per_doc)."""
    per_doc = client_cpu / count
    predicted = CONCURRENCY / (LATENCY_S + CONCURRENCY * per_doc)
    print(
        f"CPU per document: client {1000 * per_doc:.1f} ms (start-up not counted), server "
        f"{1000 * server_cpu / count:.1f} ms; one event loop: at most {1 / per_doc:.0f} docs/s, "
        f"and C / (L + C x cpu) predicts {predicted:.0f} docs/s ({predicted / ideal:.2f} of the "
        f"ideal); 0.95 would need {1000 * LATENCY_S / CONCURRENCY / 19:.2f} ms per document"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--large",
        type=int,
        help="documents in the large memory run [20,000; 100,000 takes ~25 min]",
    )
    parser.add_argument(
        "--slower",
        type=float,
        nargs="*",
        default=[1.0],
        help="also run at these latencies (s), where the CPU is no longer the bound [1.0]",
    )
    parser.add_argument("--baseline", nargs=3, metavar=("URL", "CORPUS", "RPM"))
    args = parser.parse_args()
    if args.baseline:
        url, corpus, rpm = args.baseline
        bodies = [
            {"model": "m", "messages": [{"role": "user", "content": json.loads(line)["text"]}]}
            for line in Path(corpus).read_text().splitlines()
        ]
        print(asyncio.run(cookbook_style(url, bodies, float(rpm))))
        return
    stem = fully_grounded_example()
    text = (ARTICLES / f"{stem}.txt").read_text(encoding="utf-8")
    completion = recorded_completion(stem)
    count = 200 if args.quick else 500
    cached_count = 2_000 if args.quick else 5_000
    large = args.large or (5_000 if args.quick else 20_000)
    slower: list[float] = args.slower
    ideal = CONCURRENCY / LATENCY_S
    with (
        tempfile.TemporaryDirectory() as name,
        FakeServer(completion, latency_s=LATENCY_S) as server,
    ):
        tmp = Path(name)
        corpus = write_corpus(tmp / "corpus.jsonl", count, text)
        start_up = children_cpu_s()
        one = write_corpus(tmp / "one.jsonl", 1, text)
        run_batch(server.url, one, tmp / "one.db", tmp / "out.jsonl")
        start_up = children_cpu_s() - start_up  # imports and set-up, paid once per process
        client_before, server_before = children_cpu_s(), time.process_time()
        ours = count / run_batch(server.url, corpus, tmp / "s.db", tmp / "out.jsonl")
        client_cpu = children_cpu_s() - client_before - start_up
        server_cpu = time.process_time() - server_before
        print(
            f"ours: {count} docs, concurrency {CONCURRENCY}, {LATENCY_S * 1000:.0f} ms latency: "
            f"{ours:.1f} docs/s; ideal {ideal:.0f}; ratio {ours / ideal:.3f}"
        )
        print_cpu_ceiling(count, client_cpu, server_cpu, ideal)
        for latency in slower:
            server.latency_s = latency
            slow_ideal = CONCURRENCY / latency
            slow = count / run_batch(server.url, corpus, tmp / f"s{latency}.db", tmp / "out.jsonl")
            print(
                f"ours at {latency * 1000:.0f} ms latency: {slow:.1f} docs/s; "
                f"ideal {slow_ideal:.0f}; ratio {slow / slow_ideal:.3f}"
            )
        server.latency_s = LATENCY_S
        base = count / run_baseline(server.url, corpus, ideal * 60)
        print(
            f"cookbook-style baseline: {base:.1f} docs/s; ratio to ideal {base / ideal:.3f}; "
            f"ours / baseline {ours / base:.3f}"
        )
        big = write_corpus(tmp / "big.jsonl", cached_count, text)
        run_batch(server.url, big, tmp / "s.db", tmp / "out.jsonl")  # fill the cache
        server.reset_counts()
        cached = cached_count / run_batch(server.url, big, tmp / "s.db", tmp / "out.jsonl")
        print(
            f"cached re-run: {cached_count:,} docs: {cached:,.0f} docs/s (goal >= 1,000); "
            f"{server.requests} requests"
        )
        server.latency_s = 0.0
        small_mb, small_s = peak_rss_mb(server.url, 1_000, tmp)
        large_mb, large_s = peak_rss_mb(server.url, large, tmp)
        print(
            f"peak RSS: 1,000 docs {small_mb:.0f} MB ({small_s:.0f} s); {large:,} docs "
            f"{large_mb:.0f} MB ({large_s:.0f} s); growth {large_mb - small_mb:.1f} MB (goal < 50 MB)"
        )


if __name__ == "__main__":
    main()
