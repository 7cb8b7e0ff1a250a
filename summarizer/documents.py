"""Documents and the readers that make them; bad input becomes a ReadError naming the file."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

STDIN = "-"
NUL = b"\x00"


@dataclass(frozen=True)
class Document:
    id: str
    source: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


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


def read_path(path: str) -> Document:
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
    return Document(id=file.stem, source=path, text=decode_text(raw, path))


def read_paths(paths: Iterable[str]) -> Iterator[Document | ReadError]:
    """One item per path, in order: the document, or the reason it could not be read."""
    for path in paths:
        try:
            yield read_path(path)
        except ReadError as error:
            yield error
