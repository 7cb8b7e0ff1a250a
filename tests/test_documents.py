from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from summarizer.documents import Document, ReadError, read_path, read_paths


def test_reads_utf8_text_verbatim(tmp_path: Path) -> None:
    file = tmp_path / "a.txt"
    file.write_bytes("\ufeffLine one\r\nCafé “quoted”\n".encode())
    document = read_path(str(file))
    assert document.id == "a"
    assert document.text == "Line one\r\nCafé “quoted”\n"  # newlines kept: offsets index the file
    assert len(document.sha256) == 64


@pytest.mark.parametrize(
    ("content", "cause"),
    [
        (b"", "file is empty"),
        (b"  \n\t\n", "file holds only whitespace"),
        (b"PK\x03\x04\x00\x00binary", "binary file (NUL byte at offset 4)"),
        (b"caf\xe9 au lait", "not UTF-8 text (invalid byte at offset 3)"),
    ],
)
def test_bad_files_name_the_cause(tmp_path: Path, content: bytes, cause: str) -> None:
    file = tmp_path / "bad.txt"
    file.write_bytes(content)
    with pytest.raises(ReadError) as error:
        read_path(str(file))
    assert error.value.cause == cause
    assert str(error.value) == f"{file}: {cause}"


def test_missing_path_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="no such file"):
        read_path(str(tmp_path / "nope.txt"))
    with pytest.raises(ReadError, match="is a directory"):
        read_path(str(tmp_path))


def test_read_paths_keeps_going_after_a_bad_one(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Some news.")
    items = list(read_paths([str(tmp_path / "missing.txt"), str(good)]))
    assert isinstance(items[0], ReadError)
    assert isinstance(items[1], Document) and items[1].text == "Some news."


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"From a pipe.")))
    document = read_path("-")
    assert (document.id, document.source, document.text) == ("stdin", "<stdin>", "From a pipe.")
