"""Bad inputs, one at a time, beside a good article: each gets one line on stderr naming it and
the cause, a failed record in the output, exit status 1, and the good article's result is
complete. `summarize` and `batch` read inputs the same way (one reader serves every command).
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.testing import (
    ARTICLES,
    ROOT,
    FakeServer,
    fully_grounded_example,
    recorded_completion,
)

from .test_converters import PAGES, encrypted_pdf, make_pdf, scanned_pdf

runner = CliRunner()
# A builder makes the bad input under a folder and returns (what to pass, what the message
# says, extra options).
Builder = Callable[[Path], tuple[str, str, list[str]]]


def _file(name: str, content: bytes, cause: str, *options: str) -> Builder:
    def build(folder: Path) -> tuple[str, str, list[str]]:
        path = folder / name
        path.write_bytes(content)
        return str(path), cause, list(options)

    return build


def _fifo(folder: Path) -> tuple[str, str, list[str]]:
    path = folder / "news.txt"
    os.mkfifo(path)  # nothing will ever write to it: opening it would wait forever
    return str(path), "not a regular file (a FIFO)", []


def _socket(folder: Path) -> tuple[str, str, list[str]]:
    path = folder / "news.md"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    return str(path), "not a regular file (a socket)", []


def _dangling_link(folder: Path) -> tuple[str, str, list[str]]:
    path = folder / "link.txt"
    path.symlink_to(folder / "gone.txt")
    return str(path), "no such file", []


def _empty_folder(folder: Path) -> tuple[str, str, list[str]]:
    path = folder / "corpus"
    path.mkdir()
    (path / "notes.bin").write_bytes(b"\x00\x01")
    return str(path), "no .txt, .md, .html, .pdf, .docx, .jsonl or .csv files in it", []


# Longer than the limit the cases set (10,000), where the good article (5,576) is not.
def _pdf(name: str, make: Callable[[Path], bytes], cause: str) -> Builder:
    def build(folder: Path) -> tuple[str, str, list[str]]:
        path = folder / name
        path.write_bytes(make(folder))
        return str(path), cause, []

    return build


LONG = ("A sentence of some length about nothing in particular. " * 400).encode()
HTML_WITHOUT_ARTICLE = b"<html><body><nav><a href='/'>Home</a></nav></body></html>"

BAD_INPUTS: dict[str, Builder] = {
    "missing file": lambda folder: (str(folder / "missing.txt"), "no such file", []),
    "dangling symlink": _dangling_link,
    "glob matching nothing": lambda folder: (
        str(folder / "*.nothing"),
        "no files match this pattern",
        [],
    ),
    "folder without articles": _empty_folder,
    "FIFO": _fifo,
    "socket": _socket,
    "character device": lambda folder: ("/dev/null", "not a regular file (a character device)", []),
    "empty file": _file("empty.txt", b"", "file is empty"),
    "whitespace only": _file("blank.txt", b" \n\t\n", "file holds only whitespace"),
    "byte order mark only": _file("bom.txt", b"\xef\xbb\xbf\n", "file holds only whitespace"),
    "binary": _file("data.txt", b"PK\x03\x04\x00\x00", "binary file (NUL byte at offset 4)"),
    "gzip named .txt": _file("news.txt", gzip.compress(b"news"), "binary file"),
    "UTF-16": _file("wide.txt", "News of the day.".encode("utf-16"), "binary file"),
    "Latin-1": _file("latin.md", "Café au lait.".encode("latin-1"), "not UTF-8 text"),
    "over --max-chars": _file(
        "long.txt",
        LONG,
        "22,000 characters, over the 10,000-character limit (--max-chars)",
        "--max-chars",
        "10000",
    ),
    "HTML without an article": _file(
        "page.html", HTML_WITHOUT_ARTICLE, "no article text found in the HTML"
    ),
    "JSONL with invalid JSON": _file(
        "rows.jsonl", b'{"id": "a", "text": \n', "rows.jsonl:1: invalid JSON"
    ),
    "JSONL line not an object": _file(
        "rows.jsonl", b'["a", "b"]\n', "rows.jsonl:1: a line must be a JSON object"
    ),
    "JSONL row without text": _file("rows.jsonl", b'{"id": "a"}\n', "no 'text' (or it is empty)"),
    "JSONL row without id": _file("rows.jsonl", b'{"text": "News."}\n', "rows.jsonl:1: no 'id'"),
    "JSONL not UTF-8": _file(
        "rows.jsonl", b'{"id": "a", "text": "caf\xe9"}\n', "not UTF-8 text (invalid byte"
    ),
    "JSONL without rows": _file("rows.jsonl", b"\n\n", "no documents in it"),
    "JSONL row over --max-chars": _file(
        "rows.jsonl",
        json.dumps({"id": "a", "text": LONG.decode()}).encode() + b"\n",
        "rows.jsonl:1: 22,000 characters, over the 10,000-character limit",
        "--max-chars",
        "10000",
    ),
    "CSV without a text column": _file(
        "rows.csv", b"id,body\n1,News.\n", "rows.csv:2: no 'text' (or it is empty)"
    ),
    "CSV with an empty text": _file("rows.csv", b"id,text\n1,\n", "no 'text' (or it is empty)"),
    "CSV header only": _file("rows.csv", b"id,text\n", "no documents in it"),
    "scanned PDF": _pdf("scan.pdf", scanned_pdf, "no text layer in its 1 page(s)"),
    "encrypted PDF": _pdf("locked.pdf", lambda _: encrypted_pdf(), "encrypted PDF"),
    "broken PDF": _pdf("cut.pdf", lambda _: make_pdf(PAGES)[:400], "not a readable PDF"),
    "broken Word file": _file("notes.docx", b"PK\x03\x04 no zip", "not a readable Word"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    with FakeServer(recorded_completion(fully_grounded_example())) as running:
        yield running


def good_article() -> str:
    return str(ARTICLES / f"{fully_grounded_example()}.txt")


def endpoint(server: FakeServer) -> list[str]:
    return ["--base-url", server.url, "--model", "m", "--grounding-reasks", "0", "-q"]


def assert_good_result_complete(record: dict[str, Any]) -> None:
    assert record["status"] == "ok", record
    assert record["source"] == good_article()
    assert record["summary"]["text"] and len(record["facts"]) >= 3
    assert all(f["evidence"]["status"] != "ungrounded" for f in record["facts"])


@pytest.mark.parametrize("command", ["batch", "summarize"])
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_a_bad_input_fails_alone(
    case: str, command: str, tmp_path: Path, server: FakeServer
) -> None:
    argument, cause, options = BAD_INPUTS[case](tmp_path)
    out = tmp_path / "out.jsonl"
    args = [command, good_article(), argument, "-o", str(out), *options, *endpoint(server)]
    if command == "batch":
        args += ["--store", str(tmp_path / "store.db")]
    else:
        args += ["-f", "jsonl"]
    outcome = runner.invoke(app, args)
    assert outcome.exit_code == 1, outcome.output
    errors = [line for line in outcome.stderr.splitlines() if line.startswith("summarizer: error:")]
    assert len(errors) == 1, outcome.stderr
    assert cause in errors[0] and argument in errors[0]
    records = [json.loads(line) for line in out.read_text().splitlines()]
    good = [r for r in records if r["status"] == "ok"]
    failed = [r for r in records if r["status"] == "failed"]
    assert len(good) == 1 and len(failed) == 1, records
    assert_good_result_complete(good[0])
    assert cause in f"{failed[0]['source']}: {failed[0]['error']}"


def _without_dac_override() -> list[str]:
    """Run as root yet subject to file permissions, as any other user is."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def test_an_unreadable_subfolder_is_reported_not_skipped(
    tmp_path: Path, server: FakeServer
) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "locked").mkdir(parents=True)
    (corpus / "good.txt").write_text(Path(good_article()).read_text())
    (corpus / "locked" / "hidden.txt").write_text("A story nobody will read.")
    (corpus / "locked").chmod(0)
    try:
        completed = subprocess.run(
            [
                *_without_dac_override(),
                sys.executable,
                "-m",
                "summarizer",
                "batch",
                str(corpus),
                "-o",
                str(tmp_path / "out.jsonl"),
                "--store",
                str(tmp_path / "store.db"),
                *endpoint(server),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
    finally:
        (corpus / "locked").chmod(0o755)
    assert completed.returncode == 1, completed.stderr
    assert f"{corpus / 'locked'}: Permission denied: its files are not read" in completed.stderr
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["status"] for r in records] == ["failed", "ok"]
    assert records[1]["facts"]
