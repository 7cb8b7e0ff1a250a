"""A URL's user and password (`http://reader:PW@host/page`) are used to fetch it and for
nothing else: no output, store, log, saved text, file name or error message holds them.
A site on 127.0.0.1 that wants them (Basic auth) shows that the fetch still sends them."""

from __future__ import annotations

import base64
import json
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.errors import ReadError
from summarizer.inputs.documents import Document, iter_documents, read_path
from summarizer.inputs.fetching import fetch_document, url_id
from summarizer.testing import ARTICLES, FakeServer, fully_grounded_example, recorded_completion

USER, PASSWORD = "reader", "s3cret-PW-41"
# Neither may appear in anything the tool writes or prints.
SECRETS = (PASSWORD, f"{USER}:", base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())
ARTICLE = (ARTICLES / f"{fully_grounded_example()}.txt").read_text(encoding="utf-8")
STORY = "/news/story"
runner = CliRunner()


class _Protected(BaseHTTPRequestHandler):
    """The article as plain text, to the reader who gives the password; a redirect to it."""

    authorizations: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        _Protected.authorizations.append(self.headers.get("authorization"))
        wanted = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.path == "/old":
            self._send(302, b"", {"location": STORY})
        elif self.path != STORY:
            self._send(404, b"not here")
        elif self.headers.get("authorization") != wanted:
            self._send(401, b"who are you?", {"www-authenticate": 'Basic realm="news"'})
        else:
            self._send(200, ARTICLE.encode(), {"content-type": "text/plain; charset=utf-8"})

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def protected_site() -> Iterator[str]:
    """Yields the site's address with the credentials in it: http://reader:PW@127.0.0.1:PORT."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Protected)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{USER}:{PASSWORD}@127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with protected_site() as base:
        yield base


@pytest.fixture(scope="module")
def model() -> Iterator[FakeServer]:
    with FakeServer(recorded_completion(fully_grounded_example())) as server:
        yield server


@pytest.fixture(autouse=True)
def no_endpoint_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SUMMARIZER_MODEL", "SUMMARIZER_MODEL_PATH"):
        monkeypatch.delenv(name, raising=False)


def assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {where}: {text[:2000]}"


def shown(base: str) -> str:
    """The site's address as the tool shows it."""
    return base.replace(f"{USER}:{PASSWORD}@", "***@")


# ---- the document made from a URL ---------------------------------------------------------


@pytest.mark.parametrize("path", [STORY, "/old"])
def test_the_document_carries_the_url_without_its_credentials(site: str, path: str) -> None:
    _Protected.authorizations.clear()
    document = fetch_document(site + path)
    assert document.text == ARTICLE  # the password was sent: the site answered
    assert any(a and a.startswith("Basic ") for a in _Protected.authorizations)
    assert document.source == shown(site) + path
    assert document.url == shown(site) + STORY
    assert document.id == url_id(shown(site) + STORY) == url_id(site + STORY)
    assert "@" not in document.id
    assert_no_secret("the document", repr(document))


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("{site}/missing", "HTTP 404 Not Found"),
        ("http://reader:s3cret-PW-41@127.0.0.1:9/page", "cannot fetch (ConnectError"),
        ("http://reader:s3cret-PW-41@[::1/page", "not a valid URL"),
    ],
    ids=["404", "refused", "invalid"],
)
def test_a_url_that_fails_is_named_without_its_credentials(site: str, url: str, cause: str) -> None:
    url = url.format(site=site)
    with pytest.raises(ReadError) as error:
        fetch_document(url)
    assert cause in error.value.cause
    assert error.value.source.startswith("http://***@")
    assert_no_secret("the error", str(error.value))


def test_a_url_list_names_its_bad_lines_without_credentials(tmp_path: Path) -> None:
    listing = tmp_path / "reading.urls"
    listing.write_text(f"ftp://{USER}:{PASSWORD}@old.example/archive/{'x' * 80}\n")
    (error,) = iter_documents([str(listing)])
    assert isinstance(error, ReadError) and "ftp://***@old.example" in str(error)
    assert_no_secret("the error", str(error))


@pytest.mark.parametrize("table", ["rows.jsonl", "rows.csv", "page.html"])
def test_a_url_read_from_a_file_carries_no_credentials(tmp_path: Path, table: str) -> None:
    """A table's `url` column, and an HTML file's canonical link."""
    url = f"https://{USER}:{PASSWORD}@news.example/story"
    path = tmp_path / table
    if table.endswith(".jsonl"):
        path.write_text(json.dumps({"id": "a", "text": ARTICLE, "url": url}) + "\n")
    elif table.endswith(".csv"):
        path.write_text(f'id,text,url\na,"{ARTICLE.replace(chr(34), chr(34) * 2)}",{url}\n')
    else:
        paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE.split("\n") if p.strip())
        path.write_text(
            f"<html><head><link rel='canonical' href='{url}'></head>"
            f"<body><article>{paragraphs}</article></body></html>"
        )
    documents = [d for d in iter_documents([str(path)]) if isinstance(d, Document)]
    assert [d.url for d in documents] == ["https://***@news.example/story"]
    assert_no_secret("the document", repr(documents))
    if table.endswith(".html"):
        assert read_path(str(path)).url == "https://***@news.example/story"


# ---- every writer: outputs, the store, logs, saved texts, messages -----------------------


def invoke(args: list[str]) -> tuple[int, str]:
    outcome = runner.invoke(app, args, env={"COLUMNS": "400"})  # tables not cut short
    for where, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
        assert_no_secret(f"{args[0]}'s {where}", text)
    return outcome.exit_code, outcome.stdout


def assert_nothing_written_holds_a_secret(folder: Path) -> None:
    """Every file under `folder`, its name and its bytes (the store's SQLite pages too)."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert_no_secret("a file name", str(path.relative_to(folder)))
        assert_no_secret(str(path), path.read_bytes().decode("utf-8", errors="replace"))


@pytest.mark.parametrize(
    ("command", "output_format"),
    [
        ("summarize", "json"),
        ("summarize", "jsonl"),
        ("summarize", "markdown"),
        ("summarize", "html"),
        ("batch", "jsonl"),
        ("batch", "html"),
    ],
)
def test_no_writer_shows_the_credentials(
    command: str,
    output_format: str,
    site: str,
    model: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written = tmp_path / "written"
    written.mkdir()
    store = written / "store.db"
    out = written / f"out.{output_format}"
    args = [command, site + STORY, site + "/missing", "-f", output_format, "-o", str(out)]
    args += ["--save-text", str(written / "texts"), "--store", str(store)]
    args += ["--base-url", model.url, "--model", "m", "--grounding-reasks", "0"]
    monkeypatch.setattr(sys, "argv", ["summarizer", *args])  # the command line a run stores
    status, _ = invoke(args)
    assert status == 1  # the missing page failed, alone
    assert shown(site) in out.read_text()
    saved = list((written / "texts").rglob("*.txt"))
    assert [p.read_text() for p in saved] == [ARTICLE]
    if command == "batch":
        for view in ("table", "jsonl", "csv"):
            status, listing = invoke(["logs", "--store", str(store), "-f", view])
            assert status == 0 and "127.0.0.1" in listing
        for view in ("markdown", "json"):
            document_id = url_id(site + STORY)
            status, one = invoke(["logs", "--store", str(store), "--show", document_id, "-f", view])
            assert status == 0 and shown(site) in one
        status, _ = invoke(["runs", "--store", str(store)])
        assert status == 0
        with closing(sqlite3.connect(store)) as db:
            (command_line,) = db.execute("SELECT command FROM runs").fetchone()
        assert shown(site) + STORY in command_line
    assert_nothing_written_holds_a_secret(written)


@pytest.mark.parametrize("output_format", ["markdown", "json", "html"])
def test_a_digest_shows_no_credentials(
    output_format: str, site: str, model: FakeServer, tmp_path: Path
) -> None:
    written = tmp_path / "written"
    written.mkdir()
    out = written / f"digest.{output_format}"
    args = ["digest", site + STORY, site + "/old", site + "/missing", "--extractive"]
    args += ["-f", output_format, "-o", str(out), "--store", str(written / "store.db")]
    args += ["--base-url", model.url, "--model", "m", "--grounding-reasks", "0"]
    status, _ = invoke(args)
    assert status == 1  # the missing page failed, alone
    assert shown(site) in out.read_text()
    assert_nothing_written_holds_a_secret(written)
