from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from summarizer.errors import ReadError
from summarizer.inputs.documents import Document, iter_documents, read_path


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
    items = list(iter_documents([str(tmp_path / "missing.txt"), str(good)]))
    assert isinstance(items[0], ReadError)
    assert isinstance(items[1], Document) and items[1].text == "Some news."


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"From a pipe.")))
    document = read_path("-")
    assert (document.id, document.source, document.text) == ("stdin", "<stdin>", "From a pipe.")


def test_directory_is_read_recursively_with_relative_ids(tmp_path: Path) -> None:
    from summarizer.inputs.documents import iter_documents

    (tmp_path / "x" / "y").mkdir(parents=True)
    (tmp_path / "a.txt").write_text("First.")
    (tmp_path / "x" / "y" / "a.md").write_text("Second.")
    (tmp_path / "x" / "notes.pdf").write_bytes(b"%PDF")  # not a kind we read: skipped
    items = list(iter_documents([str(tmp_path)]))
    assert [(d.id, d.text) for d in items if isinstance(d, Document)] == [
        ("a", "First."),
        ("x/y/a", "Second."),
    ]


def test_jsonl_and_csv_rows_with_metadata_and_bad_rows(tmp_path: Path) -> None:
    from summarizer.inputs.documents import iter_documents

    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text(
        '{"id": 1, "text": "One.", "title": "T", "url": "http://x", "date": "2025-05-13"}\n\n[1]\n{"id": "2", "text": ""}\n'
    )
    csv_file = tmp_path / "c.csv"
    csv_file.write_text('id,text,title\nc1,"Multi\nline text.",Title\n,no id,\n')
    items = list(iter_documents([str(jsonl), str(csv_file)]))
    first = items[0]
    assert isinstance(first, Document)
    assert (first.id, first.text, first.title, first.url, first.date) == (
        "1",
        "One.",
        "T",
        "http://x",
        "2025-05-13",
    )
    assert str(items[1]) == f"{jsonl}:3: a line must be a JSON object"
    assert str(items[2]) == f"{jsonl}:4: no 'text' (or it is empty)"
    assert isinstance(items[3], Document) and items[3].text == "Multi\nline text."
    assert str(items[4]) == f"{csv_file}:4: no 'id'"


def test_glob_pattern(tmp_path: Path) -> None:
    from summarizer.inputs.documents import iter_documents

    for name in ("a.txt", "b.txt", "c.md"):
        (tmp_path / name).write_text(f"Text of {name}.")
    items = list(iter_documents([str(tmp_path / "*.txt")]))
    assert [d.id for d in items if isinstance(d, Document)] == ["a", "b"]


def test_html_is_reduced_to_the_article_text(tmp_path: Path) -> None:
    paragraphs = "".join(
        f"<p>The negotiators met again on day {i} and agreed on a further set of measures for the region.</p>"
        for i in range(6)
    )
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Talks resume</title></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/sports'>Sports</a></nav>"
        f"<article><h1>Talks resume</h1>{paragraphs}</article>"
        "<footer>Copyright 2025 Example News. All rights reserved.</footer></body></html>"
    )
    document = read_path(str(page))
    assert "negotiators met again on day 3" in document.text
    assert "<p>" not in document.text and "Sports" not in document.text
    assert document.title == "Talks resume"


def test_html_without_article_text(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text("<html><body><nav>Home</nav></body></html>")
    with pytest.raises(ReadError, match="no article text found in the HTML"):
        read_path(str(page))
