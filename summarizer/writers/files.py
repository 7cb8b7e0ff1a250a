"""Output files: checked before any model call, written whole or not at all, never over an
input.

A regular file is written beside itself, to a hidden temporary file (`.out.jsonl.1a2b.partial`:
no glob of the inputs matches it, no folder reading takes it for a document), synced, and
renamed over the target (`os.replace`) once the command is done, so that a full disk or a
crash never leaves a truncated output, and a previous output stays as it was until the new one
is complete. It keeps the previous output's permissions. A special file (/dev/stdout, a FIFO)
is written directly.

Before anything runs, what a command writes (its output, the store, the --save-text folder) is
checked against what it reads (ReadFiles): the same path, a symlink to it or a hard link of it
is refused, since writing would destroy the user's own data.
"""

from __future__ import annotations

import itertools
import os
import secrets
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO, TypeVar

from summarizer.errors import OutputError, OverwriteError, ReadError
from summarizer.inputs.documents import Document, input_directories, input_files

PARTIAL_SUFFIX = ".partial"
T = TypeVar("T")
_Identity = tuple[int, int]  # st_dev, st_ino: one file, under whichever name or link


class ReadFiles:
    """The regular files a command reads: the documents of its inputs (every file of a
    folder or a glob), and files it names, each with what it is to the command ("the input
    corpus.jsonl", "the store s.db"). Listed, and folders walked, only when a check needs it."""

    def __init__(
        self, inputs: Iterable[str] = (), named: Mapping[str, Path | None] | None = None
    ) -> None:
        self.inputs = list(inputs)
        self.named = {role: path for role, path in (named or {}).items() if path is not None}
        self._files: list[tuple[Path, str | None]] | None = None
        self._known: dict[_Identity, str] | None = None

    def files(self) -> list[tuple[Path, str | None]]:
        """The inputs' files, each with its document's id (None: a table's rows have theirs)."""
        if self._files is None:
            self._files = list(input_files(self.inputs))
        return self._files

    def described(self, target: Path) -> str | None:
        """What `target` is among the files read ("the input a.txt"), found by the file
        itself, whatever path, symlink or hard link names it; None if it is none of them."""
        identity = _identity(target)
        return None if identity is None else self._identities().get(identity)

    def _identities(self) -> dict[_Identity, str]:
        if self._known is None:
            named = [(path, f"the {role} {path}") for role, path in self.named.items()]
            inputs = [(path, f"the input {path}") for path, _id in self.files()]
            self._known = {}
            for path, description in [*named, *inputs]:
                if (identity := _identity(path)) is not None:
                    self._known.setdefault(identity, description)
        return self._known


def _identity(path: Path) -> _Identity | None:
    """The regular file at `path` (symlinks followed), or None: a special file (a terminal, a
    FIFO) is written to, not replaced, and a missing one holds nothing to lose."""
    try:
        status = path.stat()
    except (OSError, ValueError):
        return None
    return (status.st_dev, status.st_ino) if stat.S_ISREG(status.st_mode) else None


def check_overwrites(
    read: ReadFiles, targets: Mapping[str, Path | None], save_text: Path | None = None
) -> None:
    """Refuse, before anything runs, to write over what the command reads: a target (its
    output, its store, a cassette to record, by role) that is one of the files read, or
    that is another target; a --save-text folder that is (or lies in) an input folder, or
    that would write a text over a file read."""
    named = {role: path for role, path in targets.items() if path is not None}
    for role, target in named.items():
        if (what := read.described(target)) is not None:
            raise OverwriteError(
                f"{role} {target}: is the same file as {what}; choose another {role}"
            )
    for (role, target), (other, path) in itertools.combinations(named.items(), 2):
        if _same_place(target, path):
            raise OverwriteError(
                f"{role} {target}: is the same file as the {other} {path}; choose another {role}"
            )
    if save_text is not None:
        _check_save_text(read, save_text)


def _same_place(a: Path, b: Path) -> bool:
    """One file: the same path once symlinks are resolved (though it may not exist yet), or
    the same inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    identity = _identity(a)
    return identity is not None and identity == _identity(b)


def _check_save_text(read: ReadFiles, folder: Path) -> None:
    if (what := read.described(folder)) is not None:
        raise OverwriteError(f"--save-text {folder}: is {what}, not a folder; choose another")
    where = Path(os.path.realpath(folder))
    for directory in input_directories(read.inputs):
        if where.is_relative_to(os.path.realpath(directory)):
            raise OverwriteError(
                f"--save-text {folder}: is inside the input folder {directory}, whose files "
                "are all read: the texts would join the inputs; choose another folder"
            )
    for _path, doc_id in read.files():
        target = text_file(folder, doc_id) if doc_id is not None else None
        if target is not None and (what := read.described(target)) is not None:
            raise OverwriteError(
                f"--save-text {folder}: {target} would replace {what}; choose another folder"
            )


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
    with _replacing(path, f"output {path}") as partial, _opened(partial, path) as stream:
        yield stream


@contextmanager
def _replacing(target: Path, shown: str) -> Iterator[Path]:
    """A new temporary file beside `target`, renamed over it if the block completes, removed
    if it does not."""
    partial = _temporary_beside(target, shown)
    try:
        yield partial
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _temporary_beside(target: Path, shown: str) -> Path:
    """A hidden file of a name no other writer uses, created with the permissions `target`
    has (or that the umask gives a new file), so that a private output stays private."""
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}{PARTIAL_SUFFIX}")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with suppress(FileNotFoundError):
            os.fchmod(descriptor, stat.S_IMODE(target.stat().st_mode))
        os.close(descriptor)
    except OSError as exc:
        raise OutputError(f"{shown}: {exc.strerror or exc}") from None
    return partial


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
        if file.is_file():
            guarded.sync()  # on disk before the rename: a power cut leaves old or new
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

    def sync(self) -> None:
        try:
            os.fsync(self._stream.fileno())
        except OSError as exc:
            raise OutputError(f"output {self._shown}: {exc.strerror or exc}") from None

    def isatty(self) -> bool:
        return self._stream.isatty()


def saving_texts(
    items: Iterable[T | Document], folder: Path, read: ReadFiles | None = None
) -> Iterator[T | Document | ReadError]:
    """The items, each document's text written to `folder` on the way: what evidence
    offsets index, for a PDF, a Word file or a web page as much as for text. Each text is
    written whole or not at all. A document whose text would replace one of the files
    `read` (a table's row whose id names one) is not written, and becomes that document's
    failure: the others go on."""
    for item in items:
        if isinstance(item, Document):
            path = text_file(folder, item.id)
            if read is not None and (what := read.described(path)) is not None:
                yield ReadError(item.source, f"--save-text: {path} would replace {what}")
                continue
            write_whole(path, item.text, f"text {path}")
        yield item


def write_whole(path: Path, text: str, shown: str) -> None:
    """`text` in `path` (its folders made), written whole or not at all."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _replacing(path, shown) as partial:
            partial.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise OutputError(f"{shown}: {exc.strerror or exc}") from None


def text_file(folder: Path, doc_id: str) -> Path:
    """`folder/<id>.txt`; an id with slashes (from a folder's subfolders) makes subfolders,
    never a path outside `folder`."""
    parts = [p for p in Path(doc_id).parts if p not in ("", ".", "..", "/")]
    safe = Path(*parts) if parts else Path("document")
    return folder / safe.with_name(safe.name + ".txt")
