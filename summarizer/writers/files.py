"""Output files: checked before any model call, written whole or not at all.

A regular file is written beside itself (`out.jsonl.partial`) and renamed over the target
once the command is done, so a full disk or a crash never leaves a truncated output, and a
previous output stays as it was until the new one is complete. A special file (/dev/stdout,
a FIFO) is written directly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

PARTIAL_SUFFIX = ".partial"


class OutputError(RuntimeError):
    """An output that cannot be written; the message names the path and the cause."""


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
