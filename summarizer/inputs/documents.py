"""Documents and the readers that make them; bad input becomes a ReadError naming the file.

Readers: plain text (.txt, .md and anything else that decodes as UTF-8), HTML (.html, .htm:
the article text, extracted with trafilatura), PDF and Word (.pdf, .docx:
summarizer.inputs.converters, with where each page or paragraph starts), and tables of
documents (.jsonl, .csv: one document per row with `id` and `text`, optional `title`,
`url`, `date`). Inputs may be files, directories (read recursively), glob patterns or `-`
for stdin.
"""

from __future__ import annotations

import bisect
import csv
import glob
import hashlib
import json
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from summarizer.errors import ConversionError, ReadError
from summarizer.inputs.charsets import decode_html
from summarizer.inputs.cleaning import strip_boilerplate
from summarizer.inputs.converters import Converted, PartKind, docx_text, pdf_text
from summarizer.redaction import redact_text, redact_url

STDIN = "-"
NUL = b"\x00"
# The longest text read as one document. A 20 MB file sent whole took 1.29 GB of memory;
# long documents split into windows are another matter (they still need a bound).
MAX_CHARS = 1_000_000
TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
CONVERTED_SUFFIXES = {".pdf": pdf_text, ".docx": docx_text}
TABLE_SUFFIXES = {".jsonl", ".csv"}
URL_LIST_SUFFIX = ".urls"
DIRECTORY_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | TABLE_SUFFIXES | set(CONVERTED_SUFFIXES)
_GLOB_CHARS = set("*?[")
MIN_HTML_TEXT_CHARS = 50


@dataclass(frozen=True)
class Layout:
    """Where the pages of a PDF or the paragraphs of a Word file start in a document's text."""

    kind: PartKind
    starts: tuple[int, ...]

    def part_at(self, offset: int) -> int:
        """The 1-based page or paragraph holding the character at `offset`."""
        return max(bisect.bisect_right(self.starts, offset), 1)


@dataclass(frozen=True)
class Document:
    id: str
    source: str
    text: str  # as read: evidence offsets index this
    title: str | None = None
    url: str | None = None
    date: str | None = None
    layout: Layout | None = None  # for text converted from a PDF or a Word file
    fetched_at: str | None = None  # for a web page: when it was fetched (ISO 8601, UTC)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @cached_property
    def body(self) -> str:
        """What the model reads: the text without obvious page furniture."""
        return strip_boilerplate(self.text)


def decode_text(raw: bytes, source: str, max_chars: int = MAX_CHARS) -> str:
    """UTF-8 text as it is (no newline translation), so offsets are offsets into the file."""
    check_raw(raw, source, max_chars)
    if NUL in raw:
        raise _binary(source, raw.index(NUL))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReadError(source, f"not UTF-8 text (invalid byte at offset {exc.start})") from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ReadError(source, "file holds only whitespace")
    check_length(source, text, max_chars)
    return text


def check_raw(raw: bytes, source: str, max_chars: int) -> None:
    """Bytes that cannot be a text of at most `max_chars`: too many, or none."""
    if len(raw) > 4 * max_chars:  # more characters than the limit, whatever the encoding
        raise _too_long(source, f"{len(raw):,} bytes", max_chars)
    if not raw.strip():
        raise ReadError(source, "file is empty" if not raw else "file holds only whitespace")


def _binary(source: str, offset: int) -> ReadError:
    return ReadError(source, f"binary file (NUL byte at offset {offset})")


def read_html(raw: bytes, source: str, doc_id: str, max_chars: int) -> Document:
    """An HTML file's article, in the charset the file declares (UTF-16 with its BOM too, so
    NUL is looked for once it is decoded)."""
    check_raw(raw, source, max_chars)
    html = decode_html(raw, source)
    if "\x00" in html:
        raise _binary(source, html.index("\x00"))
    check_length(source, html, max_chars)
    return html_document(html, source, doc_id)


def check_length(source: str, text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise _too_long(source, f"{len(text):,} characters", max_chars)


def _too_long(source: str, size: str, max_chars: int) -> ReadError:
    return ReadError(source, f"{size}, over the {max_chars:,}-character limit (--max-chars)")


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
        url=_without_credentials(fields.get("url")),
        date=fields.get("date") or None,
    )


def read_path(path: str, doc_id: str | None = None, max_chars: int = MAX_CHARS) -> Document:
    """One file (or stdin) as one document."""
    if path == STDIN:
        raw = sys.stdin.buffer.read(4 * max_chars + 1)
        return Document(id="stdin", source="<stdin>", text=decode_text(raw, "<stdin>", max_chars))
    file = Path(path)
    _check_regular_file(file, path)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ReadError(path, exc.strerror or str(exc)) from None
    convert = CONVERTED_SUFFIXES.get(file.suffix.lower())
    if convert is not None:
        return converted_document(convert, raw, path, doc_id or file.stem, max_chars)
    if file.suffix.lower() in HTML_SUFFIXES:
        return read_html(raw, path, doc_id or file.stem, max_chars)
    text = decode_text(raw, path, max_chars)
    return Document(id=doc_id or file.stem, source=path, text=text)


def converted_document(
    convert: Callable[[bytes], Converted], raw: bytes, source: str, doc_id: str, max_chars: int
) -> Document:
    """A PDF or Word file (from disk or the web) as a document with its layout."""
    try:
        converted = convert(raw)
    except ConversionError as exc:
        raise ReadError(source, str(exc)) from None
    check_length(source, converted.text, max_chars)
    layout = Layout(converted.kind, converted.starts)
    return Document(id=doc_id, source=source, text=converted.text, layout=layout)


def _check_regular_file(file: Path, path: str) -> None:
    """Only regular files are read: opening a FIFO waits for a writer that may never come,
    and a device may never end."""
    try:
        mode = file.stat().st_mode
    except FileNotFoundError:
        raise ReadError(path, "no such file") from None
    except OSError as exc:
        raise ReadError(path, exc.strerror or str(exc)) from None
    if stat.S_ISDIR(mode):
        raise ReadError(path, "is a directory; give the files in it")
    if not stat.S_ISREG(mode):
        raise ReadError(path, f"not a regular file ({_file_kind(mode)}); only files are read")


def _file_kind(mode: int) -> str:
    kinds = [
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ]
    return next((name for test, name in kinds if test(mode)), "a special file")


# ---- corpora: directories, globs and tables of documents ----------------------------------


def iter_documents(
    inputs: Iterable[str], max_chars: int = MAX_CHARS
) -> Iterator[Document | ReadError]:
    """Every document of every input, lazily, so a corpus of any size streams through; every
    input that cannot be read, as a ReadError in its place."""
    for spec in inputs:
        if is_url(spec):
            yield from _read_url(spec, max_chars)
        elif spec == STDIN:
            yield from _read_file(spec, max_chars=max_chars)
        elif Path(spec).is_dir():
            yield from _read_directory(Path(spec), max_chars)
        elif _is_glob(spec):
            files = _glob_files(spec)
            if not files:
                yield ReadError(spec, "no files match this pattern")
            for match in files:
                yield from _read_file(match, max_chars=max_chars)
        else:
            yield from _read_file(spec, max_chars=max_chars)


def input_files(inputs: Iterable[str]) -> Iterator[tuple[Path, str | None]]:
    """Every file that reading `inputs` opens, found as iter_documents finds it, with the id
    of its document: None for a table or a URL list, whose rows and pages are the documents.
    What a command writes is checked against these (summarizer.writers.files)."""
    for spec in inputs:
        if is_url(spec) or spec == STDIN:
            continue
        path = Path(spec)
        if path.is_dir():
            for file in directory_files(path)[0]:
                yield file, _file_id(file, file.relative_to(path).with_suffix("").as_posix())
        elif _is_glob(spec):
            yield from ((Path(match), _file_id(Path(match))) for match in _glob_files(spec))
        else:
            yield path, _file_id(path)


def input_directories(inputs: Iterable[str]) -> list[Path]:
    """The inputs that are directories, every file below them read."""
    return [Path(spec) for spec in inputs if not is_url(spec) and Path(spec).is_dir()]


def _file_id(path: Path, doc_id: str | None = None) -> str | None:
    if path.suffix.lower() in TABLE_SUFFIXES | {URL_LIST_SUFFIX}:
        return None
    return doc_id or path.stem  # as read_path names it


def _is_glob(spec: str) -> bool:
    return bool(_GLOB_CHARS & set(spec)) and not Path(spec).exists()


def _glob_files(pattern: str) -> list[str]:
    return [m for m in sorted(glob.glob(pattern, recursive=True)) if Path(m).is_file()]


def is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def _read_url(url: str, max_chars: int) -> Iterator[Document | ReadError]:
    from summarizer.inputs.fetching import (
        fetch_document,  # httpx and the fetching rules, on first use
    )

    try:
        yield fetch_document(url, max_chars)
    except ReadError as error:
        yield error


def _read_url_list(path: str, max_chars: int) -> Iterator[Document | ReadError]:
    """A `.urls` file: one URL a line; blank lines and # comments skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        yield ReadError(path, getattr(exc, "strerror", None) or str(exc))
        return
    urls = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not urls:
        yield ReadError(path, "no URLs in it")
    for number, url in enumerate(urls, 1):
        if is_url(url):
            yield from _read_url(url, max_chars)
        else:
            yield ReadError(f"{path}:{number}", f"not an http(s) URL: {redact_text(url)[:80]!r}")


def _read_directory(folder: Path, max_chars: int) -> Iterator[Document | ReadError]:
    files, unreadable = directory_files(folder)
    for error in unreadable:
        yield ReadError(error.filename or str(folder), f"{error.strerror}: its files are not read")
    if not files and not unreadable:
        yield ReadError(str(folder), "no .txt, .md, .html, .pdf, .docx, .jsonl or .csv files in it")
    for file in files:
        # The relative path keeps ids unique when subfolders hold files of the same name.
        doc_id = file.relative_to(folder).with_suffix("").as_posix()
        yield from _read_file(str(file), doc_id, max_chars)


def directory_files(folder: Path) -> tuple[list[Path], list[OSError]]:
    """The readable kinds of files under `folder`, and the folders that could not be listed
    (a folder without read permission: rglob skips it without a word). The one listing: the
    progress bar counts what is read from these."""
    files: list[Path] = []
    unreadable: list[OSError] = []
    for root, _dirs, names in os.walk(folder, onerror=unreadable.append):
        files += [Path(root) / n for n in names if Path(n).suffix.lower() in DIRECTORY_SUFFIXES]
    return sorted(files), unreadable


def _read_file(
    path: str, doc_id: str | None = None, max_chars: int = MAX_CHARS
) -> Iterator[Document | ReadError]:
    suffix = Path(path).suffix.lower()
    if suffix == URL_LIST_SUFFIX:
        yield from _read_url_list(path, max_chars)
        return
    if suffix in TABLE_SUFFIXES:
        try:
            _check_regular_file(Path(path), path)
        except ReadError as error:
            yield error
            return
        rows = _jsonl_rows(path) if suffix == ".jsonl" else _csv_rows(path)
        yield from _read_rows(path, rows, max_chars)
        return
    try:
        yield read_path(path, doc_id, max_chars)
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
    path: str, rows: Iterator[tuple[int, dict[str, Any] | str]], max_chars: int
) -> Iterator[Document | ReadError]:
    count = 0
    try:
        for number, row in rows:
            count += 1
            yield _row_document(f"{path}:{number}", row, max_chars)
    except UnicodeDecodeError as exc:
        yield ReadError(path, f"not UTF-8 text (invalid byte at offset {exc.start})")
    except OSError as exc:
        yield ReadError(path, exc.strerror or str(exc))
    else:
        if not count:
            yield ReadError(path, "no documents in it")


def _row_document(source: str, row: dict[str, Any] | str, max_chars: int) -> Document | ReadError:
    if isinstance(row, str):
        return ReadError(source, row)
    text, doc_id = row.get("text"), row.get("id")
    if not isinstance(text, str) or not text.strip():
        return ReadError(source, "no 'text' (or it is empty)")
    if len(text) > max_chars:
        return _too_long(source, f"{len(text):,} characters", max_chars)
    if doc_id is None or str(doc_id).strip() == "":
        return ReadError(source, "no 'id'")
    return Document(
        id=str(doc_id),
        source=source,
        text=text,
        title=_optional(row.get("title")),
        url=_without_credentials(_optional(row.get("url"))),
        date=_optional(row.get("date")),
    )


def _optional(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _without_credentials(url: str | None) -> str | None:
    """A URL a document carries, never with the user and password it may have been given."""
    return redact_url(url) if url else None
