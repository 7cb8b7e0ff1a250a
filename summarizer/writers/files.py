"""Output files: checked before any model call, written whole or not at all.

A regular file is written beside itself (`out.jsonl.partial`) and renamed over the target
once the command is done, so a full disk or a crash never leaves a truncated output, and a
previous output stays as it was until the new one is complete. A special file (/dev/stdout,
a FIFO) is written directly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO, TypeVar

from summarizer.errors import OutputError
from summarizer.inputs.documents import Document

PARTIAL_SUFFIX = ".partial"
T = TypeVar("T")


def check_output(path: Path) -> None:
    """Fail now, not after an hour of model calls, if `path` cannot be written."""
    if path.is_dir():
        raise OutputError(f"output {path}: is a directory")
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"output {path}: no such directory {parent}")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(f"output {path}: permission denied")


@contextmanager
def output_stream(path: Path | None) -> Iterator[TextIO]:
    """stdout, or `path` replaced only when the block completes."""
    if path is None:
        yield sys.stdout
        return
    check_output(path)
    if path.exists() and not path.is_file():
        with _opened(path, path) as stream:
            yield stream
        return
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    try:
        with _opened(partial, path) as stream:
            yield stream
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@contextmanager
def _opened(file: Path, shown: Path) -> Iterator[TextIO]:
    try:
        stream = file.open("w", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"output {shown}: {exc.strerror or exc}") from None
    guarded = _Guarded(stream, shown)
    try:
        yield guarded  # type: ignore[misc]
        guarded.flush()
    finally:
        with suppress(OSError):  # reported by the write or flush that failed first
            stream.close()


class _Guarded:
    """A text stream whose write errors (a full disk) name the output."""

    def __init__(self, stream: TextIO, shown: Path) -> None:
        self._stream = stream
        self._shown = shown

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise OutputError(f"output {self._shown}: {exc.strerror or exc}") from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputError(f"output {self._shown}: {exc.strerror or exc}") from None

    def isatty(self) -> bool:
        return self._stream.isatty()


def saving_texts(items: Iterable[T], folder: Path) -> Iterator[T]:
    """The items unchanged, each document's text written to `folder` on the way: what
    evidence offsets index, for a PDF, a Word file or a web page as much as for text."""
    for item in items:
        if isinstance(item, Document):
            path = text_file(folder, item)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(item.text, encoding="utf-8", newline="")
            except OSError as exc:
                raise OutputError(f"text {path}: {exc.strerror or exc}") from None
        yield item


def text_file(folder: Path, document: Document) -> Path:
    """`folder/<id>.txt`; an id with slashes (from a folder's subfolders) makes subfolders,
    never a path outside `folder`."""
    parts = [p for p in Path(document.id).parts if p not in ("", ".", "..", "/")]
    safe = Path(*parts) if parts else Path("document")
    return folder / safe.with_name(safe.name + ".txt")
