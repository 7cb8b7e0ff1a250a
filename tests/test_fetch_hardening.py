"""Web pages that would hold a batch up or be read wrong: a server that sends a byte at a
time (within every read timeout, never done) is cut off at the fetch's deadline, whatever
stage it drips at; a page's charset is taken from its BOM, its headers or its <meta>, a web
page's and an HTML file's alike, and what is still not decoded is said."""

from __future__ import annotations

import json
import logging
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
from summarizer.inputs.documents import read_path
from summarizer.inputs.fetching import fetch_document
from summarizer.testing import ARTICLES, FakeServer, fully_grounded_example, recorded_completion

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
    "/redirect": (
        b"HTTP/1.1 302 Found\r\nlocation: /body\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        b"",
    ),
}
# Slow but finite: the same page in ten parts.
FINITE = "/finite"
# Pages sent at once: path -> (content type, body); filled in by the charset tests below.
PAGES: dict[str, tuple[str, bytes]] = {}


class _Drip(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        request = self.request.recv(65536).decode("latin-1")
        path = request.split(" ", 2)[1] if " " in request else "/"
        at_once, dripped = DRIPS.get(path, (b"HTTP/1.1 404 Not Found\r\n\r\n", b""))
        if path in PAGES:
            content_type, body = PAGES[path]
            head = f"HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\n"
            at_once = f"{head}content-length: {len(body)}\r\n\r\n".encode() + body
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
    with FakeServer(recorded_completion(fully_grounded_example())) as server:
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


# ---- charsets ----------------------------------------------------------------------------

FRENCH = "Le café de la place, où l’on boit un thé très chaud à midi, ferme en août. "
TEXT = FRENCH * 4


def _page(head: str, encoding: str, text: str = TEXT) -> bytes:
    html = f"<html><head>{head}<title>Le café</title></head><body><article><p>{text}</p>"
    return (html + "</article></body></html>").encode(encoding)


LATIN_1 = TEXT.replace("’", "'")  # ISO-8859-1 has no curly apostrophe
META = '<meta charset="iso-8859-1">'
HTTP_EQUIV = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
# name -> (content type, body, the text it holds): each read with no character lost.
DECLARED: dict[str, tuple[str, bytes, str]] = {
    "meta charset": ("text/html", _page(META, "latin-1", LATIN_1), LATIN_1),
    "meta http-equiv": ("text/html", _page(HTTP_EQUIV, "cp1252"), TEXT),
    "XHTML meta": ("application/xhtml+xml", _page(META, "latin-1", LATIN_1), LATIN_1),
    "header": ("text/html; charset=ISO-8859-1", _page("", "latin-1", LATIN_1), LATIN_1),
    "header over meta": (
        "text/html; charset=cp1252",
        _page(META.replace("iso-8859-1", "utf-8"), "cp1252"),
        TEXT,
    ),
    "UTF-8 BOM": ("text/html", b"\xef\xbb\xbf" + _page("", "utf-8"), TEXT),
    "UTF-16 BOM": ("text/html", _page("", "utf-16"), TEXT),
    "UTF-8 under a stale meta": ("text/html", _page(META, "utf-8"), TEXT),
    "UTF-8 undeclared": ("text/html", _page("", "utf-8"), TEXT),
}


class Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def warnings() -> Iterator[Warnings]:
    """The charset warnings, caught on their own logger: the CLI's log setup stops them
    reaching the root logger (and caplog) once a CLI test has run in this process."""
    handler = Warnings()
    log = logging.getLogger("summarizer.inputs.charsets")
    log.addHandler(handler)
    try:
        yield handler
    finally:
        log.removeHandler(handler)


def read_as(how: str, name: str, content_type: str, body: bytes, base: str, folder: Path) -> str:
    """The article text of `body`, fetched as a web page or read as a local HTML file."""
    if how == "web":
        path = "/" + name.replace(" ", "-")
        PAGES[path] = (content_type, body)
        return fetch_document(base + path).text
    file = folder / f"{name.replace(' ', '-')}.html"
    file.write_bytes(body)
    return read_path(str(file)).text


# A file has no HTTP header: the header cases are web pages only.
READINGS = [
    (how, name)
    for name in sorted(DECLARED)
    for how in ("web", "file")
    if how == "web" or not name.startswith("header")
]


@pytest.mark.parametrize(("how", "name"), READINGS)
def test_a_page_is_read_in_the_charset_it_declares(
    how: str, name: str, dripping: str, tmp_path: Path, warnings: Warnings
) -> None:
    content_type, body, text = DECLARED[name]
    read = read_as(how, name, content_type, body, dripping, tmp_path)
    assert read.strip() == text.strip()
    assert warnings.messages == []


@pytest.mark.parametrize("how", ["web", "file"])
def test_what_cannot_be_decoded_is_said(
    how: str, dripping: str, tmp_path: Path, warnings: Warnings
) -> None:
    """A page that says UTF-8 and is not: its characters replaced, and a warning that says
    how many."""
    body = _page('<meta charset="utf-8">', "latin-1", LATIN_1)
    read = read_as(how, "lying", "text/html", body, dripping, tmp_path)
    assert "\ufffd" in read
    assert len(warnings.messages) == 1
    assert warnings.messages[0].endswith("characters not valid utf-8, replaced with \ufffd")
    assert "lying" in warnings.messages[0]  # the URL or the file


@pytest.mark.parametrize("how", ["web", "file"])
def test_a_charset_guessed_is_said(
    how: str, dripping: str, tmp_path: Path, warnings: Warnings
) -> None:
    body = _page("", "latin-1", LATIN_1)
    read = read_as(how, "undeclared", "text/html", body, dripping, tmp_path)
    assert "\ufffd" not in read and "caf" in read
    assert (
        len(warnings.messages) == 1 and "no charset declared and not UTF-8" in warnings.messages[0]
    )


def test_a_text_page_in_a_declared_charset_says_what_it_replaced(
    dripping: str, warnings: Warnings
) -> None:
    PAGES["/ascii.txt"] = ("text/plain; charset=us-ascii", LATIN_1.encode("latin-1"))
    assert "\ufffd" in fetch_document(dripping + "/ascii.txt").text
    assert len(warnings.messages) == 1 and "not valid ascii" in warnings.messages[0]


@pytest.mark.parametrize("content_type", ["text/plain", "text/html"])
def test_an_unknown_charset_is_ignored_not_a_crash(
    content_type: str, dripping: str, warnings: Warnings
) -> None:
    """A charset Python does not know ended the run with a LookupError."""
    body = _page("", "utf-8") if content_type == "text/html" else TEXT.encode()
    path = f"/bogus-{content_type.replace('/', '-')}"
    PAGES[path] = (f"{content_type}; charset=x-no-such-charset", body)
    assert fetch_document(dripping + path).text.strip() == TEXT.strip()
    assert warnings.messages == [
        f"{dripping}{path}: unknown charset 'x-no-such-charset' declared, ignored"
    ]
