"""Documents and the readers that make them; bad input becomes a ReadError naming the file.

Readers: plain text (.txt, .md and anything else that decodes as UTF-8), HTML (.html, .htm:
the article text, extracted with trafilatura), and tables of documents (.jsonl, .csv: one
document per row with `id` and `text`, optional `title`, `url`, `date`). Inputs may be files,
directories (read recursively), glob patterns or `-` for stdin.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from summarizer.cleaning import strip_boilerplate

STDIN = "-"
NUL = b"\x00"
TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
TABLE_SUFFIXES = {".jsonl", ".csv"}
DIRECTORY_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | TABLE_SUFFIXES
_GLOB_CHARS = set("*?[")
MIN_HTML_TEXT_CHARS = 50


@dataclass(frozen=True)
class Document:
    id: str
    source: str
    text: str  # as read: evidence offsets index this
    title: str | None = None
    url: str | None = None
    date: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @cached_property
    def body(self) -> str:
        """What the model reads: the text without obvious page furniture."""
        return strip_boilerplate(self.text)


class ReadError(Exception):
    """An input that cannot become a document; the message names the source and the cause."""

    def __init__(self, source: str, cause: str) -> None:
        super().__init__(f"{source}: {cause}")
        self.source = source
        self.cause = cause


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 text as it is (no newline translation), so offsets are offsets into the file."""
    if not raw.strip():
        raise ReadError(source, "file is empty" if not raw else "file holds only whitespace")
    if NUL in raw:
        raise ReadError(source, f"binary file (NUL byte at offset {raw.index(NUL)})")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadError(source, f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    return text.removeprefix("\ufeff")


def html_document(html: str, source: str, doc_id: str) -> Document:
    import trafilatura  # imported on first use: it takes a while and plain text needs none

    extracted = trafilatura.bare_extraction(
        html, include_comments=False, include_tables=False, with_metadata=True
    )
    fields: dict[str, Any] = {}
    if extracted is not None:
        fields = extracted if isinstance(extracted, dict) else extracted.as_dict()
    text = fields.get("text") or ""
    # A page of navigation only still yields a word or two ("Home"): that is not an article.
    if len(text.strip()) < MIN_HTML_TEXT_CHARS:
        raise ReadError(source, "no article text found in the HTML")
    return Document(
        id=doc_id,
        source=source,
        text=text,
        title=fields.get("title") or None,
        url=fields.get("url") or None,
        date=fields.get("date") or None,
    )


def read_path(path: str, doc_id: str | None = None) -> Document:
    """One file (or stdin) as one document."""
    if path == STDIN:
        return Document(
            id="stdin", source="<stdin>", text=decode_text(sys.stdin.buffer.read(), "<stdin>")
        )
    file = Path(path)
    if not file.exists():
        raise ReadError(path, "no such file")
    if file.is_dir():
        raise ReadError(path, "is a directory; give the files in it")
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ReadError(path, exc.strerror or str(exc)) from None
    text = decode_text(raw, path)
    if file.suffix.lower() in HTML_SUFFIXES:
        return html_document(text, path, doc_id or file.stem)
    return Document(id=doc_id or file.stem, source=path, text=text)


def read_paths(paths: Iterable[str]) -> Iterator[Document | ReadError]:
    """One item per path, in order: the document, or the reason it could not be read."""
    for path in paths:
        try:
            yield read_path(path)
        except ReadError as error:
            yield error


# ---- corpora: directories, globs and tables of documents ----------------------------------


def iter_documents(inputs: Iterable[str]) -> Iterator[Document | ReadError]:
    """Every document of every input, lazily, so a corpus of any size streams through."""
    for spec in inputs:
        if spec == STDIN:
            yield from read_paths([spec])
        elif Path(spec).is_dir():
            yield from _read_directory(Path(spec))
        elif _GLOB_CHARS & set(spec) and not Path(spec).exists():
            matches = sorted(glob.glob(spec, recursive=True))
            files = [m for m in matches if Path(m).is_file()]
            if not files:
                yield ReadError(spec, "no files match this pattern")
            for match in files:
                yield from _read_file(match)
        else:
            yield from _read_file(spec)


def _read_directory(folder: Path) -> Iterator[Document | ReadError]:
    files = sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in DIRECTORY_SUFFIXES
    )
    if not files:
        yield ReadError(str(folder), "no .txt, .md, .html, .jsonl or .csv files in it")
    for file in files:
        # The relative path keeps ids unique when subfolders hold files of the same name.
        doc_id = file.relative_to(folder).with_suffix("").as_posix()
        yield from _read_file(str(file), doc_id)


def _read_file(path: str, doc_id: str | None = None) -> Iterator[Document | ReadError]:
    suffix = Path(path).suffix.lower()
    if suffix == ".jsonl":
        yield from _read_rows(path, _jsonl_rows(path))
    elif suffix == ".csv":
        yield from _read_rows(path, _csv_rows(path))
    else:
        try:
            yield read_path(path, doc_id)
        except ReadError as error:
            yield error


def _jsonl_rows(path: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"invalid JSON ({exc.msg} at column {exc.colno})"
                continue
            yield number, row if isinstance(row, dict) else "a line must be a JSON object"


def _csv_rows(path: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    csv.field_size_limit(sys.maxsize)  # article texts outgrow the 128 KiB default
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, row  # the line the row ends on, header included


def _read_rows(
    path: str, rows: Iterator[tuple[int, dict[str, Any] | str]]
) -> Iterator[Document | ReadError]:
    if not Path(path).is_file():
        yield ReadError(path, "no such file")
        return
    try:
        for number, row in rows:
            yield _row_document(f"{path}:{number}", row)
    except UnicodeDecodeError as exc:
        yield ReadError(path, f"not UTF-8 text (invalid byte at offset {exc.start})")
    except OSError as exc:
        yield ReadError(path, exc.strerror or str(exc))


def _row_document(source: str, row: dict[str, Any] | str) -> Document | ReadError:
    if isinstance(row, str):
        return ReadError(source, row)
    text, doc_id = row.get("text"), row.get("id")
    if not isinstance(text, str) or not text.strip():
        return ReadError(source, "no 'text' (or it is empty)")
    if doc_id is None or str(doc_id).strip() == "":
        return ReadError(source, "no 'id'")
    return Document(
        id=str(doc_id),
        source=source,
        text=text,
        title=_optional(row.get("title")),
        url=_optional(row.get("url")),
        date=_optional(row.get("date")),
    )


def _optional(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
