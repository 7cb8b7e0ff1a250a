"""`summarizer batch --ray`: a real Ray cluster on 127.0.0.1 (`ray start --head` and a worker
node), the documents summarized by its actors against the fault server, the store and the
output written by the driver alone."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.extraction.models import DocumentResult, FailedDocument
from summarizer.inputs.documents import Document
from summarizer.runs.ray_pool import RayOptions, RayPool
from summarizer.runs.runner import open_batch
from summarizer.runs.store import Store
from summarizer.settings import Settings
from summarizer.testing import FakeServer

RAY = Path(sys.executable).with_name("ray")
# The module runs on one xdist worker (--dist loadfile): its cluster is module-scoped, and
# `ray stop --force` at its end stops every Ray node on the machine.


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A head and a worker node started as an operator would, with a token of their own."""
    token = tmp_path_factory.mktemp("ray") / "auth_token"
    token.write_text(secrets.token_hex(32))
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}
    env = {**os.environ, **auth}
    address = f"127.0.0.1:{_free_port()}"
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats"]
    head = [str(RAY), "start", "--head", f"--port={address.split(':')[1]}"]
    try:
        subprocess.run([*head, "--include-dashboard=false", *common], env=env, check=True,
                       capture_output=True, timeout=120)  # fmt: skip
        subprocess.run([str(RAY), "start", f"--address={address}", *common], env=env,
                       check=True, capture_output=True, timeout=120)  # fmt: skip
        with pytest.MonkeyPatch.context() as patch:
            for name, value in auth.items():
                patch.setenv(name, value)
            yield address
    finally:
        subprocess.run([str(RAY), "stop", "--force"], env=env, capture_output=True, timeout=120)


def _corpus(text: str, count: int) -> list[Document]:
    return [
        Document(id=f"doc-{i:04d}", source=f"doc-{i:04d}", text=f"{text}\nRef {i}.")
        for i in range(count)
    ]


def _args(corpus: Path, out: Path, store: Path, url: str) -> list[str]:
    return ["batch", str(corpus), "-o", str(out), "--store", str(store), "--base-url", url,
            "--model", "m", "--api-key", "k", "--grounding-reasks", "0", "-q",
            "--concurrency", "8"]  # fmt: skip


def _lines(path: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return {row["id"]: {k: v for k, v in row.items() if k != "elapsed_s"} for row in rows}


def test_a_ray_run_gives_the_single_process_runs_jsonl(
    ray_cluster: str, tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in _corpus(text, 100))
    )
    runner = CliRunner()
    with FakeServer(completion, latency_s=0.02) as server:
        single = runner.invoke(
            app, _args(corpus, tmp_path / "single.jsonl", tmp_path / "single.db", server.url)
        )
        assert single.exit_code == 0, single.output
        server.reset_counts()
        args = _args(corpus, tmp_path / "ray.jsonl", tmp_path / "ray.db", server.url)
        spread = runner.invoke(app, [*args, "--ray", "--ray-address", ray_cluster])
        assert spread.exit_code == 0, spread.output
        assert server.requests == 100
    assert _lines(tmp_path / "ray.jsonl") == _lines(tmp_path / "single.jsonl")
    with Store(tmp_path / "ray.db") as store:
        [run] = store.runs()
        assert (run.totals.done, run.totals.failed, store.count("ok")) == (100, 0, 100)
    with FakeServer(completion) as server:  # a re-run: every result from the store
        again = runner.invoke(app, [*args, "--ray", "--ray-address", ray_cluster])
        assert again.exit_code == 0, again.output
        assert server.requests == 0


def test_killing_an_actor_mid_run_still_gives_one_line_per_document(
    ray_cluster: str, tmp_path: Path, article: tuple[str, dict[str, Any]]
) -> None:
    text, completion = article
    docs = _corpus(text, 60)
    outcomes: list[DocumentResult | FailedDocument] = []
    with FakeServer(completion, latency_s=0.2) as server:
        settings = Settings.from_env(
            {}, base_url=server.url, model="m", api_key="k", grounding_reasks=0,
            store_path=tmp_path / "s.db", concurrency=8,
        )  # fmt: skip
        pools: list[RayPool] = []

        def sink(outcome: DocumentResult | FailedDocument) -> None:
            outcomes.append(outcome)
            if len(outcomes) == 15:  # documents in flight on every actor
                pools[0].kill_one()

        with open_batch(settings, sink, ray=RayOptions(ray_cluster)) as job:
            pool = job.executor
            assert (
                isinstance(pool, RayPool) and len(pool.slots) == 2
            )  # one per CPU: head and worker
            pools.append(pool)

            async def go() -> None:
                async with job.summarizer:
                    await job.run(docs)

            asyncio.run(go())
            assert pool.lost_actors == 1 and pool.resent >= 1
    counts = Counter(o.id for o in outcomes)
    assert sorted(counts) == [d.id for d in docs] and set(counts.values()) == {1}
    assert all(o.status == "ok" for o in outcomes)
    with Store(tmp_path / "s.db") as store:
        assert store.count("ok") == 60


def test_ray_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("The council voted on Monday.")
    runner = CliRunner()
    url = ["--base-url", "http://127.0.0.1:9/v1", "--model", "m", "-q"]
    recording = runner.invoke(app, ["batch", str(doc), "--ray", "--record", "x.yaml", *url])
    assert recording.exit_code == 2
    assert "--ray cannot record a cassette" in recording.output
    both = runner.invoke(app, ["batch", str(doc), "--ray", "--batch-api", *url])
    assert both.exit_code == 2
    assert "--batch-api and --ray cannot be used together" in both.output
