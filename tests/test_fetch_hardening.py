"""Web pages that would hold a batch up or be read wrong: a server that sends a byte at a
time (within every read timeout, never done) is cut off at the fetch's deadline, whatever
stage it drips at; a page's charset is taken from its BOM, its headers or its <meta>."""

from __future__ import annotations

import json
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import ReadError
from summarizer.inputs import fetching
from summarizer.inputs.fetching import fetch_document

from .conftest import ARTICLES, fully_grounded_example, recorded_completion
from .faultserver import FaultServer

# A byte every DRIP_S, never more than DRIP_BYTES of them: a server that stops by itself.
DRIP_S = 0.05
DRIP_BYTES = 400
PAGE = b"<html><body><article><p>" + b"A sentence that takes its time. " * 20 + b"</p></article>"
# What each path sends at once, before it drips the rest of its answer a byte at a time.
DRIPS = {
    "/headers": (b"HTTP/1.1 200 OK\r\n", b"x-slow: " + b"z" * DRIP_BYTES + b"\r\n\r\n"),
    "/body": (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: %d\r\n\r\n" % len(PAGE),
        PAGE,
    ),
    "/unsized-body": (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n",
        PAGE,
    ),
    "/chunked": (
        b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ntransfer-encoding: chunked\r\n\r\n",
        b"".join(b"1\r\n%c\r\n" % byte for byte in PAGE) + b"0\r\n\r\n",
    ),
    "/redirect": (b"HTTP/1.1 302 Found\r\nlocation: /body\r\ncontent-length: 0\r\n\r\n", b""),
}
# Slow but finite: the same page in ten parts.
FINITE = "/finite"


class _Drip(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        request = self.request.recv(65536).decode("latin-1")
        path = request.split(" ", 2)[1] if " " in request else "/"
        at_once, dripped = DRIPS.get(path, (b"HTTP/1.1 404 Not Found\r\n\r\n", b""))
        step = 1
        if path == FINITE:
            at_once, dripped = DRIPS["/body"]
            step = len(dripped) // 10 + 1
        try:
            self.request.sendall(at_once)
            for start in range(0, min(len(dripped), DRIP_BYTES * step), step):
                time.sleep(DRIP_S)
                self.request.sendall(dripped[start : start + step])
        except OSError:
            return  # the client gave up: so does the server


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def drip_site() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Drip)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def dripping() -> Iterator[str]:
    with drip_site() as base:
        yield base


@pytest.mark.parametrize("path", ["/headers", "/body", "/unsized-body", "/chunked", "/redirect"])
def test_a_page_that_never_ends_is_cut_off_at_the_deadline(dripping: str, path: str) -> None:
    """Each read is answered within the read timeout (a byte every 0.05 s); the page would
    take 20 s to finish."""
    started = time.monotonic()
    with pytest.raises(ReadError) as error:
        fetch_document(dripping + path, timeout_s=1.0, deadline_s=1.0)
    elapsed = time.monotonic() - started
    assert error.value.source == dripping + path
    assert error.value.cause == "not fetched whole within 1 s (the deadline of a fetch)"
    assert elapsed < 3.0


def test_a_slow_page_that_ends_in_time_is_read() -> None:
    with drip_site() as base:
        page = fetch_document(base + FINITE, timeout_s=1.0, deadline_s=5.0)
    assert page.text.startswith("A sentence that takes its time.")
    assert fetching.FETCH_DEADLINE_S >= 60  # a 10 MB PDF at 100 kB/s is read


def test_a_batch_is_not_held_up_by_a_page_that_never_ends(
    dripping: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetching, "FETCH_DEADLINE_S", 1.0)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SUMMARIZER_MODEL"):
        monkeypatch.delenv(name, raising=False)
    good = ARTICLES / f"{fully_grounded_example()}.txt"
    out = tmp_path / "out.jsonl"
    with FaultServer(recorded_completion(fully_grounded_example())) as server:
        started = time.monotonic()
        outcome = CliRunner().invoke(
            app,
            [
                "batch",
                dripping + "/headers",
                str(good),
                dripping + "/body",
                "-o",
                str(out),
                "--store",
                str(tmp_path / "store.db"),
                "--base-url",
                server.url,
                "--model",
                "m",
                "--grounding-reasks",
                "0",
                "-q",
            ],
        )
    assert outcome.exit_code == 1, outcome.stderr
    assert time.monotonic() - started < 15
    records = {r["source"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert records[str(good)]["status"] == "ok"
    for path in ("/headers", "/body"):
        failed = records[dripping + path]
        assert failed["status"] == "failed" and "not fetched whole within 1 s" in failed["error"]
