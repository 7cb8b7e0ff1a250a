"""The single-process batch against `batch --ray`, one actor per core, measured in one run.

    python benchmarks/ray_scaling.py [--docs 600] [--actors 1 2]

The server (aiohttp on 127.0.0.1, 200 ms per answer, the completion the embedded engine
really produced) runs in this process; each configuration runs in a process of its own, at
concurrency 64 in all (64 / 0.2 s = 320 docs/s is the ideal), with a fresh store:
1. the single-process batch (`summarizer.runs.runner.open_batch`, as `summarizer batch` runs it);
2. `--ray` on a local cluster of this machine's cores, with 1, 2, ... actors (the requests
   in flight shared among them); each actor is up before the clock starts, so the figure is
   the steady state, and the cluster's start-up is printed apart.
Prints docs/s, the ratio to the ideal, the driver's CPU per document (in a single process,
all of the client's), and the scaling factor per added actor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer.inputs.documents import Document  # noqa: E402
from summarizer.runs.ray_pool import RayOptions, RayPool  # noqa: E402
from summarizer.runs.runner import open_batch  # noqa: E402
from summarizer.settings import Settings  # noqa: E402
from summarizer.testing import (  # noqa: E402
    ARTICLES,
    FakeServer,
    fully_grounded_example,
    recorded_completion,
)

LATENCY_S = 0.2
CONCURRENCY = 64


def corpus(count: int) -> list[Document]:
    text = (ARTICLES / f"{fully_grounded_example()}.txt").read_text(encoding="utf-8")
    return [Document(id=f"d{i}", source=f"d{i}", text=f"{text}\nRef {i}.") for i in range(count)]


def child(url: str, docs: int, actors: int, store: Path) -> dict[str, float]:
    """One configuration, in this process: 0 actors is the single-process batch."""
    settings = Settings.from_env(
        {},
        base_url=url,
        model="m",
        api_key="k",
        grounding_reasks=0,
        store_path=store,
        concurrency=CONCURRENCY,
    )
    documents = corpus(docs)
    ray = RayOptions(actors=actors) if actors else None
    started = time.perf_counter()
    with open_batch(settings, lambda outcome: None, ray=ray) as job:

        async def go() -> tuple[float, float, float, int]:
            if isinstance(job.executor, RayPool):
                await job.executor.ready()
            ready, cpu = time.perf_counter(), time.process_time()
            async with job.summarizer:
                totals = await job.run(documents)
            return ready, time.perf_counter(), time.process_time() - cpu, totals.done

        ready, finished, cpu_s, done = asyncio.run(go())
    if done != docs:
        raise RuntimeError(f"{done} of {docs} documents done")
    return {"start_s": ready - started, "run_s": finished - ready, "driver_cpu_s": cpu_s}


def measure(url: str, docs: int, actors: int, tmp: Path) -> dict[str, float]:
    store = tmp / f"store-{actors}.db"
    command = [sys.executable, __file__, "--child", url, str(docs), str(actors), str(store)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{actors} actors: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--actors", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--child", nargs=4, metavar=("URL", "DOCS", "ACTORS", "STORE"))
    args = parser.parse_args()
    if args.child:
        url, docs, actors, store = args.child
        print(json.dumps(child(url, int(docs), int(actors), Path(store))))
        return
    ideal = CONCURRENCY / LATENCY_S
    stem = fully_grounded_example()
    print(
        f"{args.docs} documents, concurrency {CONCURRENCY} in all, {LATENCY_S * 1000:.0f} ms "
        f"a request: ideal {ideal:.0f} docs/s"
    )
    rates: dict[int, float] = {}
    with (
        tempfile.TemporaryDirectory() as name,
        FakeServer(recorded_completion(stem), latency_s=LATENCY_S) as server,
    ):
        for actors in [0, *args.actors]:
            figures = measure(server.url, args.docs, actors, Path(name))
            rates[actors] = args.docs / figures["run_s"]
            label = "single process" if not actors else f"--ray, {actors} actor(s)"
            start = f"; cluster and actors up in {figures['start_s']:.1f} s" if actors else ""
            cpu_ms = 1000 * figures["driver_cpu_s"] / args.docs
            print(
                f"{label}: {rates[actors]:.1f} docs/s, {rates[actors] / ideal:.3f} of the "
                f"ideal; driver CPU {cpu_ms:.1f} ms a document{start}"
            )
    previous = None
    for actors in args.actors:
        if previous is not None:
            factor = rates[actors] / rates[previous]
            print(f"scaling {previous} -> {actors} actors: x{factor:.2f}")
        previous = actors
    most = args.actors[-1]
    print(f"--ray with {most} actor(s) vs the single process: x{rates[most] / rates[0]:.2f}")


if __name__ == "__main__":
    main()
